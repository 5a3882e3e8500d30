import {
  ProviderError,
  type HttpResponse,
  type ImageProvider,
  type NormalizedRequest,
  type ProviderContext,
  type ProviderImage,
  type ProviderResult,
  unexpectedResponse,
} from '@llmkit/core'
import { CONTENT_FILTERED, type StabilityV1Request, stabilityImageResponseSchema, stabilityV1ResponseSchema } from './stability-api.js'
import { STABILITY_EDIT_ENDPOINTS, isStabilityEdit, toFormData, toStabilityImageForm } from './stability-edits.js'
import { PACKAGE_VERSION } from './version.js'

/** v2beta endpoints named by a wire id; `sd3.5-*` ids go to `/generate/sd3` as its `model` field. */
const STABLE_IMAGE_PATHS: Readonly<Record<string, string>> = {
  core: '/v2beta/stable-image/generate/core',
  ultra: '/v2beta/stable-image/generate/ultra',
}
const SD3_PATH = '/v2beta/stable-image/generate/sd3'

/** Where a wire id is served: a v2beta multipart endpoint or a v1 JSON engine. */
export interface StabilityEndpoint {
  /** `v2beta`: multipart, one image, aspect ratios. `v1`: JSON, `samples`, pixel sizes. */
  api: 'v1' | 'v2beta'
  /** Path below the base URL. */
  path: string
  /** The `model` form field of `/generate/sd3`; never sent to core or ultra. */
  model?: string | undefined
}

/** Picks the endpoint of a wire id (stability.md, "Mapping notes"). */
export function stabilityEndpoint(wireModel: string): StabilityEndpoint {
  const fixed = STABLE_IMAGE_PATHS[wireModel]
  if (fixed !== undefined) return { api: 'v2beta', path: fixed }
  if (isStabilityEdit(wireModel)) return { api: 'v2beta', path: STABILITY_EDIT_ENDPOINTS[wireModel].path }
  if (wireModel.startsWith('sd3')) return { api: 'v2beta', path: SD3_PATH, model: wireModel }
  return { api: 'v1', path: `/v1/generation/${encodeURIComponent(wireModel)}/text-to-image` }
}

/** Form parts are strings; numbers and booleans are sent in their decimal spelling. */
function formValue(value: unknown): string {
  return typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value)
}

/**
 * Maps a normalized request to the fields of a v2beta multipart form, in the order they are
 * appended. The core has already mapped the size to an aspect ratio and removed settings the
 * model does not take (a negative prompt on turbo, a seed out of range).
 */
export function toStabilityFormFields(req: NormalizedRequest): Array<[string, string]> {
  const { model } = stabilityEndpoint(req.wireModel)
  const fields: Array<[string, string]> = []
  if (model !== undefined) fields.push(['model', model])
  fields.push(['prompt', req.prompt])
  if (req.negativePrompt !== undefined) fields.push(['negative_prompt', req.negativePrompt])
  if (req.aspectRatio !== undefined) fields.push(['aspect_ratio', req.aspectRatio])
  if (req.seed !== undefined) fields.push(['seed', String(req.seed)])
  // provider_options.output_format (the older spelling) wins, so the field is never sent twice.
  if (req.outputFormat !== undefined && req.providerOptions['output_format'] === undefined) fields.push(['output_format', req.outputFormat])
  for (const [key, value] of Object.entries(req.providerOptions)) {
    if (value !== undefined) fields.push([key, formValue(value)])
  }
  return fields
}

/** Maps a normalized request to the JSON body of v1 text-to-image. */
export function toStabilityV1Request(req: NormalizedRequest): StabilityV1Request {
  // v1 defaults to 512x512, which SDXL rejects: send the row's default when no size was asked.
  const size = req.size ?? parseSize(req.capabilities.defaultSize ?? '1024x1024')
  const textPrompts = [{ text: req.prompt, weight: 1 }]
  // A negative weight is how v1 spells a negative prompt.
  if (req.negativePrompt !== undefined) textPrompts.push({ text: req.negativePrompt, weight: -1 })
  const body: StabilityV1Request = { text_prompts: textPrompts, width: size.width, height: size.height, samples: req.n }
  if (req.seed !== undefined) body.seed = req.seed
  Object.assign(body, req.providerOptions)
  return body
}

function parseSize(size: string): { width: number; height: number } {
  const [width, height] = size.split('x').map(Number)
  return { width: width!, height: height! }
}

/** The `type=` parameter of `application/json; type=image/png`, or an `image/*` content type itself. */
function mimeOf(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined
  const type = /(?:^|;)\s*type=([\w.+-]+\/[\w.+-]+)/.exec(contentType)?.[1]
  if (type !== undefined) return type
  const base = contentType.split(';')[0]!.trim()
  return base.startsWith('image/') ? base : undefined
}

function seedOf(value: string | number | null | undefined): number | undefined {
  const seed = typeof value === 'string' ? Number(value) : value
  return typeof seed === 'number' && Number.isFinite(seed) ? seed : undefined
}

/**
 * Maps a 200 answer of either API to llmkit's provider result. JSON bodies (`artifacts[]` on v1,
 * `{ image, finish_reason, seed }` on v2beta) and raw image bytes with `finish-reason` and `seed`
 * headers are both read. A `CONTENT_FILTERED` image is flagged, never returned silently: the core
 * turns it into a ContentPolicyError or a warning by the client's `contentFilter` policy.
 *
 * @throws {@link @llmkit/core!ProviderError} when a v1 artifact finished with `ERROR`, and (not retryable: the work was paid for) on an unknown shape.
 */
export function fromStabilityResponse(res: Pick<HttpResponse, 'headers' | 'body' | 'json'>, modelId: string): ProviderResult {
  const requestId = res.headers['x-request-id']
  const contentType = res.headers['content-type']
  const mimeType = mimeOf(contentType)
  if (contentType?.startsWith('image/')) {
    return { requestId, images: [image(res.body.toString('base64'), mimeType, res.headers['finish-reason'], seedOf(res.headers['seed']))] }
  }
  const json = res.json()
  const v1 = stabilityV1ResponseSchema.safeParse(json)
  if (v1.success) {
    const failed = v1.data.artifacts.findIndex((a) => a.finishReason === 'ERROR' || !a.base64)
    if (failed >= 0) {
      throw new ProviderError(`stability ${modelId}: sample ${failed + 1} of ${v1.data.artifacts.length} finished with ERROR and has no image. Retry the request`, {
        provider: 'stability',
        model: modelId,
        requestId,
      })
    }
    return { requestId, images: v1.data.artifacts.map((a) => image(a.base64!, 'image/png', a.finishReason, seedOf(a.seed))) }
  }
  const v2 = stabilityImageResponseSchema.safeParse(json)
  if (v2.success) return { requestId, images: [image(v2.data.image, mimeType, v2.data.finish_reason, seedOf(v2.data.seed))] }
  throw unexpectedResponse({
    provider: 'stability',
    model: modelId,
    phase: 'result',
    requestId,
    detail: json === undefined ? `a ${contentType ?? 'untyped'} body that is neither JSON nor an image` : v2.error,
  })
}

function image(b64: string, mimeType: string | undefined, finishReason: string | null | undefined, seed: number | undefined): ProviderImage {
  return { b64, mimeType, seed, contentFiltered: finishReason === CONTENT_FILTERED }
}

/** Creates the Stability AI provider for one client. */
export function createStabilityProvider(ctx: ProviderContext): ImageProvider {
  // JSON answers carry finish reason and seed in the body on both APIs, and v1 only returns more
  // than one sample with JSON. The core needs base64 anyway (b64_json or a data: URL).
  const headers = { authorization: `Bearer ${ctx.apiKey}`, accept: 'application/json' }
  // v2beta's optional client headers, which Stability asks for to trace an integration in support
  // and moderation cases (stability.md, "Optional headers"): the integration is llmkit's provider.
  const v2betaHeaders = { ...headers, 'stability-client-id': 'llmkit', 'stability-client-version': PACKAGE_VERSION }
  return {
    async generate(req, options) {
      const endpoint = stabilityEndpoint(req.wireModel)
      if (req.operation !== undefined && req.operation !== 'generate') {
        // Image inputs (stability-edits.ts): image-to-image or an edit endpoint, always multipart.
        const form = toStabilityImageForm(req, endpoint.model)
        const res = await ctx.http.request({ method: 'POST', path: form.path, headers: v2betaHeaders, body: toFormData(form.parts), signal: options.signal, model: req.modelId })
        const result = fromStabilityResponse(res, req.modelId)
        return form.warnings.length === 0 ? result : { ...result, warnings: [...(result.warnings ?? []), ...form.warnings] }
      }
      let body: FormData | undefined
      if (endpoint.api === 'v2beta') {
        // The transport hands FormData to undici, which writes the multipart boundary header.
        body = new FormData()
        for (const [name, value] of toStabilityFormFields(req)) body.append(name, value)
      }
      const res = await ctx.http.request({
        method: 'POST',
        path: endpoint.path,
        headers: endpoint.api === 'v2beta' ? v2betaHeaders : headers,
        ...(body === undefined ? { json: toStabilityV1Request(req) } : { body }),
        signal: options.signal,
        model: req.modelId,
      })
      return fromStabilityResponse(res, req.modelId)
    },
  }
}
