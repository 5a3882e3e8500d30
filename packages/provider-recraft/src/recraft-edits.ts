import { InvalidRequestError, type InputImage, type NormalizedRequest, type Warning } from '@llmkit/core'
import { recraftProviderOptionsSchema } from './recraft-api.js'
import { checkRecraftStyle } from './recraft-styles.js'

/**
 * Image inputs on Recraft (issue 13): image-to-image (`POST /images/imageToImage`) and inpainting
 * (`POST /images/inpaint`), both multipart with the image (and mask) as file parts. The core has
 * checked the inputs against the row (types, bytes, sides, pixels, mask size, counts, strength);
 * this module picks the endpoint and lays out the form. The answer has the generation's shape.
 *
 * Raster-to-vector (`POST /images/vectorize`) is not mapped: it takes no prompt and no model,
 * while every llmkit request but a variation has a prompt and names a model.
 */

/** Endpoint of each operation, below the base URL (`https://external.api.recraft.ai/v1`). */
export const RECRAFT_IMAGE_PATHS = { 'image-to-image': '/images/imageToImage', inpaint: '/images/inpaint' } as const

/** One part of a multipart form: a text field, or a file. */
export type RecraftFormPart = { name: string; value: string } | { name: string; image: InputImage }

/** What {@link toRecraftImageForm} builds. */
export interface RecraftImageForm {
  /** Path below the base URL. */
  path: string
  /** Parts in the order they are appended. */
  parts: RecraftFormPart[]
  /** Settings of the request that were not sent. */
  warnings: Warning[]
}

function fail(req: NormalizedRequest, param: string, message: string): InvalidRequestError {
  return new InvalidRequestError(`recraft ${req.modelId}: ${message}`, { provider: 'recraft', model: req.modelId, param })
}

/**
 * Lays out the multipart form of an image-to-image or inpaint request: the image (and mask) first,
 * then the text fields Recraft documents for these endpoints.
 *
 * @throws {@link @llmkit/core!InvalidRequestError} before any call (a missing strength is refused by
 * the core from the row's `strength: 'required'`): provider options Recraft would reject (as for generation), and
 * `controls` or `text_layout`: nested fields that a multipart form cannot carry as Recraft reads them.
 */
export function toRecraftImageForm(req: NormalizedRequest): RecraftImageForm {
  const operation = req.operation
  if (operation !== 'image-to-image' && operation !== 'inpaint') throw fail(req, 'operation', `operation ${String(operation)} is not a Recraft image endpoint`)
  const image = req.images?.[0]
  if (image === undefined) throw fail(req, 'images', `${operation} needs an input image`)
  const parsed = recraftProviderOptionsSchema.safeParse(req.providerOptions)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const param = `provider_options.${issue?.path.join('.') ?? ''}`
    throw fail(req, param, `invalid ${param}: ${issue?.message ?? 'invalid value'}`)
  }
  const options = parsed.data
  const problem = checkRecraftStyle(req.wireModel, options)
  if (problem) throw fail(req, `provider_options.${problem.param}`, problem.message)
  for (const nested of ['controls', 'text_layout'] as const) {
    if (options[nested] !== undefined) {
      throw fail(req, `provider_options.${nested}`, `${nested} is not sent to ${RECRAFT_IMAGE_PATHS[operation]}: it is a nested field and this endpoint takes a multipart form of flat fields; remove it`)
    }
  }

  const warnings: Warning[] = []
  const requested = req.aspectRatio ?? (req.size === undefined ? undefined : `${req.size.width}x${req.size.height}`)
  if (requested !== undefined) {
    warnings.push({ type: 'unsupported', setting: 'size', requested, message: `${req.modelId} ${operation} keeps the input image's size; size was not sent` })
  }
  const parts: RecraftFormPart[] = [{ name: 'image', image }]
  if (operation === 'inpaint' && req.mask !== undefined) parts.push({ name: 'mask', image: req.mask })
  parts.push({ name: 'prompt', value: req.prompt })
  if (operation === 'image-to-image') parts.push({ name: 'strength', value: String(req.strength) })
  parts.push({ name: 'model', value: req.wireModel }, { name: 'n', value: String(req.n) }, { name: 'response_format', value: req.format })
  if (options.style !== undefined) parts.push({ name: 'style', value: options.style })
  if (options.substyle !== undefined) parts.push({ name: 'substyle', value: options.substyle })
  if (options.style_id !== undefined) parts.push({ name: 'style_id', value: options.style_id })
  if (req.negativePrompt !== undefined) parts.push({ name: 'negative_prompt', value: req.negativePrompt })
  return { path: RECRAFT_IMAGE_PATHS[operation], parts, warnings }
}

/** The form as `FormData`: files as Blobs with their type and file name (`image-1.png`, `mask.png`). */
export function toRecraftFormData(parts: readonly RecraftFormPart[]): FormData {
  const form = new FormData()
  for (const part of parts) {
    if ('image' in part) form.append(part.name, part.image.toBlob(), part.image.fileName)
    else form.append(part.name, part.value)
  }
  return form
}
