import { type ModelCapabilities, guessCapabilities } from '@llmkit/core'
import { runwayModels } from './runway-models.js'

/**
 * Capabilities for a Runway model id outside the table, given as `runway:<id>`: a dated snapshot
 * takes its model's row; a new `gen4_*` id takes gen4_image's (seeded, one image per task),
 * `gpt_image_*` gpt_image_2's, `gemini_*` gemini_2.5_flash's (the 1K sizes every Gemini model on
 * Runway takes); anything else a minimal row (one 1024:1024 image per task, no seed, optional
 * reference images). Every response then carries a warning that the row is guessed.
 */
export function openRunwayModel(id: string): ModelCapabilities | undefined {
  return guessCapabilities(id, {
    provider: 'runway',
    table: runwayModels,
    families: [
      { pattern: /^gen4_/, from: 'gen4_image' },
      { pattern: /^gpt_image_/, from: 'gpt_image_2' },
      { pattern: /^gemini_/, from: 'gemini_2.5_flash' },
    ],
    fallback: {
      mode: 'async',
      maxImagesPerCall: 1,
      // A ratio is always sent: `auto` is not a value every model takes.
      sizes: { kind: 'list', values: ['1024x1024'] },
      defaultSize: '1024x1024',
      qualities: [],
      styles: [],
      negativePrompt: false,
      seed: null,
      formats: ['url'],
      maxPromptLength: 1000,
      providerOptions: { referenceImages: 'array' },
      source: 'https://docs.dev.runwayml.com/api/#tag/Start-generating/paths/~1v1~1text_to_image/post',
    },
  })
}
