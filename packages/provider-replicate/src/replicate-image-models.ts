import type { ImageInputSpec, ModelCapabilities, ModelPrice } from '@llmkit/core'

/**
 * Replicate takes file inputs as URLs or data URIs; it recommends data URIs only under 1 MB and
 * uploads up to 100 MB through its file API. llmkit sends bytes as data URIs in the JSON body, so
 * it caps each input at 10 MiB; an https input is passed as its URL.
 * https://replicate.com/docs/topics/predictions/input-files
 */
const REPLICATE_INPUT_MAX_BYTES = 10 * 1024 * 1024
/** Types llmkit sniffs that every model here reads (Kontext: jpeg, png, gif, webp). */
const INPUT_TYPES = ['image/png', 'image/jpeg', 'image/webp'] as const

/** FLUX dev image-to-image: `image` and `prompt_strength` (replicate/cog-flux DevPredictor). */
export const FLUX_DEV_IMAGE_INPUTS = {
  operations: { 'image-to-image': { maxImages: 1, strength: true } },
  mimeTypes: [...INPUT_TYPES],
  maxBytes: REPLICATE_INPUT_MAX_BYTES,
} as const satisfies ImageInputSpec

/**
 * SDXL img2img and inpainting: `image`, `mask`, `prompt_strength` (replicate/cog-sdxl
 * predict.py). The mask is resized to the image by the pipeline, so its size is not checked;
 * white marks the area to repaint.
 */
export const SDXL_IMAGE_INPUTS = {
  operations: { 'image-to-image': { maxImages: 1, strength: true }, inpaint: { maxImages: 1, mask: 'required', strength: true } },
  mimeTypes: [...INPUT_TYPES],
  maxBytes: REPLICATE_INPUT_MAX_BYTES,
  mask: { sameSize: false, kind: 'luminance' },
} as const satisfies ImageInputSpec

/** Kontext's `aspect_ratio` values that are ratios (`match_input_image` is sent by the mapping). */
const KONTEXT_ASPECTS = ['1:1', '16:9', '9:16', '4:3', '3:4', '3:2', '2:3', '4:5', '5:4', '21:9', '9:21', '2:1', '1:2']
const UINT32_SEED = { min: 0, max: 4_294_967_295 } as const
const PROMPT_MAX = 10_000

function kontext<const Id extends string>(id: Id, displayName: string) {
  return {
    id,
    wireId: id,
    displayName,
    mode: 'async',
    maxImagesPerCall: 1,
    sizes: { kind: 'aspect', values: KONTEXT_ASPECTS },
    qualities: [],
    styles: [],
    negativePrompt: false,
    seed: UINT32_SEED,
    formats: ['url'],
    outputMimeTypes: ['image/png', 'image/jpeg'],
    // `output_format`: png or jpg (sent as jpg for jpeg).
    outputFormats: ['png', 'jpeg'],
    maxPromptLength: PROMPT_MAX,
    // safety_tolerance: 0-6, at most 2 with an input image (the model page).
    providerOptions: { output_format: 'string', safety_tolerance: 'integer', prompt_upsampling: 'boolean' },
    // `input_image` is optional: Kontext also generates from text alone.
    imageInputs: { operations: { edit: { maxImages: 1 } }, mimeTypes: [...INPUT_TYPES], maxBytes: REPLICATE_INPUT_MAX_BYTES },
    source: `https://replicate.com/${id}/api/schema`,
  } as const satisfies ModelCapabilities
}

/** Official Replicate models that exist for image inputs: Kontext edits and FLUX Fill inpainting. */
export const replicateImageModels = [
  kontext('black-forest-labs/flux-kontext-pro', 'FLUX.1 Kontext [pro] on Replicate'),
  kontext('black-forest-labs/flux-kontext-max', 'FLUX.1 Kontext [max] on Replicate'),
  {
    id: 'black-forest-labs/flux-fill-pro',
    wireId: 'black-forest-labs/flux-fill-pro',
    displayName: 'FLUX.1 Fill [pro] on Replicate',
    mode: 'async',
    maxImagesPerCall: 1,
    // No size input: the output has the input's size (a size is refused before the network).
    sizes: { kind: 'range', minWidth: 256, maxWidth: 2048, minHeight: 256, maxHeight: 2048, step: 16 },
    qualities: [],
    styles: [],
    negativePrompt: false,
    seed: UINT32_SEED,
    formats: ['url'],
    outputMimeTypes: ['image/png', 'image/jpeg'],
    outputFormats: ['png', 'jpeg'],
    maxPromptLength: PROMPT_MAX,
    providerOptions: { output_format: 'string', steps: 'integer', guidance: 'number', outpaint: 'string', safety_tolerance: 'integer', prompt_upsampling: 'boolean' },
    imageInputs: {
      operations: { inpaint: { maxImages: 1, mask: 'required' } },
      textToImage: false,
      mimeTypes: [...INPUT_TYPES],
      maxBytes: REPLICATE_INPUT_MAX_BYTES,
      // "Must have the same size as image"; white areas are inpainted.
      mask: { sameSize: true, kind: 'luminance' },
    },
    source: 'https://replicate.com/black-forest-labs/flux-fill-pro/api/schema',
  },
] as const satisfies readonly ModelCapabilities[]

const AS_OF = '2026-11-29'

/** Prices of the image models (official models bill per output image). */
export const replicateImagePrices: readonly ModelPrice[] = [
  { model: 'black-forest-labs/flux-kontext-pro', price: { kind: 'per-image', usd: 0.04 }, source: 'https://replicate.com/black-forest-labs/flux-kontext-pro', asOf: AS_OF, confidence: 'secondary', note: '$0.04 per image, read from pages quoting the Replicate model page.' },
  { model: 'black-forest-labs/flux-kontext-max', price: { kind: 'per-image', usd: 0.08 }, source: 'https://replicate.com/black-forest-labs/flux-kontext-max', asOf: AS_OF, confidence: 'unconfirmed', note: 'Black Forest Labs’ own Kontext [max] price; not confirmed on the Replicate page.' },
  { model: 'black-forest-labs/flux-fill-pro', price: { kind: 'per-image', usd: 0.05 }, source: 'https://replicate.com/black-forest-labs/flux-fill-pro', asOf: AS_OF, confidence: 'unconfirmed', note: 'Black Forest Labs’ own FLUX.1 Fill [pro] price; not confirmed on the Replicate page.' },
]
