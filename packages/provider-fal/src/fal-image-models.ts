import type { ModelCapabilities, ModelPrice } from '@llmkit/core'

/** FLUX's generic range: only used to refuse a size on endpoints that answer at the input's size. */
const INPUT_SIZED = { kind: 'range', minWidth: 256, maxWidth: 2048, minHeight: 256, maxHeight: 2048, step: 16 } as const
/** Kontext's `aspect_ratio` enum (fal-js `FluxKontextInput`). */
const KONTEXT_ASPECTS = ['21:9', '16:9', '4:3', '3:2', '1:1', '2:3', '3:4', '9:16', '9:21'] as const
const FAL_SEED = { min: 0, max: 4_294_967_295 } as const
const FAL_FORMATS = ['url', 'b64_json'] as const
const FAL_PROMPT_MAX = 10_000
/**
 * fal documents no size limit for inputs sent as data URIs; its docs recommend uploading larger
 * files to its CDN and passing the URL. llmkit sends bytes as data URIs inside the JSON submit
 * body, so it caps each input at 10 MiB (about 13.4 MB of base64) to keep that body reasonable;
 * an https input is passed to fal as its URL.
 */
const FAL_INPUT_MAX_BYTES = 10 * 1024 * 1024
/** fal's image fields take jpg, png, webp, gif and avif; llmkit sniffs png, jpeg and webp. */
const FAL_INPUT_TYPES = ['image/png', 'image/jpeg', 'image/webp'] as const
/** Kontext and Fill inputs beyond the generic ones (fal-js `FluxKontextInput`, `FluxProFillInput`). */
const PRO_OPTIONS = { safety_tolerance: 'string', enhance_prompt: 'boolean', output_format: 'string' } as const

function kontext<const Id extends string>(id: Id, displayName: string, maxImages: number) {
  return {
    id,
    wireId: id,
    displayName,
    mode: 'async',
    maxImagesPerCall: 4,
    sizes: { kind: 'aspect', values: [...KONTEXT_ASPECTS] },
    qualities: [],
    styles: [],
    negativePrompt: false,
    seed: FAL_SEED,
    formats: FAL_FORMATS,
    outputMimeTypes: ['image/jpeg', 'image/png'],
    outputFormats: ['jpeg', 'png'],
    maxPromptLength: FAL_PROMPT_MAX,
    providerOptions: { ...PRO_OPTIONS, guidance_scale: 'number' },
    imageInputs: {
      operations: { edit: { maxImages } },
      textToImage: false,
      mimeTypes: [...FAL_INPUT_TYPES],
      maxBytes: FAL_INPUT_MAX_BYTES,
    },
    source: `https://fal.ai/models/${id}/api`,
  } as const satisfies ModelCapabilities
}

/**
 * fal's FLUX image-input endpoints, one row each (the id is the endpoint), from the fal client's
 * endpoint types (fal-ai/fal-js `libs/client/src/types/endpoints.ts`): image-to-image with
 * strength, Kontext edits (one image, or several on `/multi`) and Fill inpainting with a mask.
 */
export const falImageModels = [
  {
    id: 'fal-ai/flux/dev/image-to-image',
    wireId: 'fal-ai/flux/dev/image-to-image',
    displayName: 'FLUX.1 [dev] image-to-image',
    mode: 'async',
    maxImagesPerCall: 4,
    // No size input: the output has the input's size (a size is refused before the network).
    sizes: INPUT_SIZED,
    qualities: [],
    styles: [],
    negativePrompt: false,
    seed: FAL_SEED,
    formats: FAL_FORMATS,
    outputMimeTypes: ['image/jpeg', 'image/png'],
    outputFormats: ['jpeg', 'png'],
    maxPromptLength: FAL_PROMPT_MAX,
    providerOptions: { num_inference_steps: 'integer', guidance_scale: 'number', enable_safety_checker: 'boolean', output_format: 'string', acceleration: 'string' },
    imageInputs: {
      // `strength`: "The strength of the initial image", default 0.95 (BaseImageToInput).
      operations: { 'image-to-image': { maxImages: 1, strength: true } },
      textToImage: false,
      mimeTypes: [...FAL_INPUT_TYPES],
      maxBytes: FAL_INPUT_MAX_BYTES,
    },
    source: 'https://fal.ai/models/fal-ai/flux/dev/image-to-image/api',
  },
  kontext('fal-ai/flux-pro/kontext', 'FLUX.1 Kontext [pro]', 1),
  kontext('fal-ai/flux-pro/kontext/max', 'FLUX.1 Kontext [max]', 1),
  // `image_urls` has no documented upper bound (fal's examples send two); four keeps the body bounded.
  kontext('fal-ai/flux-pro/kontext/multi', 'FLUX.1 Kontext [pro] multi-image', 4),
  {
    id: 'fal-ai/flux-pro/v1/fill',
    wireId: 'fal-ai/flux-pro/v1/fill',
    displayName: 'FLUX.1 [pro] Fill',
    mode: 'async',
    maxImagesPerCall: 4,
    sizes: INPUT_SIZED,
    qualities: [],
    styles: [],
    negativePrompt: false,
    seed: FAL_SEED,
    formats: FAL_FORMATS,
    outputMimeTypes: ['image/jpeg', 'image/png'],
    outputFormats: ['jpeg', 'png'],
    maxPromptLength: FAL_PROMPT_MAX,
    providerOptions: PRO_OPTIONS,
    imageInputs: {
      operations: { inpaint: { maxImages: 1, mask: 'required' } },
      textToImage: false,
      mimeTypes: [...FAL_INPUT_TYPES],
      maxBytes: FAL_INPUT_MAX_BYTES,
      // "Needs to match the dimensions of the input image"; white marks the area to fill.
      mask: { sameSize: true, kind: 'luminance' },
    },
    source: 'https://fal.ai/models/fal-ai/flux-pro/v1/fill/api',
  },
] as const satisfies readonly ModelCapabilities[]

const AS_OF = '2026-11-29'

/** Prices of the image endpoints, where fal's model page states one. */
export const falImagePrices: readonly ModelPrice[] = [
  {
    model: 'fal-ai/flux/dev/image-to-image',
    price: { kind: 'unknown', reason: 'the fal model page’s price could not be read' },
    source: 'https://fal.ai/models/fal-ai/flux/dev/image-to-image',
    asOf: AS_OF,
    confidence: 'unconfirmed',
    note: 'Unknown: the model page could not be read here, so no figure is guessed; a budget refuses this model unless a price is passed in the client’s prices option.',
  },
  {
    model: 'fal-ai/flux-pro/kontext',
    price: { kind: 'per-image', usd: 0.04 },
    source: 'https://fal.ai/models/fal-ai/flux-pro/kontext/llms.txt',
    asOf: AS_OF,
    confidence: 'official',
    note: '"$0.04 per images" (fal model page).',
  },
  {
    model: 'fal-ai/flux-pro/kontext/max',
    price: { kind: 'unknown', reason: 'the fal model page’s price could not be read' },
    source: 'https://fal.ai/models/fal-ai/flux-pro/kontext/max',
    asOf: AS_OF,
    confidence: 'unconfirmed',
    note: 'Unknown: the model page could not be read here, so no figure is guessed; a budget refuses this model unless a price is passed in the client’s prices option.',
  },
  {
    model: 'fal-ai/flux-pro/kontext/multi',
    price: { kind: 'per-image', usd: 0.04 },
    source: 'https://fal.ai/models/fal-ai/flux-pro/kontext/multi/llms.txt',
    asOf: AS_OF,
    confidence: 'official',
    note: '"$0.04 per images" (fal model page).',
  },
  {
    model: 'fal-ai/flux-pro/v1/fill',
    price: { kind: 'per-megapixel', usdPerMegapixel: 0.05, pixelsPerMegapixel: 1024 * 1024, roundUp: true },
    source: 'https://fal.ai/models/fal-ai/flux-pro/v1/fill/llms.txt',
    asOf: AS_OF,
    confidence: 'official',
    note: '"$0.05 per megapixels", billed by rounding up to the nearest megapixel (fal model page); the 1024x1024-pixel megapixel as for FLUX dev.',
  },
]
