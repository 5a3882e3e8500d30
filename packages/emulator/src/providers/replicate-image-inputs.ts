import { inputSize } from '../derive.js'
import type { EmulatorContext } from '../types.js'
import { documentBytes } from './fal-image-inputs.js'

/**
 * Where Replicate models take image inputs (issue 13), from each model's input schema: Kontext's
 * optional `input_image`, FLUX Fill's required `image` and `mask` (same size), FLUX dev's and
 * SDXL's `image` (+ SDXL's `mask`). The prediction handler (replicate.ts) reads the files here and
 * answers with an image derived from them, so a test can see which bytes arrived.
 */
export interface ReplicateImageModel {
  /** Input field of the source image. */
  readonly image: string
  /** Whether the model cannot run without the image (Fill). */
  readonly imageRequired: boolean
  /** Input field of the mask. */
  readonly mask?: string
  /** Whether the model needs the mask to have the image's size (Fill); SDXL resizes it. */
  readonly maskSameSize?: boolean
}

/** Image-taking models, by `owner/name`. */
export const REPLICATE_IMAGE_MODELS: Readonly<Record<string, ReplicateImageModel>> = {
  'black-forest-labs/flux-kontext-pro': { image: 'input_image', imageRequired: false },
  'black-forest-labs/flux-kontext-max': { image: 'input_image', imageRequired: false },
  'black-forest-labs/flux-fill-pro': { image: 'image', imageRequired: true, mask: 'mask', maskSameSize: true },
  'black-forest-labs/flux-dev': { image: 'image', imageRequired: false },
  'stability-ai/sdxl': { image: 'image', imageRequired: false, mask: 'mask' },
}

/** Kontext's `aspect_ratio` enum on Replicate. */
export const KONTEXT_ASPECT_RATIOS = ['match_input_image', '1:1', '16:9', '9:16', '4:3', '3:4', '3:2', '2:3', '4:5', '5:4', '21:9', '9:21', '2:1', '1:2'] as const

/** The outcome of reading a prediction's files. */
export type ReplicateImageRead =
  /** A 422 before the prediction exists: a field of the wrong type, or a required one missing. */
  | { readonly invalid: { field: string; description: string; type: string } }
  /** The prediction is created but fails when the model cannot read its files, as a Cog model does. */
  | { readonly failure: string }
  /** The files (mask last) and the first image's size; empty when the model got no image. */
  | { readonly inputs: Buffer[]; readonly size: { width: number; height: number } | undefined }

/**
 * Reads the image fields of a prediction's `input`: each must be a URI (a `data:` URI or a file
 * the emulator serves; other URLs cannot be downloaded here), decode as an image, and a Fill mask
 * must have the image's size.
 */
export function readReplicateImageInputs(model: ReplicateImageModel, input: Record<string, unknown>, ctx: EmulatorContext): ReplicateImageRead {
  const fields = [model.image, ...(model.mask ? [model.mask] : [])]
  for (const field of fields) {
    const value = input[field]
    if (value !== undefined && (typeof value !== 'string' || !/^[a-z][\w+.-]*:/i.test(value))) return { invalid: { field, description: "Does not match format 'uri'", type: 'format' } }
  }
  if (model.imageRequired && input[model.image] === undefined) return { invalid: { field: model.image, description: `${model.image} is required`, type: 'required' } }
  const read: { bytes: Buffer; width: number; height: number }[] = []
  for (const field of fields) {
    const value = input[field] as string | undefined
    if (value === undefined) continue
    const bytes = documentBytes(value, ctx)
    if (bytes === 'malformed' || bytes === 'undownloadable') return { failure: `Failed to download ${field} from ${value.slice(0, 80)}` }
    const size = inputSize(bytes)
    if (size === undefined) return { failure: `cannot identify image file for ${field}` }
    read.push({ bytes, ...size })
  }
  const [image, mask] = model.mask && input[model.image] === undefined ? [undefined, read[0]] : [read[0], read[1]]
  if (model.maskSameSize && image && mask && (image.width !== mask.width || image.height !== mask.height)) {
    return { failure: `The mask (${mask.width}x${mask.height}) must have the same size as the image (${image.width}x${image.height})` }
  }
  return { inputs: read.map((r) => r.bytes), size: image ? { width: image.width, height: image.height } : undefined }
}
