import { ImageGenerationRequest } from '@llmkit/core'
import type { FastifyRequest } from 'fastify'
import { gatewayError, type MappedError } from './errors.js'
import { defaultResponseFormat, generationBodySchema, type RequestLimits, type ResponseFormat, toGenerationRequest } from './openai-request.js'

/** Most input images per request (the core's own bound is checked again by llmkit). */
export const MAX_UPLOAD_IMAGES = 16

/** A multipart form of `/v1/images/edits` or `/v1/images/variations`, read into memory (bounded). */
export interface UploadForm {
  /** Text fields (each at most once). */
  readonly fields: Readonly<Record<string, string>>
  /** `image` / `image[]` files, in order. */
  readonly images: readonly Buffer[]
  /** The `mask` file. */
  readonly mask: Buffer | undefined
}

/** Fields sent as text that are numbers in the JSON shape. */
const NUMERIC_FIELDS = new Set(['n', 'output_compression', 'seed', 'strength'])

/**
 * Reads the form. Each file is capped by the multipart limits (a 413); all files together are
 * capped at `uploadBytes` too.
 */
export async function readUploadForm(req: FastifyRequest, uploadBytes: number): Promise<UploadForm | MappedError> {
  const fields: Record<string, string> = {}
  const images: Buffer[] = []
  let mask: Buffer | undefined
  let total = 0
  for await (const part of req.parts()) {
    if (part.type === 'file') {
      const bytes = await part.toBuffer()
      total += bytes.length
      if (total > uploadBytes) return gatewayError(413, `The uploaded images are larger than this gateway accepts (${uploadBytes} bytes in all).`, 'invalid_request_error', 'request_too_large')
      if (part.fieldname === 'image' || part.fieldname === 'image[]') {
        if (images.length >= MAX_UPLOAD_IMAGES) return gatewayError(400, `At most ${MAX_UPLOAD_IMAGES} images per request.`, 'invalid_request_error', 'invalid_value', 'image')
        images.push(bytes)
      } else if (part.fieldname === 'mask') {
        if (mask !== undefined) return gatewayError(400, 'Send one mask.', 'invalid_request_error', 'invalid_value', 'mask')
        mask = bytes
      } else {
        return gatewayError(400, `Unrecognized file field: ${part.fieldname}`, 'invalid_request_error', 'unknown_parameter', part.fieldname)
      }
      continue
    }
    if (Object.hasOwn(fields, part.fieldname)) return gatewayError(400, `The field ${part.fieldname} was sent twice.`, 'invalid_request_error', 'invalid_value', part.fieldname)
    fields[part.fieldname] = String(part.value)
  }
  return { fields, images, mask }
}

/** Text fields as the JSON shape: numbers where numbers are expected (a non-number stays text, so the schema names it). */
function asBody(fields: Readonly<Record<string, string>>): Record<string, unknown> {
  const body: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(fields)) body[name] = NUMERIC_FIELDS.has(name) && /^-?\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : value
  return body
}

/**
 * The result of turning a form into llmkit's request. The builders throw llmkit's
 * InvalidRequestError (naming the field) for a value they refuse; the route maps it.
 */
export type UploadRequest = { request: ImageGenerationRequest; responseFormat: ResponseFormat } | MappedError

/**
 * `POST /v1/images/edits`: OpenAI's fields (`image` or `image[]`, `mask`, `prompt`, `model`, `n`,
 * `size`, `quality`, `response_format`, `background`, `output_format`, `output_compression`,
 * `user`) plus llmkit's (`seed`, `negative_prompt`, `aspect_ratio`, `strength`), onto
 * `.with_image()` per image, `.with_mask()` and `.with_strength()`. llmkit picks the operation
 * from the model's row (inpaint with a mask where offered, else edit).
 */
export function toEditRequest(form: UploadForm, limits: RequestLimits): UploadRequest {
  if (form.images.length === 0) return gatewayError(400, 'image is required: send the image to edit as a file field named image (or image[] for several).', 'invalid_request_error', 'invalid_value', 'image')
  const { strength, ...rest } = asBody(form.fields)
  if (strength !== undefined && typeof strength !== 'number') return gatewayError(400, 'Invalid strength: expected a number from 0 to 1', 'invalid_request_error', 'invalid_value', 'strength')
  const parsed = toGenerationRequest(rest, limits)
  if ('status' in parsed) return parsed
  let request = ImageGenerationRequest.from(parsed.request)
  for (const image of form.images) request = request.with_image(image)
  if (form.mask !== undefined) request = request.with_mask(form.mask)
  if (strength !== undefined) request = request.with_strength(strength)
  return { request, responseFormat: parsed.responseFormat }
}

/** zod schema of the fields of `POST /v1/images/variations` (OpenAI's: no prompt). */
const variationFieldsSchema = generationBodySchema.pick({ model: true, n: true, size: true, response_format: true, user: true })

/** `POST /v1/images/variations`: `image`, `model`, `n`, `size`, `response_format`, `user`, onto `ImageGenerationRequest.variation(model, image)`. */
export function toVariationRequest(form: UploadForm, limits: RequestLimits): UploadRequest {
  if (form.images.length !== 1) return gatewayError(400, 'Send exactly one image (a file field named image) to vary.', 'invalid_request_error', 'invalid_value', 'image')
  if (form.mask !== undefined) return gatewayError(400, 'A variation takes no mask.', 'invalid_request_error', 'unknown_parameter', 'mask')
  const parsed = variationFieldsSchema.safeParse(asBody(form.fields))
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    if (issue?.code === 'unrecognized_keys') return gatewayError(400, `Unrecognized request argument supplied: ${issue.keys.join(', ')}`, 'invalid_request_error', 'unknown_parameter', issue.keys[0] ?? null)
    const param = issue === undefined || issue.path.length === 0 ? null : String(issue.path[0])
    return gatewayError(400, `Invalid ${param ?? 'body'}: ${issue?.message ?? 'invalid value'}`, 'invalid_request_error', 'invalid_value', param)
  }
  const b = parsed.data
  if (b.n !== undefined && b.n > limits.maxImages) {
    return gatewayError(400, `n is ${b.n}; this gateway returns at most ${limits.maxImages} images per request`, 'invalid_request_error', 'integer_above_max_value', 'n')
  }
  const responseFormat = b.response_format ?? defaultResponseFormat(b.model)
  let request = ImageGenerationRequest.variation(b.model, form.images[0]!).with_format(responseFormat)
  if (b.n !== undefined) request = request.with_n(b.n)
  if (b.size !== undefined && b.size !== 'auto') request = request.with_size(b.size)
  return { request, responseFormat }
}
