import { InvalidRequestError, type InputImage, type NormalizedRequest } from '@llmkit/core'
import type { FalInput } from './fal-api.js'

/**
 * How an image endpoint names its inputs (fal-js `libs/client/src/types/endpoints.ts`):
 * `image_url` (one source), `image_urls` (several), `mask_url`, and the strength field.
 * Capability data: the mapping reads it, it never branches on an endpoint id.
 */
export interface FalImageFields {
  /** Field of the source image(s): one document, or a list of documents. */
  readonly images: { readonly field: string; readonly list: boolean }
  /** Field of the mask document, on inpainting endpoints. */
  readonly mask?: string
  /** Field of the strength (0-1), on image-to-image endpoints. */
  readonly strength?: string
  /** Whether the endpoint takes `aspect_ratio` (Kontext); the others answer at the input's size. */
  readonly aspectRatio: boolean
}

/** Image-input fields of the table's image endpoints, by wire id. */
export const FAL_IMAGE_FIELDS: Readonly<Record<string, FalImageFields>> = {
  'fal-ai/flux/dev/image-to-image': { images: { field: 'image_url', list: false }, strength: 'strength', aspectRatio: false },
  'fal-ai/flux-pro/kontext': { images: { field: 'image_url', list: false }, aspectRatio: true },
  'fal-ai/flux-pro/kontext/max': { images: { field: 'image_url', list: false }, aspectRatio: true },
  'fal-ai/flux-pro/kontext/multi': { images: { field: 'image_urls', list: true }, aspectRatio: true },
  'fal-ai/flux-pro/v1/fill': { images: { field: 'image_url', list: false }, mask: 'mask_url', aspectRatio: false },
}

/**
 * An input as a fal document: the https URL it was given as (fal's runner downloads it), else a
 * `data:` URI. fal documents no size limit for data URIs (its docs recommend its CDN for files);
 * each row's `maxBytes` keeps the JSON body reasonable.
 */
export function falDocument(image: InputImage): string {
  return image.url ?? image.toDataUrl()
}

/**
 * The JSON input of an image endpoint: the text-to-image fields (prompt, num_images, seed,
 * sync_mode, output_format, provider options) plus the documents the row's fields name.
 * @throws InvalidRequestError when a size is asked of an endpoint that answers at the input's size.
 */
export function toFalImageInput(req: NormalizedRequest, fields: FalImageFields): FalInput {
  const images = req.images ?? []
  if (req.size !== undefined || (req.aspectRatio !== undefined && !fields.aspectRatio)) {
    throw new InvalidRequestError(`fal ${req.modelId} answers at the input image's size; remove size and aspect_ratio`, { provider: 'fal', model: req.modelId, param: 'size' })
  }
  const body: FalInput = { prompt: req.prompt, num_images: req.n }
  body[fields.images.field] = fields.images.list ? images.map(falDocument) : falDocument(images[0]!)
  if (fields.mask !== undefined && req.mask !== undefined) body[fields.mask] = falDocument(req.mask)
  if (fields.strength !== undefined && req.strength !== undefined) body[fields.strength] = req.strength
  if (req.aspectRatio !== undefined) body['aspect_ratio'] = req.aspectRatio
  if (req.seed !== undefined) body.seed = req.seed
  if (req.format === 'b64_json') body.sync_mode = true
  if (req.outputFormat !== undefined) body['output_format'] = req.outputFormat
  Object.assign(body, req.providerOptions)
  return body
}

/** The row's image fields when the request carries images, else undefined (text-to-image). */
export function falImageFieldsFor(req: NormalizedRequest): FalImageFields | undefined {
  if (req.operation === undefined || req.operation === 'generate') return undefined
  return FAL_IMAGE_FIELDS[req.wireModel]
}
