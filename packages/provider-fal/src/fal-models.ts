import type { ModelCapabilities } from '@llmkit/core'
import { falImageModels } from './fal-image-models.js'

/**
 * fal takes `image_size` as a preset or as any `{width, height}`. Its schema gives no bound,
 * but FLUX and SD3 are trained on 16-pixel multiples up to about 2048 on a side, so larger or
 * odd sizes are mapped (with a warning) instead of being rejected or silently resized by fal.
 */
const FAL_SIZES = { kind: 'range', minWidth: 256, maxWidth: 2048, minHeight: 256, maxHeight: 2048, step: 16 } as const
/** fal seeds are integers; a 32-bit unsigned range is what every FLUX/SD3 endpoint accepts. */
const FAL_SEED = { min: 0, max: 4_294_967_295 } as const
/** `sync_mode: true` turns `images[].url` into a `data:` URI, so both formats are native. */
const FAL_FORMATS = ['url', 'b64_json'] as const
/** FLUX inputs beyond the generic ones, with their types (shared/providers/fal.md §3). */
const FLUX_OPTIONS = { num_inference_steps: 'integer', guidance_scale: 'number', enable_safety_checker: 'boolean', output_format: 'string', acceleration: 'string' } as const
/**
 * fal documents no prompt limit, and a 2 MB prompt was once sent (and billed). FLUX's and SD3's
 * T5 encoder reads at most 512 tokens (about 2000 characters) and ignores the rest, so 10000
 * characters, the limit Stability documents for the same SD3 models, rejects only mistakes.
 */
const FAL_PROMPT_MAX = 10_000

/**
 * fal.ai text-to-image models and their true limits (shared/providers/fal.md §3).
 * `fal-ai/stable-diffusion-3` is the seed's name; fal's application id is
 * `fal-ai/stable-diffusion-v3-medium`, which is also accepted as an alias.
 */
export const falModels = [
  {
    id: 'fal-ai/flux/dev',
    wireId: 'fal-ai/flux/dev',
    displayName: 'FLUX.1 [dev]',
    mode: 'async',
    maxImagesPerCall: 4,
    sizes: FAL_SIZES,
    defaultSize: '1024x768',
    qualities: [],
    styles: [],
    negativePrompt: false,
    seed: FAL_SEED,
    formats: FAL_FORMATS,
    outputMimeTypes: ['image/jpeg', 'image/png'],
    // The first-class output_format, sent as FLUX's `output_format` (fal.md §3: jpeg, png).
    outputFormats: ['jpeg', 'png'],
    maxPromptLength: FAL_PROMPT_MAX,
    providerOptions: FLUX_OPTIONS,
    source: 'https://fal.ai/models/fal-ai/flux/dev/api',
  },
  {
    id: 'fal-ai/flux/schnell',
    wireId: 'fal-ai/flux/schnell',
    displayName: 'FLUX.1 [schnell]',
    mode: 'async',
    maxImagesPerCall: 4,
    sizes: FAL_SIZES,
    defaultSize: '1024x768',
    qualities: [],
    styles: [],
    negativePrompt: false,
    seed: FAL_SEED,
    formats: FAL_FORMATS,
    outputMimeTypes: ['image/jpeg', 'image/png'],
    // The first-class output_format, sent as FLUX's `output_format` (fal.md §3: jpeg, png).
    outputFormats: ['jpeg', 'png'],
    maxPromptLength: FAL_PROMPT_MAX,
    // guidance_scale means nothing to the distilled schnell model, so it is not offered.
    providerOptions: { num_inference_steps: 'integer', enable_safety_checker: 'boolean', output_format: 'string', acceleration: 'string' },
    source: 'https://fal.ai/models/fal-ai/flux/schnell/api',
  },
  {
    id: 'fal-ai/stable-diffusion-3',
    aliases: ['fal-ai/stable-diffusion-v3-medium'],
    wireId: 'fal-ai/stable-diffusion-v3-medium',
    displayName: 'Stable Diffusion 3 Medium',
    mode: 'async',
    maxImagesPerCall: 4,
    sizes: FAL_SIZES,
    defaultSize: '1024x1024',
    qualities: [],
    styles: [],
    negativePrompt: true,
    seed: FAL_SEED,
    formats: FAL_FORMATS,
    maxPromptLength: FAL_PROMPT_MAX,
    // SD3 has no output_format input: it answers in whatever format the app emits.
    providerOptions: { num_inference_steps: 'integer', guidance_scale: 'number', enable_safety_checker: 'boolean', prompt_expansion: 'boolean' },
    source: 'https://fal.ai/models/fal-ai/stable-diffusion-v3-medium/api',
  },
  // Image-to-image, Kontext edits and Fill inpainting, one row per endpoint (fal-image-models.ts).
  ...falImageModels,
] as const satisfies readonly ModelCapabilities[]

/** Model ids in the table, plus any other fal application id. */
export type FalImageModelId = (typeof falModels)[number]['id'] | (string & {})

/** fal application ids: `owner/alias[/subpath]` (owners such as `fal-ai`, `workflows`, `comfy`). */
const FAL_APP_ID = /^[a-z0-9][\w.-]*\/[\w.-]+(\/[\w.-]+)*$/i

/**
 * Conservative capabilities for a fal application outside the table (`fal:fal-ai/flux-pro/v1.1`):
 * one image per call, no negative prompt, and the common FLUX-style inputs as provider options.
 * Every response then carries a warning that the row is guessed. Returns undefined for an id that is not a fal application id.
 */
export function openFalModel(id: string): ModelCapabilities | undefined {
  if (!FAL_APP_ID.test(id)) return undefined
  return {
    id,
    wireId: id,
    mode: 'async',
    maxImagesPerCall: 1,
    sizes: FAL_SIZES,
    qualities: [],
    styles: [],
    negativePrompt: false,
    seed: FAL_SEED,
    formats: FAL_FORMATS,
    maxPromptLength: FAL_PROMPT_MAX,
    providerOptions: { num_inference_steps: 'integer', guidance_scale: 'number', enable_safety_checker: 'boolean', output_format: 'string' },
    source: 'https://fal.ai/models',
    guessed: `fal ${id} is not in llmkit's table; it runs with conservative guessed capabilities (one image per call, FLUX-style inputs): check the app's input schema`,
  }
}
