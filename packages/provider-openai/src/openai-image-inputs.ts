import type { ImageInputSpec } from '@llmkit/core'

/*
 * Image inputs of OpenAI's image models, from openai/openai-openapi (openapi.yaml at f85dbe2):
 * `CreateImageEditRequest` (`POST /images/edits`) and `CreateImageVariationRequest`
 * (`POST /images/variations`), which openai-node's `images.edit` / `images.createVariation` send.
 * "Less than 4MB / 50MB" is read as MiB: the exact boundary is not published.
 */

/**
 * The GPT image models' edits: "each image should be a png, webp, or jpg file less than 50MB. You
 * can provide up to 16 images." The optional mask's "fully transparent areas (alpha zero)
 * indicate where image should be edited", applies to the first image and has its dimensions.
 * The mask must also be a PNG under 4 MB, which the row cannot say (openai-edits.ts checks it).
 * No variations (dall-e-2 only) and no strength setting.
 */
export const GPT_IMAGE_INPUTS = {
  operations: { edit: { maxImages: 16, mask: 'optional' } },
  mimeTypes: ['image/png', 'image/jpeg', 'image/webp'],
  maxBytes: 50 * 1024 * 1024,
  mask: { sameSize: true, kind: 'alpha' },
} as const satisfies ImageInputSpec

/**
 * dall-e-2: an edit of "one image, a square png file less than 4MB" with an optional mask of the
 * same size (without one the image's own transparency marks the area: openai-edits.ts checks the
 * alpha channel), and variations of one square PNG under 4 MB with no prompt.
 */
export const DALL_E_2_INPUTS = {
  operations: { edit: { maxImages: 1, mask: 'optional' }, variation: { maxImages: 1, prompt: 'none' } },
  mimeTypes: ['image/png'],
  maxBytes: 4 * 1024 * 1024,
  square: true,
  mask: { sameSize: true, kind: 'alpha' },
} as const satisfies ImageInputSpec
