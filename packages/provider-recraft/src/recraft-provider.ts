import { InvalidRequestError, type ImageProvider, type NormalizedRequest, type ProviderContext, type ProviderImage, type ProviderResult, unexpectedResponse } from '@llmkit/core'
import { type RecraftImagesRequest, recraftImagesResponseSchema, recraftProviderOptionsSchema } from './recraft-api.js'
import { checkRecraftStyle } from './recraft-styles.js'
import { toRecraftFormData, toRecraftImageForm } from './recraft-edits.js'

/** Recraft's result URLs are temporary, about 24 h (docs: api-reference/agents). */
const URL_TTL_MS = 24 * 60 * 60 * 1000

/**
 * Maps a normalized request to the JSON body of `POST /images/generations`.
 *
 * @throws {@link @llmkit/core!InvalidRequestError} for provider options Recraft would reject: a malformed
 * value, `style` with `style_id`, any style on a V4 model, a substyle of another family.
 */
export function toRecraftRequest(req: NormalizedRequest): RecraftImagesRequest {
  const parsed = recraftProviderOptionsSchema.safeParse(req.providerOptions)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const param = `provider_options.${issue?.path.join('.') ?? ''}`
    throw new InvalidRequestError(`recraft ${req.modelId}: invalid ${param}: ${issue?.message ?? 'invalid value'}`, { provider: 'recraft', model: req.modelId, param })
  }
  const options = parsed.data
  const problem = checkRecraftStyle(req.wireModel, options)
  if (problem) {
    throw new InvalidRequestError(`recraft ${req.modelId}: ${problem.message}`, { provider: 'recraft', model: req.modelId, param: `provider_options.${problem.param}` })
  }
  const body: RecraftImagesRequest = { model: req.wireModel, prompt: req.prompt, n: req.n, response_format: req.format }
  // Vector models take `w:h`; raster models a listed `WxH`. Without a size, Recraft's per-model default applies.
  if (req.aspectRatio !== undefined) body.size = req.aspectRatio
  else if (req.size !== undefined) body.size = `${req.size.width}x${req.size.height}`
  if (req.negativePrompt !== undefined) body.negative_prompt = req.negativePrompt
  if (options.style !== undefined) body.style = options.style
  if (options.substyle !== undefined) body.substyle = options.substyle
  if (options.style_id !== undefined) body.style_id = options.style_id
  if (options.controls !== undefined) body.controls = options.controls
  if (options.text_layout !== undefined) body.text_layout = options.text_layout
  return body
}

/**
 * Maps Recraft's answer to llmkit's provider result; SVG or PNG comes from the model's row.
 * @throws {@link @llmkit/core!ProviderError} (not retryable: the images were paid for) on an unexpected shape.
 */
export function fromRecraftResponse(json: unknown, req: NormalizedRequest, requestId: string | undefined, now: number): ProviderResult {
  const parsed = recraftImagesResponseSchema.safeParse(json)
  if (!parsed.success) throw unexpectedResponse({ provider: 'recraft', model: req.modelId, phase: 'result', requestId, detail: parsed.error })
  const body = parsed.data
  const mimeType = req.capabilities.outputMimeTypes?.[0]
  const images: ProviderImage[] = body.data.map((d) => ({
    url: d.url ?? undefined,
    b64: d.b64_json ?? undefined,
    revisedPrompt: d.revised_prompt ?? undefined,
    mimeType,
    width: req.size?.width,
    height: req.size?.height,
    expiresAt: d.url ? new Date(now + URL_TTL_MS) : undefined,
  }))
  const usage = body.credits === undefined || body.credits === null ? undefined : { credits: body.credits, raw: { credits: body.credits } }
  return { images, usage, requestId, created: body.created ?? undefined }
}

/** Creates the Recraft provider for one client. */
export function createRecraftProvider(ctx: ProviderContext): ImageProvider {
  const headers = { authorization: `Bearer ${ctx.apiKey}` }
  return {
    async generate(req, options) {
      if (req.operation !== undefined && req.operation !== 'generate') {
        // Image inputs (recraft-edits.ts): multipart to imageToImage or inpaint; the answer has the generation's shape.
        const form = toRecraftImageForm(req)
        const res = await ctx.http.request({ method: 'POST', path: form.path, headers, body: toRecraftFormData(form.parts), signal: options.signal, model: req.modelId })
        // The output keeps the input's size, not a requested one.
        const result = fromRecraftResponse(res.json(), { ...req, size: undefined }, res.headers['x-request-id'], ctx.clock.now())
        return form.warnings.length === 0 ? result : { ...result, warnings: [...(result.warnings ?? []), ...form.warnings] }
      }
      const json = toRecraftRequest(req)
      const res = await ctx.http.request({ method: 'POST', path: '/images/generations', headers, json, signal: options.signal, model: req.modelId })
      return fromRecraftResponse(res.json(), req, res.headers['x-request-id'], ctx.clock.now())
    },
  }
}
