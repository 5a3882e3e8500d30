import type { ModelCapabilities } from '@llmkit/core'

/** The nine sizes SDXL 1.0 accepts on v1; any other `width`x`height` is a 400 `invalid_height_or_width`. */
export const SDXL_SIZES = ['1024x1024', '1152x896', '896x1152', '1216x832', '832x1216', '1344x768', '768x1344', '1536x640', '640x1536'] as const
/** The nine `aspect_ratio` values of the v2beta Stable Image endpoints. */
export const STABLE_IMAGE_ASPECT_RATIOS = ['16:9', '1:1', '21:9', '2:3', '3:2', '4:5', '5:4', '9:16', '9:21'] as const
/** `style_preset` values of both APIs (v1 added them after its published spec). */
export const STYLE_PRESETS = [
  '3d-model',
  'analog-film',
  'anime',
  'cinematic',
  'comic-book',
  'digital-art',
  'enhance',
  'fantasy-art',
  'isometric',
  'line-art',
  'low-poly',
  'modeling-compound',
  'neon-punk',
  'origami',
  'photographic',
  'pixel-art',
  'tile-texture',
] as const

const V1_SOURCE = 'https://platform.stability.ai/docs/api-reference#tag/SDXL-1.0-and-SD1.6/operation/textToImage'
const SD3_SOURCE = 'https://platform.stability.ai/docs/api-reference#tag/Generate/paths/~1v2beta~1stable-image~1generate~1sd3/post'
const CORE_SOURCE = 'https://platform.stability.ai/docs/api-reference#tag/Generate/paths/~1v2beta~1stable-image~1generate~1core/post'
const ULTRA_SOURCE = 'https://platform.stability.ai/docs/api-reference#tag/Generate/paths/~1v2beta~1stable-image~1generate~1ultra/post'

/** Options every v2beta endpoint takes as form fields, with their types (stability.md, "Request fields (v2beta)"). */
const STABLE_IMAGE_OPTIONS = { output_format: 'string', style_preset: 'string' } as const
/** v2beta seeds stop one below v1's: 4294967294; 0 means random, so a split never sends it. */
const STABLE_IMAGE_SEED = { min: 0, max: 4_294_967_294, zeroIsRandom: true }

/**
 * A v2beta Stable Image row: one image per call (the core splits `n` and gives part i the seed
 * seed + i, wrapped into the range without 0), aspect ratios only, bytes only (the core makes `data:` URLs when a URL is asked for).
 */
function stableImage<const Id extends string>(
  id: Id,
  wireId: string,
  displayName: string,
  extra: {
    negativePrompt: boolean
    providerOptions: ModelCapabilities['providerOptions']
    source: string
    aliases?: readonly string[]
    imageInputs?: ModelCapabilities['imageInputs']
    requiredProviderOptions?: readonly string[]
  },
): ModelCapabilities & { readonly id: Id } {
  return {
    id,
    ...(extra.aliases ? { aliases: extra.aliases } : {}),
    wireId,
    displayName,
    mode: 'sync',
    maxImagesPerCall: 1,
    sizes: { kind: 'aspect', values: STABLE_IMAGE_ASPECT_RATIOS },
    defaultSize: '1:1',
    qualities: [],
    styles: [],
    negativePrompt: extra.negativePrompt,
    seed: STABLE_IMAGE_SEED,
    formats: ['b64_json'],
    outputMimeTypes: ['image/png', 'image/jpeg', 'image/webp'],
    // The first-class output_format, sent as the `output_format` form field.
    outputFormats: ['png', 'jpeg', 'webp'],
    maxPromptLength: 10_000,
    providerOptions: extra.providerOptions,
    ...(extra.requiredProviderOptions ? { requiredProviderOptions: extra.requiredProviderOptions } : {}),
    ...(extra.imageInputs ? { imageInputs: extra.imageInputs } : {}),
    source: extra.source,
  }
}

const SD3_OPTIONS = { ...STABLE_IMAGE_OPTIONS, cfg_scale: 'number' } as const

/**
 * v2beta requests are capped at 10 MiB in all (`/generate/sd3`: "maximum request size is 10MiB";
 * a larger body is a 413), so no single input can be larger.
 */
const V2BETA_MAX_BYTES = 10 * 1024 * 1024
const INPUT_TYPES = ['image/png', 'image/jpeg', 'image/webp'] as const
/**
 * SD 3.5 image-to-image (`mode: image-to-image`, `image`, `strength`; the API requires the
 * strength, and takes no aspect_ratio in that mode: the output follows the input). Inputs: jpeg,
 * png or webp, every side at least 64 px (OpenAPI `/v2beta/stable-image/generate/sd3`).
 */
const SD3_IMAGE_INPUTS = {
  operations: { 'image-to-image': { maxImages: 1, strength: 'required' } },
  mimeTypes: INPUT_TYPES,
  maxBytes: V2BETA_MAX_BYTES,
  minSide: 64,
} as const
/** Ultra's optional `image` + `strength` (required with an image): sides 64-16384 px, at least 4096 pixels (OpenAPI `/generate/ultra`). */
const ULTRA_IMAGE_INPUTS = {
  operations: { 'image-to-image': { maxImages: 1, strength: 'required' } },
  mimeTypes: INPUT_TYPES,
  maxBytes: V2BETA_MAX_BYTES,
  minSide: 64,
  maxSide: 16_384,
} as const
/**
 * The edit endpoints' image rules (OpenAPI `/v2beta/stable-image/edit/*`): jpeg, png or webp,
 * every side at least 64 px, 4,096 to 9,437,184 pixels. Outpaint and search-and-replace also bound
 * the aspect ratio to 1:2.5..2.5:1, which the row cannot say: the provider checks it before the call.
 */
const EDIT_LIMITS = { mimeTypes: INPUT_TYPES, maxBytes: V2BETA_MAX_BYTES, minSide: 64, maxPixels: 9_437_184 } as const
/**
 * A mask is black and white: white repaints, black keeps (grey is partial strength). Without one,
 * the image's alpha channel is the mask (transparent repaints). A mask of another size is resized
 * by the service (OpenAPI: "it will be automatically resized"), so llmkit does not refuse it.
 */
const EDIT_MASK = { sameSize: false, kind: 'luminance' } as const
const INPAINT_SOURCE = 'https://platform.stability.ai/docs/api-reference#tag/Edit/paths/~1v2beta~1stable-image~1edit~1inpaint/post'
const OUTPAINT_SOURCE = 'https://platform.stability.ai/docs/api-reference#tag/Edit/paths/~1v2beta~1stable-image~1edit~1outpaint/post'
const SEARCH_REPLACE_SOURCE = 'https://platform.stability.ai/docs/api-reference#tag/Edit/paths/~1v2beta~1stable-image~1edit~1search-and-replace/post'

/**
 * Stability AI text-to-image models (shared/providers/stability.md). The wire id picks the
 * endpoint: `core` and `ultra` are v2beta paths, `sd3.5-*` is the `model` field of
 * `/generate/sd3`, anything else is a v1 engine id.
 *
 * `stability-ai/stable-diffusion-3` (the seed's id) is an alias of `stability-ai/sd3.5-large`,
 * the model `/generate/sd3` runs by default: the SD3.0 models it once named are retired.
 */
export const stabilityModels = [
  {
    id: 'stability-ai/stable-diffusion-xl',
    wireId: 'stable-diffusion-xl-1024-v1-0',
    displayName: 'Stable Diffusion XL 1.0',
    mode: 'sync',
    // v1 returns up to 10 `samples` per call, but only with `Accept: application/json` (always sent).
    maxImagesPerCall: 10,
    sizes: { kind: 'list', values: SDXL_SIZES },
    // v1 defaults to 512x512, which SDXL rejects, so a size is always sent.
    defaultSize: '1024x1024',
    qualities: [],
    styles: [],
    negativePrompt: true,
    // v1 seeds: 0..4294967295, 0 (the default) means random.
    seed: { min: 0, max: 4_294_967_295, zeroIsRandom: true },
    formats: ['b64_json'],
    outputMimeTypes: ['image/png'],
    maxPromptLength: 2000,
    providerOptions: { cfg_scale: 'number', steps: 'integer', sampler: 'string', clip_guidance_preset: 'string', style_preset: 'string' },
    source: V1_SOURCE,
  },
  stableImage('stability-ai/sd3.5-large', 'sd3.5-large', 'Stable Diffusion 3.5 Large', {
    negativePrompt: true,
    providerOptions: SD3_OPTIONS,
    source: SD3_SOURCE,
    aliases: ['stability-ai/stable-diffusion-3'],
    imageInputs: SD3_IMAGE_INPUTS,
  }),
  // Turbo models ignore negative_prompt (stability.md), so the core warns instead of sending it.
  stableImage('stability-ai/sd3.5-large-turbo', 'sd3.5-large-turbo', 'Stable Diffusion 3.5 Large Turbo', { negativePrompt: false, providerOptions: SD3_OPTIONS, source: SD3_SOURCE, imageInputs: SD3_IMAGE_INPUTS }),
  stableImage('stability-ai/sd3.5-medium', 'sd3.5-medium', 'Stable Diffusion 3.5 Medium', { negativePrompt: true, providerOptions: SD3_OPTIONS, source: SD3_SOURCE, imageInputs: SD3_IMAGE_INPUTS }),
  stableImage('stability-ai/sd3.5-flash', 'sd3.5-flash', 'Stable Diffusion 3.5 Flash', { negativePrompt: true, providerOptions: SD3_OPTIONS, source: SD3_SOURCE, imageInputs: SD3_IMAGE_INPUTS }),
  // Core is text-to-image only: its endpoint takes no image.
  stableImage('stability-ai/stable-image-core', 'core', 'Stable Image Core', { negativePrompt: true, providerOptions: STABLE_IMAGE_OPTIONS, source: CORE_SOURCE }),
  stableImage('stability-ai/stable-image-ultra', 'ultra', 'Stable Image Ultra', { negativePrompt: true, providerOptions: STABLE_IMAGE_OPTIONS, source: ULTRA_SOURCE, imageInputs: ULTRA_IMAGE_INPUTS }),
  // The edit endpoints are services of their own, not options of a model, so each is a row that
  // needs an input image. Their output keeps the input's size: a size or ratio is not sent (warned).
  stableImage('stability-ai/inpaint', 'inpaint', 'Stable Image Inpaint', {
    negativePrompt: true,
    providerOptions: { ...STABLE_IMAGE_OPTIONS, grow_mask: 'number' },
    source: INPAINT_SOURCE,
    imageInputs: { operations: { inpaint: { maxImages: 1, mask: 'optional' } }, textToImage: false, ...EDIT_LIMITS, mask: EDIT_MASK },
  }),
  stableImage('stability-ai/outpaint', 'outpaint', 'Stable Image Outpaint', {
    // Outpaint takes no negative_prompt; its prompt is optional.
    negativePrompt: false,
    providerOptions: { ...STABLE_IMAGE_OPTIONS, left: 'integer', right: 'integer', up: 'integer', down: 'integer', creativity: 'number' },
    source: OUTPAINT_SOURCE,
    imageInputs: { operations: { outpaint: { maxImages: 1, prompt: 'optional' } }, textToImage: false, ...EDIT_LIMITS },
  }),
  stableImage('stability-ai/search-and-replace', 'search-and-replace', 'Stable Image Search and Replace', {
    negativePrompt: true,
    providerOptions: { ...STABLE_IMAGE_OPTIONS, search_prompt: 'string', grow_mask: 'number' },
    // The object to replace is named in words instead of a mask.
    requiredProviderOptions: ['search_prompt'],
    source: SEARCH_REPLACE_SOURCE,
    imageInputs: { operations: { edit: { maxImages: 1 } }, textToImage: false, ...EDIT_LIMITS },
  }),
] as const satisfies readonly ModelCapabilities[]

/** Model ids in the table, plus any other string for newer models. */
export type StabilityImageModelId = (typeof stabilityModels)[number]['id'] | 'stability-ai/stable-diffusion-3' | (string & {})
