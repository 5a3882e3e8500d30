import { type CallOptions, type InputImage, InvalidRequestError, type NormalizedRequest, type ProviderContext, type ProviderResult, type Warning } from '@llmkit/core'
import { fromOpenAIResponse, toOpenAIRequest } from './openai-provider.js'

/**
 * Multipart fields of `POST /images/edits`: the properties of `CreateImageEditRequest` in
 * openai/openai-openapi (openapi.yaml at f85dbe2). A field outside this list is answered with
 * 400 "Unknown parameter", so llmkit drops it with a warning instead of sending it.
 */
export const OPENAI_EDIT_FIELDS: readonly string[] = Object.freeze([
  'image',
  'prompt',
  'mask',
  'background',
  'model',
  'n',
  'size',
  'response_format',
  'output_format',
  'output_compression',
  'user',
  'input_fidelity',
  'stream',
  'partial_images',
  'quality',
])

/** Multipart fields of `POST /images/variations` (`CreateImageVariationRequest`, same source): dall-e-2 only, no prompt. */
export const OPENAI_VARIATION_FIELDS: readonly string[] = Object.freeze(['image', 'model', 'n', 'response_format', 'size', 'user'])

/**
 * The form fields of `/images/edits` that llmkit does not send although the API lists them:
 * `stream` and `partial_images` ask for server-sent previews, which llmkit streams for
 * generations only (openai-stream.ts).
 */
const NOT_SENT_ON_EDITS = new Set(['stream', 'partial_images'])

/** Largest mask OpenAI takes on every model: "a valid PNG file, less than 4MB" (`CreateImageEditRequest.mask`). */
export const OPENAI_MASK_MAX_BYTES = 4 * 1024 * 1024

/** One endpoint call with images: where it goes, its text fields in wire order, its file parts, and what was dropped. */
export interface OpenAIImageInputCall {
  /** `/images/edits` or `/images/variations`. */
  readonly path: '/images/edits' | '/images/variations'
  /** Text fields in the order they are appended. */
  readonly fields: ReadonlyArray<readonly [string, string]>
  /** File parts in the order they are appended (images first, the mask last). */
  readonly files: ReadonlyArray<readonly [string, InputImage]>
  /** Settings the endpoint does not take, dropped before sending. */
  readonly warnings: readonly Warning[]
}

/** Form parts are text; numbers and booleans in their decimal spelling, anything else as JSON. */
function formValue(value: unknown): string {
  return typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value)
}

/** GPT image rows answer base64 only (and reject `response_format`); dall-e-2 answers URLs too. */
function isGptImage(req: NormalizedRequest): boolean {
  return req.capabilities.formats.length === 1 && req.capabilities.formats[0] === 'b64_json'
}

/**
 * Rules of OpenAI's edit endpoints that a capability row cannot say, checked before the network:
 * the mask is a PNG under 4 MB on every model (the images of the GPT image models may be JPEG or
 * WebP up to 50 MB), and a dall-e-2 edit without a mask needs an image with transparency, which
 * marks the area to edit.
 * @throws {@link @llmkit/core!InvalidRequestError} naming `mask` or `images.0`.
 */
export function checkOpenAIEditInputs(req: NormalizedRequest): void {
  const fail = (param: string, why: string) => new InvalidRequestError(`openai ${req.modelId}: ${why}`, { provider: 'openai', model: req.modelId, param })
  const mask = req.mask
  if (mask !== undefined) {
    if (mask.mimeType !== 'image/png') throw fail('mask', `the mask is ${mask.mimeType}; OpenAI takes a PNG mask with transparency (RGBA) marking the area to edit`)
    if (mask.bytes.byteLength > OPENAI_MASK_MAX_BYTES) throw fail('mask', `the mask is ${mask.bytes.byteLength} bytes; OpenAI takes masks of at most ${OPENAI_MASK_MAX_BYTES} bytes`)
  }
  const first = req.images?.[0]
  if (req.operation === 'edit' && !isGptImage(req) && mask === undefined && first !== undefined && !first.hasAlpha) {
    throw fail('images.0', 'a dall-e-2 edit without a mask edits the transparent area of the image, and this image has no alpha channel; add .with_mask(...) or give a PNG with transparency')
  }
}

/**
 * Maps a request with images to OpenAI's multipart call: `edit` to `POST /images/edits` (the GPT
 * image models take up to 16 images as `image[]` parts, dall-e-2 one as `image`; the optional
 * mask as `mask`), `variation` to `POST /images/variations` (dall-e-2; no prompt). The text
 * fields are those of a generation ({@link toOpenAIRequest}) that the endpoint takes; the others
 * (`moderation` and `style` on edits, `quality` on variations) are dropped with a warning.
 * @throws {@link @llmkit/core!InvalidRequestError} for an operation OpenAI does not offer, and see {@link checkOpenAIEditInputs}.
 */
export function toOpenAIImageInputCall(req: NormalizedRequest): OpenAIImageInputCall {
  const images = req.images ?? []
  const variation = req.operation === 'variation'
  if (!variation && req.operation !== 'edit') {
    // The rows offer edit and variation only, so the core never sends another operation here.
    throw new InvalidRequestError(`openai ${req.modelId}: operation "${String(req.operation)}" is not offered; use edit or variation`, { provider: 'openai', model: req.modelId, param: 'operation' })
  }
  checkOpenAIEditInputs(req)
  const allowed = variation ? OPENAI_VARIATION_FIELDS : OPENAI_EDIT_FIELDS
  const body: Record<string, unknown> = { ...toOpenAIRequest(req) }
  // A variation takes no prompt; the core already warned when one was given.
  if (variation) delete body['prompt']
  const fields: Array<readonly [string, string]> = []
  const warnings: Warning[] = []
  for (const [key, value] of Object.entries(body)) {
    if (value === undefined) continue
    if (!allowed.includes(key) || NOT_SENT_ON_EDITS.has(key)) {
      const setting = key in req.providerOptions ? `provider_options.${key}` : key
      const why = NOT_SENT_ON_EDITS.has(key) ? 'previews are streamed for generations only' : `POST ${variation ? '/images/variations' : '/images/edits'} does not take it`
      warnings.push({ type: 'unsupported', setting, message: `${key} was not sent: ${why}`, requested: value })
      continue
    }
    fields.push([key, formValue(value)])
  }
  // The GPT image models take an array (`image[]`, as openai-node sends arrays); dall-e-2 one `image`.
  const imageField = !variation && isGptImage(req) ? 'image[]' : 'image'
  const files: Array<readonly [string, InputImage]> = images.map((image) => [imageField, image] as const)
  if (req.mask !== undefined) files.push(['mask', req.mask])
  return { path: variation ? '/images/variations' : '/images/edits', fields, files, warnings }
}

/** The `FormData` of a call: text fields, then files with their sniffed type and a file name. */
export function toOpenAIFormData(call: OpenAIImageInputCall): FormData {
  const form = new FormData()
  for (const [name, value] of call.fields) form.append(name, value)
  for (const [name, image] of call.files) form.append(name, image.toBlob(), image.fileName)
  return form
}

/** Where an image-input call is sent from: the provider's transport, headers and clock. */
export interface OpenAIImageInputDeps {
  /** The provider context's HTTP client. */
  readonly http: ProviderContext['http']
  /** Authorization and organization/project headers. */
  readonly headers: Record<string, string>
  /** The provider context's clock (URL expiry). */
  readonly clock: ProviderContext['clock']
}

/**
 * Runs an edit or a variation: one multipart POST, answered with the same `ImagesResponse` as a
 * generation. The core has checked the inputs against the row and owns retries and downloads.
 */
export async function generateWithImages(deps: OpenAIImageInputDeps, req: NormalizedRequest, options: Pick<CallOptions, 'signal'>): Promise<ProviderResult> {
  const call = toOpenAIImageInputCall(req)
  const res = await deps.http.request({
    method: 'POST',
    path: call.path,
    headers: deps.headers,
    // The transport hands FormData to undici, which writes the multipart boundary header.
    body: toOpenAIFormData(call),
    signal: options.signal,
    model: req.modelId,
  })
  const result = fromOpenAIResponse(res.json(), res.headers['x-request-id'], deps.clock.now(), req.modelId)
  return call.warnings.length === 0 ? result : { ...result, warnings: [...(result.warnings ?? []), ...call.warnings] }
}
