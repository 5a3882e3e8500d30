import { type ModelCapabilities, guessCapabilities } from '@llmkit/core'
import { recraftModels } from './recraft-models.js'

/**
 * Capabilities for a Recraft model id outside the table, given as `recraft:<id>` (sent on the
 * wire as given, e.g. `recraft:recraftv5`): a dated snapshot takes its model's row; a new
 * `recraft*` id takes the newest family row (V4 vector for `*vector*`, V4 Pro for `*pro*`, else
 * V4); anything else a minimal row (one 1024x1024 image per call, no styles). Every response then
 * carries a warning that the row is guessed.
 */
export function openRecraftModel(id: string): ModelCapabilities | undefined {
  return guessCapabilities(id, {
    provider: 'recraft',
    table: recraftModels,
    families: [
      { pattern: /^recraft.*vector/i, from: 'recraft-v4-vector' },
      { pattern: /^recraft.*pro/i, from: 'recraft-v4-pro' },
      { pattern: /^recraft/i, from: 'recraft-v4' },
    ],
    fallback: {
      mode: 'sync',
      maxImagesPerCall: 1,
      sizes: { kind: 'list', values: ['1024x1024'] },
      defaultSize: '1024x1024',
      qualities: [],
      styles: [],
      negativePrompt: false,
      seed: null,
      formats: ['url', 'b64_json'],
      maxPromptLength: 1000,
      source: 'https://www.recraft.ai/docs/api-reference/appendix',
    },
  })
}
