import type { ModelCapabilities } from '@llmkit/core'
import { FLUX_DEV_IMAGE_INPUTS, SDXL_IMAGE_INPUTS, replicateImageModels } from './replicate-image-models.js'

/** Aspect ratios of flux-schnell, flux-dev and SD 3.5 (replicate.md §3). */
const FLUX_ASPECTS = ['1:1', '16:9', '21:9', '3:2', '2:3', '4:5', '5:4', '3:4', '4:3', '9:16', '9:21']
/** FLUX pro models drop the 21:9 / 9:21 extremes (their `custom` ratio is not a ratio, so it is not listed). */
const FLUX_PRO_ASPECTS = ['1:1', '16:9', '3:2', '2:3', '4:5', '5:4', '9:16', '3:4', '4:3']
/** Ideogram v2's `aspect_ratio` enum on Replicate. */
const IDEOGRAM_ASPECTS = ['1:1', '16:9', '9:16', '4:3', '3:4', '3:2', '2:3', '16:10', '10:16', '3:1', '1:3']
/** Recraft v3's `size` enum on Replicate (the Recraft API's own sizes). */
const RECRAFT_SIZES = [
  '1024x1024', '1365x1024', '1024x1365', '1536x1024', '1024x1536', '1820x1024', '1024x1820', '1024x2048',
  '2048x1024', '1434x1024', '1024x1434', '1024x1280', '1280x1024', '1024x1707', '1707x1024',
]
/** Cog models take any integer seed; llmkit's own range is 0..2^32-1. */
const UINT32_SEED = { min: 0, max: 4_294_967_295 }
/** Ideogram rejects seeds above a signed 32-bit int. */
const INT32_SEED = { min: 0, max: 2_147_483_647 }
/** Outputs llmkit asks for: png by default (see `output_format` in the README), webp and jpg on request. */
const FLUX_MIME_TYPES = ['image/png', 'image/webp', 'image/jpeg']
/**
 * The first-class output_format (sent as `output_format`, jpeg spelled `jpg`) and
 * output_compression (sent as `output_quality`) of FLUX and SD 3.5 (replicate.md §3).
 */
const FLUX_OUTPUT = { outputFormats: ['png', 'jpeg', 'webp'], outputCompression: true } as const satisfies Partial<ModelCapabilities>
/** Model inputs beyond llmkit's own, with their types (each model's schema on Replicate, replicate.md §3). */
const FLUX_OPTIONS = { output_format: 'string', output_quality: 'integer', megapixels: 'string', num_inference_steps: 'integer', go_fast: 'boolean', disable_safety_checker: 'boolean' } as const
const FLUX_PRO_OPTIONS = { output_format: 'string', output_quality: 'integer', safety_tolerance: 'integer', prompt_upsampling: 'boolean', image_prompt: 'string' } as const
const SD35_OPTIONS = { output_format: 'string', output_quality: 'integer', cfg: 'number', steps: 'integer', image: 'string', prompt_strength: 'number' } as const
/**
 * Replicate documents no prompt limit (a 2 MB prompt was once sent). The FLUX, SDXL and SD3.5
 * text encoders read a few hundred tokens at most (CLIP 77, T5 256-512) and ignore the rest, so
 * 10000 characters, Stability's documented limit for SD3.5, rejects only mistakes. Recraft's
 * model keeps Recraft's own 1000.
 */
const REPLICATE_PROMPT_MAX = 10_000

/**
 * Official SDXL on Replicate is a community model, so it needs a pinned version (replicate.md §2).
 * This is `latest_version.id` of `stability-ai/sdxl`.
 */
export const SDXL_VERSION = '7762fd07cf82c948538e41f63f77d685e02b063e37e496e96eefd46c929f9bdc'

/**
 * A table row with what every Replicate model here shares: async predictions, URL output,
 * one image per call, no quality or style tier; each model states only how it differs.
 */
function replicateModel(id: string, displayName: string, differences: Partial<ModelCapabilities> & Pick<ModelCapabilities, 'sizes'>): ModelCapabilities {
  return {
    id,
    wireId: id,
    displayName,
    mode: 'async',
    maxImagesPerCall: 1,
    defaultSize: '1:1',
    qualities: [],
    styles: [],
    negativePrompt: false,
    seed: UINT32_SEED,
    formats: ['url'],
    outputMimeTypes: FLUX_MIME_TYPES,
    maxPromptLength: REPLICATE_PROMPT_MAX,
    source: `https://replicate.com/${id}/api/schema`,
    ...differences,
  }
}

function officialFlux(id: string, displayName: string, extraOptions: ModelCapabilities['providerOptions'] = {}): ModelCapabilities {
  return replicateModel(id, displayName, { ...FLUX_OUTPUT, maxImagesPerCall: 4, sizes: { kind: 'aspect', values: FLUX_ASPECTS }, providerOptions: { ...FLUX_OPTIONS, ...extraOptions } })
}

function fluxPro(id: string, displayName: string): ModelCapabilities {
  return replicateModel(id, displayName, { ...FLUX_OUTPUT, sizes: { kind: 'aspect', values: FLUX_PRO_ASPECTS }, providerOptions: FLUX_PRO_OPTIONS })
}

function sd35(id: string, displayName: string, differences: Partial<ModelCapabilities> = {}): ModelCapabilities {
  return replicateModel(id, displayName, { ...FLUX_OUTPUT, sizes: { kind: 'aspect', values: FLUX_ASPECTS }, providerOptions: SD35_OPTIONS, ...differences })
}

function ideogram(id: string, displayName: string): ModelCapabilities {
  return replicateModel(id, displayName, {
    sizes: { kind: 'aspect', values: IDEOGRAM_ASPECTS },
    negativePrompt: true,
    seed: INT32_SEED,
    outputMimeTypes: ['image/png'],
    providerOptions: { style_type: 'string', magic_prompt_option: 'string', resolution: 'string' },
  })
}

/**
 * Well-known Replicate image models and their true inputs. Ids are Replicate's own model
 * references (`owner/name`), which never clash with another provider's ids; `replicate:<id>`
 * works too. How a row maps onto the wire follows from its data: an `aspect` size spec sends
 * `aspect_ratio`, a `range` spec `width`/`height`, a `list` spec `size`; `maxImagesPerCall` above
 * one sends `num_outputs`; a `wireId` with `:<version>` uses `POST /predictions`.
 */
export const replicateModels = [
  officialFlux('black-forest-labs/flux-schnell', 'FLUX.1 [schnell] on Replicate'),
  // Image-to-image through `image` and `prompt_strength` (issue 13, replicate-image-models.ts).
  { ...officialFlux('black-forest-labs/flux-dev', 'FLUX.1 [dev] on Replicate', { guidance: 'number', image: 'string', prompt_strength: 'number' }), imageInputs: FLUX_DEV_IMAGE_INPUTS },
  fluxPro('black-forest-labs/flux-pro', 'FLUX.1 [pro] on Replicate'),
  fluxPro('black-forest-labs/flux-1.1-pro', 'FLUX1.1 [pro] on Replicate'),
  {
    id: 'stability-ai/sdxl',
    wireId: `stability-ai/sdxl:${SDXL_VERSION}`,
    displayName: 'Stable Diffusion XL on Replicate',
    mode: 'async',
    maxImagesPerCall: 4,
    // Free integers on the wire; multiples of 8 are what the UNet takes without cropping.
    sizes: { kind: 'range', minWidth: 256, maxWidth: 2048, minHeight: 256, maxHeight: 2048, step: 8 },
    defaultSize: '1024x1024',
    qualities: [],
    styles: [],
    negativePrompt: true,
    seed: UINT32_SEED,
    formats: ['url'],
    outputMimeTypes: ['image/png'],
    maxPromptLength: REPLICATE_PROMPT_MAX,
    providerOptions: {
      num_inference_steps: 'integer', guidance_scale: 'number', scheduler: 'string', refine: 'string', high_noise_frac: 'number', apply_watermark: 'boolean',
      disable_safety_checker: 'boolean', lora_scale: 'number', image: 'string', mask: 'string', prompt_strength: 'number',
    },
    imageInputs: SDXL_IMAGE_INPUTS,
    source: 'https://replicate.com/stability-ai/sdxl/api/schema',
  },
  // Its current version's input schema has `negative_prompt` (string, "What you do not want to see in the image"):
  // replicate.com/stability-ai/stable-diffusion-3.5-large/versions/feb36d70…/api, read 2026-11-29.
  sd35('stability-ai/stable-diffusion-3.5-large', 'Stable Diffusion 3.5 Large on Replicate', { negativePrompt: true }),
  // Its input schema has `negative_prompt` (issue 12; the SD 3.5 predictors on Replicate take it as a string).
  sd35('stability-ai/stable-diffusion-3.5-large-turbo', 'Stable Diffusion 3.5 Large Turbo on Replicate', { negativePrompt: true }),
  // Same field on its current version: replicate.com/stability-ai/stable-diffusion-3.5-medium/versions/1323a3a6…/api, read 2026-11-29.
  sd35('stability-ai/stable-diffusion-3.5-medium', 'Stable Diffusion 3.5 Medium on Replicate', { negativePrompt: true }),
  {
    id: 'recraft-ai/recraft-v3',
    wireId: 'recraft-ai/recraft-v3',
    displayName: 'Recraft V3 on Replicate',
    mode: 'async',
    maxImagesPerCall: 1,
    sizes: { kind: 'list', values: RECRAFT_SIZES },
    defaultSize: '1024x1024',
    qualities: [],
    styles: [],
    negativePrompt: false,
    seed: null,
    formats: ['url'],
    outputMimeTypes: ['image/webp'],
    // Recraft's own limit (recraft.md: 1000 for V3).
    maxPromptLength: 1000,
    // Recraft's `style` enum (realistic_image, digital_illustration, ...) is not llmkit's vivid/natural.
    providerOptions: { style: 'string' },
    source: 'https://replicate.com/recraft-ai/recraft-v3/api/schema',
  },
  ideogram('ideogram-ai/ideogram-v2', 'Ideogram v2 on Replicate'),
  ideogram('ideogram-ai/ideogram-v2-turbo', 'Ideogram v2 Turbo on Replicate'),
  // FLUX Kontext edits and FLUX Fill inpainting (issue 13, replicate-image-models.ts).
  ...replicateImageModels,
] as const satisfies readonly ModelCapabilities[]

/** Model ids in the table, plus any other `owner/name` or `owner/name:version`. */
export type ReplicateImageModelId = (typeof replicateModels)[number]['id'] | (string & {})

/** `owner/name` with Replicate's allowed characters, optionally `:<64-hex version>`. */
const MODEL_REFERENCE = /^([a-z0-9][\w.-]*)\/([a-z0-9][\w.-]*)(?::([0-9a-f]{64}))?$/i
const PINNED_VERSION = /^[a-z0-9][\w.-]*\/[a-z0-9][\w.-]*:[0-9a-f]{64}$/i

/** A parsed model reference. */
export interface ReplicateModelReference {
  /** Model owner. */
  owner: string
  /** Model name. */
  name: string
  /** 64-hex version id, when pinned. */
  version: string | undefined
}

/** Parses `owner/name` or `owner/name:<version>`; undefined for anything else. */
export function parseModelReference(ref: string): ReplicateModelReference | undefined {
  const m = MODEL_REFERENCE.exec(ref)
  return m ? { owner: m[1]!, name: m[2]!, version: m[3]?.toLowerCase() } : undefined
}

/**
 * Whether an id is a pinned Replicate version. Only these are claimed without a prefix: a bare
 * `owner/name` also looks like fal's `fal-ai/...` ids, so it must be written `replicate:owner/name`.
 */
export function isPinnedVersion(id: string): boolean {
  return PINNED_VERSION.test(id)
}

/**
 * Options most Cog text-to-image models take, with their types; any other key is warned about and
 * dropped. `num_outputs` is not among them: the core sets the count from `n` and checks it.
 */
const OPEN_MODEL_OPTIONS = {
  aspect_ratio: 'string', negative_prompt: 'string', num_inference_steps: 'integer', guidance_scale: 'number', guidance: 'number', scheduler: 'string',
  output_format: 'string', output_quality: 'integer', disable_safety_checker: 'boolean', megapixels: 'string', go_fast: 'boolean', lora_scale: 'number',
  image: 'string', prompt_strength: 'number',
} as const

/**
 * Conservative capabilities for any model outside the table: one image per call (the core splits
 * `n`), `width`/`height`, a seed, no negative prompt (pass `negative_prompt` as a provider option
 * when the model has one); every response then carries a warning that the row is guessed. A
 * pinned version of a table model (`stability-ai/sdxl:<version>`) keeps that model's row, with no
 * warning. Undefined when the id is not a model reference.
 */
export function openReplicateModel(id: string): ModelCapabilities | undefined {
  const ref = parseModelReference(id)
  if (ref === undefined) return undefined
  // A pinned version of a table model is that model: it keeps the row (negative prompt, sizes, count).
  const listed = ref.version === undefined ? undefined : replicateModels.find((m) => m.id === `${ref.owner}/${ref.name}`.toLowerCase())
  if (listed !== undefined) return { ...listed, id, wireId: id }
  return {
    id,
    wireId: id,
    displayName: `${ref.owner}/${ref.name} on Replicate`,
    mode: 'async',
    maxImagesPerCall: 1,
    sizes: { kind: 'range', minWidth: 64, maxWidth: 2048, minHeight: 64, maxHeight: 2048, step: 8 },
    qualities: [],
    styles: [],
    negativePrompt: false,
    seed: UINT32_SEED,
    formats: ['url'],
    maxPromptLength: REPLICATE_PROMPT_MAX,
    providerOptions: OPEN_MODEL_OPTIONS,
    source: `https://replicate.com/${ref.owner}/${ref.name}/api/schema`,
    guessed: `replicate ${id} is not in llmkit's table; it runs with conservative guessed capabilities (one image per call, width/height, no negative prompt): check the model's input schema`,
  }
}
