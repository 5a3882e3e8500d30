import { InvalidRequestError, type InputImage, type NormalizedRequest, type Warning } from '@llmkit/core'

/**
 * Image inputs on Stability's v2beta API (issue 13): SD 3.5 and Ultra image-to-image, and the edit
 * endpoints inpaint, outpaint and search-and-replace. The core has already checked the inputs
 * against the row (types, bytes, sides, pixels, mask, counts, strength, prompt rule); this module
 * only picks the endpoint and lays out the multipart form, plus the few rules a row cannot say.
 */

/** The edit endpoints, by wire id: each is a row of its own (`stability-ai/inpaint`, ...). */
export const STABILITY_EDIT_ENDPOINTS = {
  inpaint: { path: '/v2beta/stable-image/edit/inpaint', negativePrompt: true },
  outpaint: { path: '/v2beta/stable-image/edit/outpaint', negativePrompt: false, maxAspectRatio: 2.5 },
  'search-and-replace': { path: '/v2beta/stable-image/edit/search-and-replace', negativePrompt: true, maxAspectRatio: 2.5 },
} as const satisfies Record<string, { path: string; negativePrompt: boolean; maxAspectRatio?: number }>

/** A wire id of {@link STABILITY_EDIT_ENDPOINTS}. */
export type StabilityEditId = keyof typeof STABILITY_EDIT_ENDPOINTS

/** Whether a wire id names an edit endpoint. */
export function isStabilityEdit(wireModel: string): wireModel is StabilityEditId {
  return Object.hasOwn(STABILITY_EDIT_ENDPOINTS, wireModel)
}

/** Outpaint's four directions: pixels to add on each side, 0-2000, at least one above 0 (OpenAPI). */
const OUTPAINT_DIRECTIONS = ['left', 'right', 'up', 'down'] as const
const OUTPAINT_MAX = 2000

/** One part of a multipart form: a text field, or a file with its part name. */
export type StabilityFormPart = { name: string; value: string } | { name: string; image: InputImage }

/** What {@link toStabilityImageForm} builds. */
export interface StabilityImageForm {
  /** Path below the base URL. */
  path: string
  /** Parts in the order they are appended. */
  parts: StabilityFormPart[]
  /** Settings of the request that were not sent. */
  warnings: Warning[]
}

/** Form parts are strings; numbers and booleans in their decimal spelling. */
function formValue(value: unknown): string {
  return typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value)
}

function fail(req: NormalizedRequest, param: string, message: string): InvalidRequestError {
  return new InvalidRequestError(`stability ${req.modelId}: ${message}`, { provider: 'stability', model: req.modelId, param })
}

/** The seed, output format and provider options every v2beta form carries, in this order. */
function commonFields(req: NormalizedRequest, parts: StabilityFormPart[]): void {
  if (req.seed !== undefined) parts.push({ name: 'seed', value: String(req.seed) })
  // provider_options.output_format (the older spelling) wins, so the field is never sent twice.
  if (req.outputFormat !== undefined && req.providerOptions['output_format'] === undefined) parts.push({ name: 'output_format', value: req.outputFormat })
  for (const [key, value] of Object.entries(req.providerOptions)) {
    if (value !== undefined) parts.push({ name: key, value: formValue(value) })
  }
}

/** A size or ratio the request asked for that this call cannot send: the output follows the input. */
function sizeNotSent(req: NormalizedRequest, warnings: Warning[], why: string): void {
  const requested = req.aspectRatio ?? (req.size === undefined ? undefined : `${req.size.width}x${req.size.height}`)
  if (requested === undefined) return
  warnings.push({ type: 'unsupported', setting: 'size', requested, message: `${req.modelId} ${why}; size was not sent` })
}

function checkAspect(req: NormalizedRequest, image: InputImage, max: number): void {
  const ratio = Math.max(image.width, image.height) / Math.min(image.width, image.height)
  if (ratio > max) {
    throw fail(req, 'images.0', `images.0 is ${image.width}x${image.height}; this endpoint takes aspect ratios from 1:${max} to ${max}:1. Crop the image first`)
  }
}

function checkOutpaint(req: NormalizedRequest): void {
  let any = false
  for (const side of OUTPAINT_DIRECTIONS) {
    const value = req.providerOptions[side]
    if (value === undefined) continue
    if (typeof value !== 'number' || value < 0 || value > OUTPAINT_MAX) {
      throw fail(req, `provider_options.${side}`, `provider option "${side}" must be an integer from 0 to ${OUTPAINT_MAX} (pixels to add on that side)`)
    }
    if (value > 0) any = true
  }
  if (!any) {
    throw fail(req, 'provider_options', 'outpaint needs at least one direction above 0: add pixels with provider_options { left, right, up, down } (0-2000 each)')
  }
}

/**
 * Lays out the multipart form of an image-input request: SD 3.5 or Ultra image-to-image, or an
 * edit endpoint. Text fields first, then the image and the mask as file parts (`image`, `mask`).
 *
 * @throws {@link @llmkit/core!InvalidRequestError} before any call (a missing strength is refused by
 * the core from the row's `strength: 'required'`): outpaint without a direction or with one outside 0-2000, an input outside
 * outpaint's or search-and-replace's aspect ratio bound.
 */
export function toStabilityImageForm(req: NormalizedRequest, sd3Model: string | undefined): StabilityImageForm {
  const image = req.images?.[0]
  if (image === undefined) throw fail(req, 'images', `operation ${req.operation ?? 'generate'} needs an input image`)
  const parts: StabilityFormPart[] = []
  const warnings: Warning[] = []
  const wire = req.wireModel
  let path: string

  if (isStabilityEdit(wire)) {
    const endpoint = STABILITY_EDIT_ENDPOINTS[wire]
    path = endpoint.path
    if ('maxAspectRatio' in endpoint) checkAspect(req, image, endpoint.maxAspectRatio)
    if (wire === 'outpaint') checkOutpaint(req)
    sizeNotSent(req, warnings, 'keeps the input image\'s proportions')
    // Outpaint's prompt is optional; the core sends an empty one as none.
    if (req.prompt !== '') parts.push({ name: 'prompt', value: req.prompt })
    if (endpoint.negativePrompt && req.negativePrompt !== undefined) parts.push({ name: 'negative_prompt', value: req.negativePrompt })
    commonFields(req, parts)
    parts.push({ name: 'image', image })
    if (req.mask !== undefined) parts.push({ name: 'mask', image: req.mask })
    return { path, parts, warnings }
  }

  // Image-to-image on /generate/sd3 (model + mode) or /generate/ultra (image + strength); the
  // row's `strength: 'required'` made the core refuse a request without one.
  if (sd3Model !== undefined) {
    path = '/v2beta/stable-image/generate/sd3'
    parts.push({ name: 'model', value: sd3Model }, { name: 'mode', value: 'image-to-image' })
    // aspect_ratio is valid for text-to-image only: the output follows the input.
    sizeNotSent(req, warnings, 'image-to-image keeps the input image\'s proportions (aspect_ratio is for text-to-image only)')
  } else {
    path = '/v2beta/stable-image/generate/ultra'
  }
  parts.push({ name: 'prompt', value: req.prompt })
  if (req.negativePrompt !== undefined) parts.push({ name: 'negative_prompt', value: req.negativePrompt })
  if (sd3Model === undefined && req.aspectRatio !== undefined) parts.push({ name: 'aspect_ratio', value: req.aspectRatio })
  parts.push({ name: 'strength', value: String(req.strength) })
  commonFields(req, parts)
  parts.push({ name: 'image', image })
  return { path, parts, warnings }
}

/** The form as `FormData`: files go as Blobs with their type and file name (`image-1.png`, `mask.png`). */
export function toFormData(parts: readonly StabilityFormPart[]): FormData {
  const form = new FormData()
  for (const part of parts) {
    if ('image' in part) form.append(part.name, part.image.toBlob(), part.image.fileName)
    else form.append(part.name, part.value)
  }
  return form
}
