import type { Readable } from 'node:stream'
import {
  type CallOptions,
  type Clock,
  ContentPolicyError,
  InvalidRequestError,
  type NormalizedRequest,
  ProviderError,
  type ProviderHttp,
  type ProviderResult,
  TimeoutError,
  unexpectedResponse,
  type Warning,
} from '@llmkit/core'
import { createParser, type EventSourceMessage } from 'eventsource-parser'
import { z } from 'zod'
import type { OpenAIImagesRequest } from './openai-api.js'
import { fromOpenAIResponse } from './openai-provider.js'

/** The provider option that asks for previews; the models that stream list it in their `providerOptions`. */
export const PARTIAL_IMAGES_OPTION = 'partial_images'
/** Most previews OpenAI sends per image (`CreateImageRequest.partial_images`: 0-3). */
export const MAX_PARTIAL_IMAGES = 3
/**
 * Longest wait for the next event of a stream, in milliseconds. Between the last preview and the
 * final image a high-quality render can take a while; undici's body timeout (120 s) is the same
 * bound for silence at the socket level.
 */
export const DEFAULT_STREAM_IDLE_TIMEOUT_MS = 120_000
/** Longest single event kept while it arrives: a final image of the largest gpt-image-2 size fits many times. */
const MAX_EVENT_CHARS = 64 * 1024 * 1024

/** Whether a call streams, and what was decided about `partial_images` on the way. */
export interface StreamingPlan {
  /** Send `stream: true` with `partial_images` and read server-sent events. */
  readonly stream: boolean
  /** Why `partial_images` was not sent, when it was asked for and is not honored. */
  readonly warnings: Warning[]
}

/**
 * The rule for GPT image streaming, as data the body follows: a call streams when the caller asked
 * for previews (`provider_options.partial_images` 1-3, on a model that lists the option), listens
 * to them (`onProgress`), and asks for one image in this call (OpenAI's preview events do not say
 * which image they belong to). Otherwise `partial_images` is taken out of the body and the call is
 * the plain JSON one, with a warning saying why (none for `0`, which asks for no previews).
 * `body` is changed in place: `stream: true` added, or `partial_images` removed.
 * @throws {@link @llmkit/core!InvalidRequestError} before any network call when `partial_images` is not 0-3.
 */
export function planStreaming(req: NormalizedRequest, body: OpenAIImagesRequest, options: Pick<CallOptions, 'onProgress'>): StreamingPlan {
  const asked = req.providerOptions[PARTIAL_IMAGES_OPTION]
  if (asked === undefined) return { stream: false, warnings: [] }
  if (typeof asked !== 'number' || !Number.isInteger(asked) || asked < 0 || asked > MAX_PARTIAL_IMAGES) {
    throw new InvalidRequestError(`openai ${req.modelId}: provider_options.partial_images must be a whole number from 0 to ${MAX_PARTIAL_IMAGES}, got ${JSON.stringify(asked)}`, {
      provider: 'openai',
      model: req.modelId,
      param: 'provider_options.partial_images',
    })
  }
  const why =
    asked === 0
      ? undefined
      : options.onProgress === undefined
        ? 'previews are delivered through onProgress, and this call has no onProgress listener'
        : req.n !== 1
          ? `previews are streamed for calls of one image (OpenAI's preview events do not say which image they belong to); this call asks for ${req.n}`
          : null
  if (why === null) {
    body.stream = true
    return { stream: true, warnings: [] }
  }
  delete body[PARTIAL_IMAGES_OPTION]
  const warnings: Warning[] = why === undefined ? [] : [{ type: 'unsupported', setting: 'provider_options.partial_images', message: `partial_images was not sent: ${why}`, requested: asked }]
  return { stream: false, warnings }
}

/** `image_generation.partial_image` and `image_generation.completed`, lenient like {@link openaiImagesResponseSchema}. */
const streamEventSchema = z.object({
  type: z.string(),
  b64_json: z.string().nullish(),
  partial_image_index: z.number().int().nonnegative().nullish(),
  created_at: z.number().nullish(),
  output_format: z.enum(['png', 'jpeg', 'webp']).nullish(),
  usage: z.record(z.string(), z.unknown()).nullish(),
})
type StreamEvent = z.infer<typeof streamEventSchema>

/** `{ error: { message, type, code } }`, or the error object itself (`event: error`). */
const streamErrorSchema = z.object({ message: z.string().nullish(), type: z.string().nullish(), code: z.string().nullish() })

/** What {@link generateStreamed} needs besides the request. */
export interface StreamedCall {
  /** Provider-bound HTTP. */
  readonly http: ProviderHttp
  /** Auth and organization headers. */
  readonly headers: Readonly<Record<string, string>>
  /** The client's clock: `elapsedMs` of the previews, `created` of the result. */
  readonly clock: Clock
  /** Longest wait for the next event. */
  readonly idleTimeoutMs: number
}

/**
 * Sends a streaming `POST /images/generations` and reads its server-sent events: every
 * `image_generation.partial_image` goes to `onProgress` as a `partial_image` event as it arrives,
 * and the `image_generation.completed` image (with its usage) becomes the result, mapped by
 * {@link fromOpenAIResponse} so it is checked and delivered exactly as a JSON answer is.
 * A stream that breaks, stalls past `idleTimeoutMs` or is aborted after the request was sent is
 * an ambiguous outcome (`mayHaveBeenCharged`, from the transport); one that ends without a final
 * image is an unexpected answer (not retried, may have been charged).
 */
export async function generateStreamed(call: StreamedCall, req: NormalizedRequest, body: OpenAIImagesRequest, options: CallOptions): Promise<ProviderResult> {
  const started = call.clock.now()
  // The idle timer aborts the request the way the caller's signal does, so undici tears it down
  // itself and the transport maps the reason (a TimeoutError) and marks it ambiguous.
  const stalled = new AbortController()
  return call.http.stream(
    { method: 'POST', path: '/images/generations', headers: { ...call.headers, accept: 'text/event-stream' }, json: body, signal: AbortSignal.any([options.signal, stalled.signal]), model: req.modelId },
    async (res) => {
      const requestId = res.headers['x-request-id']
      const completed: StreamEvent[] = []
      let failure: Error | undefined
      let done = false
      let events = 0
      const fail = (error: Error) => {
        failure ??= error
      }
      const onEvent = (message: EventSourceMessage) => {
        events += 1
        if (failure !== undefined || done) return
        if (message.data === '[DONE]') {
          done = true
          return
        }
        let data: unknown
        try {
          data = JSON.parse(message.data)
        } catch {
          fail(unexpectedResponse({ provider: 'openai', model: req.modelId, phase: 'result', requestId, detail: `a ${message.event ?? 'message'} event is not JSON` }))
          return
        }
        const error = message.event === 'error' ? ((data as { error?: unknown } | null)?.error ?? data) : (data as { error?: unknown } | null)?.error
        if (error !== undefined && error !== null) {
          fail(streamError(error, req.modelId, requestId))
          return
        }
        const parsed = streamEventSchema.safeParse(data)
        if (!parsed.success) {
          fail(unexpectedResponse({ provider: 'openai', model: req.modelId, phase: 'result', requestId, detail: parsed.error }))
          return
        }
        const event = parsed.data
        if (event.type === 'image_generation.completed') completed.push(event)
        else if (event.type === 'image_generation.partial_image' && typeof event.b64_json === 'string') {
          try {
            options.onProgress?.({
              type: 'partial_image',
              provider: 'openai',
              model: req.modelId,
              elapsedMs: call.clock.now() - started,
              // One image per streamed call (see planStreaming): its previews come before it.
              index: completed.length,
              partialImageIndex: event.partial_image_index ?? undefined,
              image: { b64: event.b64_json, mimeType: `image/${event.output_format ?? 'png'}` },
            })
          } catch {
            // A listener's bug must not fail a paid generation.
          }
        }
        // Other event types (a newer API) are skipped.
      }
      const parser = createParser({
        onEvent,
        onError: (error) => {
          if (error.type === 'max-buffer-size-exceeded') fail(unexpectedResponse({ provider: 'openai', model: req.modelId, phase: 'result', requestId, detail: 'a server-sent event is larger than 64 MiB' }))
        },
        maxBufferSize: MAX_EVENT_CHARS,
      })
      await readEvents(res.body, parser, { stop: () => failure !== undefined || done, events: () => events }, call.idleTimeoutMs, stalled, `openai ${req.modelId}`)
      if (failure !== undefined) throw failure
      if (completed.length === 0) {
        throw unexpectedResponse({ provider: 'openai', model: req.modelId, phase: 'result', requestId, detail: 'the event stream ended without an image_generation.completed event' })
      }
      const first = completed[0]!
      const usage = first.usage ?? undefined
      const json = { created: first.created_at ?? undefined, data: completed.map((e) => ({ b64_json: e.b64_json })), output_format: first.output_format ?? undefined, usage }
      return fromOpenAIResponse(json, requestId, call.clock.now(), req.modelId)
    },
  )
}

/**
 * Feeds the body to the parser until it ends or `stop()` says so, decoding UTF-8 across chunk
 * boundaries. The wait for the next event is bounded by `idleTimeoutMs`: a stall aborts the
 * request with a {@link @llmkit/core!TimeoutError} as the reason, which the transport marks ambiguous.
 */
async function readEvents(
  body: Readable,
  parser: { feed(chunk: string): void },
  stream: { stop(): boolean; events(): number },
  idleTimeoutMs: number,
  stalled: AbortController,
  who: string,
): Promise<void> {
  const decoder = new TextDecoder()
  let timer: NodeJS.Timeout | undefined
  const arm = () => {
    clearTimeout(timer)
    timer = setTimeout(() => stalled.abort(new TimeoutError(`${who}: no image stream event for ${idleTimeoutMs} ms; the request was sent, so it may have been charged`)), idleTimeoutMs)
  }
  arm()
  let seen = 0
  try {
    for await (const chunk of body) {
      parser.feed(decoder.decode(chunk as Buffer, { stream: true }))
      if (stream.stop()) return
      // The wait is between events, not chunks: a trickle of bytes that never completes an event times out.
      if (stream.events() !== seen) {
        seen = stream.events()
        arm()
      }
    }
    parser.feed(decoder.decode())
  } finally {
    clearTimeout(timer)
  }
}

/** The typed error of an `error` event (or an event carrying `error`) in an otherwise 200 stream. */
function streamError(error: unknown, model: string, requestId: string | undefined): Error {
  const parsed = streamErrorSchema.safeParse(error)
  const fields = parsed.success ? parsed.data : {}
  const message = fields.message ?? fields.code ?? fields.type ?? 'no message'
  const options = { provider: 'openai', model, requestId, providerCode: fields.code ?? undefined }
  if (fields.code === 'moderation_blocked' || fields.code === 'content_policy_violation' || fields.type === 'image_generation_user_error') {
    return new ContentPolicyError(`openai ${model}: the image was refused by the safety system while it streamed: ${message}`, options)
  }
  return new ProviderError(`openai ${model}: the image stream reported an error: ${message}`, options)
}
