import { type ImageProvider, type NormalizedRequest, type ProviderContext, type ProviderImage, type ProviderResult, unexpectedResponse } from '@llmkit/core'
import { type OpenAIImagesRequest, openaiImagesResponseSchema } from './openai-api.js'
import { DEFAULT_STREAM_IDLE_TIMEOUT_MS, generateStreamed, planStreaming } from './openai-stream.js'
import { generateWithImages } from './openai-edits.js'

/** OpenAI says generated URLs expire after 60 minutes. */
const URL_TTL_MS = 60 * 60 * 1000

function isGptImage(req: NormalizedRequest): boolean {
  return req.capabilities.formats.length === 1 && req.capabilities.formats[0] === 'b64_json'
}

/** Maps a normalized request to the JSON body of `POST /images/generations`. */
export function toOpenAIRequest(req: NormalizedRequest): OpenAIImagesRequest {
  const body: OpenAIImagesRequest = { model: req.wireModel, prompt: req.prompt, n: req.n }
  if (req.size) body.size = `${req.size.width}x${req.size.height}`
  if (req.quality) body.quality = req.quality
  if (req.style) body.style = req.style
  // GPT image models reject response_format (400 unknown_parameter); they always return base64.
  if (!isGptImage(req)) body.response_format = req.format
  // The core only sets these for models whose row lists them (the GPT image models).
  if (req.outputFormat !== undefined) body.output_format = req.outputFormat
  if (req.outputCompression !== undefined) body.output_compression = req.outputCompression
  if (req.background !== undefined) body.background = req.background
  Object.assign(body, req.providerOptions)
  return body
}

/**
 * Maps an `ImagesResponse` to llmkit's provider result.
 * @throws {@link @llmkit/core!ProviderError} (not retryable: the images were paid for) on an unexpected shape.
 */
export function fromOpenAIResponse(json: unknown, requestId: string | undefined, now: number, model?: string): ProviderResult {
  const parsed = openaiImagesResponseSchema.safeParse(json)
  if (!parsed.success) throw unexpectedResponse({ provider: 'openai', model, phase: 'result', requestId, detail: parsed.error })
  const body = parsed.data
  const mimeType = body.output_format ? `image/${body.output_format}` : 'image/png'
  const images: ProviderImage[] = body.data.map((d) => ({
    url: d.url ?? undefined,
    b64: d.b64_json ?? undefined,
    revisedPrompt: d.revised_prompt ?? undefined,
    mimeType,
    expiresAt: d.url ? new Date(now + URL_TTL_MS) : undefined,
  }))
  const usage = body.usage
    ? { inputTokens: body.usage.input_tokens ?? undefined, outputTokens: body.usage.output_tokens ?? undefined, totalTokens: body.usage.total_tokens ?? undefined, raw: body.usage }
    : undefined
  return { images, usage, requestId, created: body.created ?? undefined }
}

/** Settings of {@link createOpenAIProvider} that are not in the context. */
export interface OpenAIProviderSettings {
  /** Longest wait for the next event of a streamed (partial images) call. @defaultValue {@link DEFAULT_STREAM_IDLE_TIMEOUT_MS} */
  streamIdleTimeoutMs?: number | undefined
}

/** Creates the OpenAI provider for one client. */
export function createOpenAIProvider(ctx: ProviderContext, settings: OpenAIProviderSettings = {}): ImageProvider {
  const headers: Record<string, string> = { authorization: `Bearer ${ctx.apiKey}` }
  const organization = ctx.env['OPENAI_ORG_ID'] ?? ctx.env['OPENAI_ORGANIZATION']
  const project = ctx.env['OPENAI_PROJECT_ID'] ?? ctx.env['OPENAI_PROJECT']
  if (organization) headers['openai-organization'] = organization
  if (project) headers['openai-project'] = project
  return {
    async generate(req, options) {
      // Edits and variations are multipart calls to their own endpoints: see openai-edits.ts.
      if (req.operation !== undefined && req.operation !== 'generate') return generateWithImages({ http: ctx.http, headers, clock: ctx.clock }, req, options)
      const body = toOpenAIRequest(req)
      // GPT image previews (`partial_images`) arrive as server-sent events: see openai-stream.ts.
      const streaming = planStreaming(req, body, options)
      if (streaming.stream) {
        return generateStreamed({ http: ctx.http, headers, clock: ctx.clock, idleTimeoutMs: settings.streamIdleTimeoutMs ?? DEFAULT_STREAM_IDLE_TIMEOUT_MS }, req, body, options)
      }
      const res = await ctx.http.request({
        method: 'POST',
        path: '/images/generations',
        headers,
        json: body,
        signal: options.signal,
        model: req.modelId,
      })
      const result = fromOpenAIResponse(res.json(), res.headers['x-request-id'], ctx.clock.now(), req.modelId)
      return streaming.warnings.length === 0 ? result : { ...result, warnings: [...(result.warnings ?? []), ...streaming.warnings] }
    },
  }
}
