import { InvalidRequestError, type InputImage, type NormalizedRequest } from '@llmkit/core'
import { parseModelReference } from './replicate-models.js'

/**
 * Where a model's version schema takes its image inputs. Capability data: each model names its
 * own input fields (`input_image` on Kontext, `image` and `prompt_strength` on FLUX dev and SDXL,
 * `image` and `mask` on Fill), and the mapping reads them instead of branching on model ids.
 */
export interface ReplicateImageFields {
  /** Input field of the source image. */
  readonly image: string
  /** Input field of the mask (inpainting). */
  readonly mask?: string
  /** Input field of the strength, 0-1 (1 moves furthest from the source). */
  readonly strength?: string
  /** `aspect_ratio` value meaning "the input's ratio", sent when the request names none (Kontext). */
  readonly matchInputAspect?: string
  /** The model has no size input: the output follows the input image, so a size is refused. */
  readonly inputSized?: boolean
}

/** Image-input fields by model (`owner/name`), from each model's input schema on Replicate. */
export const REPLICATE_IMAGE_FIELDS: Readonly<Record<string, ReplicateImageFields>> = {
  // https://replicate.com/black-forest-labs/flux-kontext-pro/api/schema: input_image, aspect_ratio 'match_input_image'.
  'black-forest-labs/flux-kontext-pro': { image: 'input_image', matchInputAspect: 'match_input_image' },
  'black-forest-labs/flux-kontext-max': { image: 'input_image', matchInputAspect: 'match_input_image' },
  // replicate/cog-flux DevPredictor: image, prompt_strength (vendored replicate.json inputs).
  'black-forest-labs/flux-dev': { image: 'image', strength: 'prompt_strength' },
  // https://replicate.com/black-forest-labs/flux-fill-pro/api/schema: image, mask (same size), no size input.
  'black-forest-labs/flux-fill-pro': { image: 'image', mask: 'mask', inputSized: true },
  // replicate/cog-sdxl predict.py: image, mask ("white areas will be inpainted"), prompt_strength.
  'stability-ai/sdxl': { image: 'image', mask: 'mask', strength: 'prompt_strength' },
}

/**
 * An input as Replicate takes a file: the https URL it was given as, else a `data:` URI.
 * Replicate recommends data URIs only for files under 1 MB (larger ones go through its file
 * upload API, up to 100 MB); each row's `maxBytes` bounds what llmkit sends inline.
 */
export function replicateFile(image: InputImage): string {
  return image.url ?? image.toDataUrl()
}

/** The row's image fields when the request carries images, else undefined (text-to-image). */
export function replicateImageFieldsFor(req: NormalizedRequest): ReplicateImageFields | undefined {
  if (req.operation === undefined || req.operation === 'generate') return undefined
  const ref = parseModelReference(req.wireModel)
  return ref === undefined ? undefined : REPLICATE_IMAGE_FIELDS[`${ref.owner}/${ref.name}`.toLowerCase()]
}

/**
 * The image part of a prediction's `input`: the source, the mask, the strength, and Kontext's
 * `match_input_image` when no ratio was asked for.
 * @throws InvalidRequestError when a size is asked of a model that answers at the input's size.
 */
export function replicateImageInput(req: NormalizedRequest, fields: ReplicateImageFields): Record<string, unknown> {
  if (fields.inputSized && (req.size !== undefined || req.aspectRatio !== undefined)) {
    throw new InvalidRequestError(`replicate ${req.modelId} answers at the input image's size; remove size and aspect_ratio`, { provider: 'replicate', model: req.modelId, param: 'size' })
  }
  const input: Record<string, unknown> = {}
  const first = req.images?.[0]
  if (first !== undefined) input[fields.image] = replicateFile(first)
  if (fields.mask !== undefined && req.mask !== undefined) input[fields.mask] = replicateFile(req.mask)
  if (fields.strength !== undefined && req.strength !== undefined) input[fields.strength] = req.strength
  if (fields.matchInputAspect !== undefined && req.aspectRatio === undefined) input['aspect_ratio'] = fields.matchInputAspect
  return input
}
