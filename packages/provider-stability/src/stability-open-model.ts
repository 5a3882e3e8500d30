import { type ModelCapabilities, guessCapabilities } from '@llmkit/core'
import { stabilityModels } from './stability-models.js'

/**
 * Capabilities for a Stability model id outside the table, given as `stability:<id>` (the wire
 * id: `sd3*` goes to `/v2beta/stable-image/generate/sd3` as its `model`, anything else is a v1
 * engine id): a dated snapshot takes its model's row, a new `sd3*` id SD 3.5 Large's, a
 * `stable-diffusion-xl*` engine SDXL's; any other v1 engine a minimal row (one 1024x1024 image
 * per call, seeded, no negative prompt). Every response then carries a warning that the row is
 * guessed.
 */
export function openStabilityModel(id: string): ModelCapabilities | undefined {
  return guessCapabilities(id, {
    provider: 'stability',
    table: stabilityModels,
    families: [
      { pattern: /^sd3/, from: 'sd3.5-large' },
      { pattern: /^stable-diffusion-xl/, from: 'stable-diffusion-xl-1024-v1-0' },
    ],
    fallback: {
      mode: 'sync',
      maxImagesPerCall: 1,
      sizes: { kind: 'list', values: ['1024x1024'] },
      // v1 defaults to 512x512, which newer engines reject: a size is always sent.
      defaultSize: '1024x1024',
      qualities: [],
      styles: [],
      negativePrompt: false,
      seed: { min: 0, max: 4_294_967_295, zeroIsRandom: true },
      formats: ['b64_json'],
      outputMimeTypes: ['image/png'],
      maxPromptLength: 2000,
      providerOptions: { cfg_scale: 'number', steps: 'integer', style_preset: 'string' },
      source: 'https://platform.stability.ai/docs/api-reference#tag/SDXL-1.0-and-SD1.6/operation/textToImage',
    },
  })
}
