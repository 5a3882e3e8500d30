import {
  ContentPolicyError,
  InvalidRequestError,
  JobFailedError,
  LLMKitError,
  type ImageProvider,
  type JobSnapshot,
  type NormalizedRequest,
  type ProviderContext,
  type ProviderImage,
  type ProviderResult,
  unexpectedResponse,
} from '@llmkit/core'
import { FAL_IMAGE_SIZE_PRESETS, type FalInput, type FalQueueStatus, falImageOutputSchema, falQueueStatusSchema } from './fal-api.js'
import { parseFalErrorBody } from './fal-errors.js'
import { falImageFieldsFor, toFalImageInput } from './fal-image-inputs.js'

/** The fal SDK polls every 500 ms; so does llmkit for fal. */
const FAL_POLL_INTERVAL_MS = 500
/** Result reads that failed on the way (not in the job) and are worth another poll, as the fal SDK retries them. */
const TRANSIENT_RESULT_STATUSES = new Set([429, 502, 503, 504])
/** Namespaces whose application id has three parts (the fal SDK's `parseEndpointId`). */
const NAMESPACES = new Set(['workflows', 'comfy'])

/** Maps a normalized request to the JSON input of `POST {queue}/{model_id}`. */
export function toFalRequest(req: NormalizedRequest): FalInput {
  // Image endpoints (edit, image-to-image, inpaint) name their documents per row (fal-image-inputs.ts).
  const imageFields = falImageFieldsFor(req)
  if (imageFields !== undefined) return toFalImageInput(req, imageFields)
  const body: FalInput = { prompt: req.prompt, num_images: req.n }
  if (req.size) {
    const preset = FAL_IMAGE_SIZE_PRESETS[`${req.size.width}x${req.size.height}` as keyof typeof FAL_IMAGE_SIZE_PRESETS]
    body.image_size = preset ?? { width: req.size.width, height: req.size.height }
  }
  if (req.negativePrompt !== undefined) body.negative_prompt = req.negativePrompt
  if (req.seed !== undefined) body.seed = req.seed
  // sync_mode answers data URIs and keeps nothing in fal's request history: base64 without a download.
  if (req.format === 'b64_json') body.sync_mode = true
  if (req.outputFormat !== undefined) body.output_format = req.outputFormat
  Object.assign(body, req.providerOptions)
  return body
}

/**
 * Maps a fal text-to-image output to llmkit's provider result; flagged images are marked, never hidden.
 * @throws {@link @llmkit/core!ProviderError}, retryable, on an unexpected shape: the result is read
 * again on the next poll (reading it is free), and the job is never submitted twice.
 */
export function fromFalResponse(json: unknown, requestId: string | undefined, model?: string): ProviderResult {
  const parsed = falImageOutputSchema.safeParse(json)
  if (!parsed.success) throw unexpectedResponse({ provider: 'fal', model, phase: 'poll', requestId, detail: parsed.error })
  const body = parsed.data
  const images: ProviderImage[] = body.images.map((image, i) => ({
    url: image.url,
    mimeType: image.content_type ?? undefined,
    width: image.width ?? undefined,
    height: image.height ?? undefined,
    // fal reports one seed per call: the batch seed every image of the call came from.
    seed: body.seed ?? undefined,
    contentFiltered: body.has_nsfw_concepts?.[i] === true ? true : undefined,
  }))
  return { images, requestId }
}

/**
 * The queue application of a model id: status, result and cancel URLs drop the subpath
 * (`fal-ai/flux/dev` → `fal-ai/flux`).
 */
export function falAppId(modelId: string): string {
  const parts = modelId.split('/')
  return parts.slice(0, NAMESPACES.has(parts[0]!) ? 3 : 2).join('/')
}

interface QueueUrls {
  status: string
  response: string
  cancel: string
}

/** Only URLs on the configured base's origin get the key: a redirected answer must not leak it. */
function sameOrigin(url: string | null | undefined, base: string): url is string {
  if (!url) return false
  try {
    return new URL(url).origin === new URL(base).origin
  } catch {
    return false
  }
}

function queueUrls(status: FalQueueStatus, id: string, req: NormalizedRequest, baseUrl: string): QueueUrls {
  const own = `${baseUrl}/${falAppId(req.wireModel)}/requests/${encodeURIComponent(id)}`
  return {
    status: sameOrigin(status.status_url, baseUrl) ? status.status_url : `${own}/status`,
    response: sameOrigin(status.response_url, baseUrl) ? status.response_url : own,
    cancel: sameOrigin(status.cancel_url, baseUrl) ? status.cancel_url : `${own}/cancel`,
  }
}

function toSnapshot(status: FalQueueStatus): JobSnapshot<ProviderResult> {
  // fal has no failed or cancelled status: both reach COMPLETED and show on the result.
  if (status.status === 'IN_QUEUE') return { state: 'queued', position: status.queue_position ?? undefined }
  return { state: 'running' }
}

/**
 * A failed job shows only when its result is read. Failures in transit are thrown (the core
 * polls again); anything else is the job's own failure, kept as a content-policy or
 * invalid-request error when fal says so.
 */
function resultFailure(error: unknown, req: NormalizedRequest, id: string): JobSnapshot<ProviderResult> {
  if (!LLMKitError.isInstance(error) || (error.retryable && (error.status === undefined || TRANSIENT_RESULT_STATUSES.has(error.status)))) throw error
  // A 422 after acceptance is fal validating the input at run time: the caller's request is at fault.
  if (error instanceof ContentPolicyError || (error instanceof InvalidRequestError && error.status === 422)) return { state: 'failed', error }
  const parsed = parseFalErrorBody(safeJson(error.body), error.body ?? '')
  return {
    state: 'failed',
    error: new JobFailedError(`fal ${req.modelId}: job ${id} failed${error.status ? ` (${error.status})` : ''}: ${parsed.message ?? error.message}`, {
      provider: 'fal',
      model: req.modelId,
      status: error.status,
      requestId: id,
      providerCode: error.providerCode,
      body: error.body,
      cause: error,
    }),
  }
}

function safeJson(text: string | undefined): unknown {
  try {
    return text === undefined ? undefined : JSON.parse(text)
  } catch {
    return undefined
  }
}

/** Settings of one fal provider instance, from the `fal()` plugin options. */
export interface FalProviderSettings {
  /** Sent as `fal_webhook` on every submit; the job then reports to it and is never cancelled when the caller stops waiting. */
  webhookUrl?: string | undefined
  /** Follow the queue's status stream (SSE) instead of polling. @defaultValue true */
  statusStream?: boolean | undefined
}

/**
 * One event of `GET …/requests/{id}/status/stream`: a queue status as JSON in `data:`, as the
 * fal SDK's `streamStatus` reads it. COMPLETED says the job ended; its outcome is the result.
 */
export function parseFalStatusEvent(data: string): JobSnapshot<ProviderResult> | 'ended' {
  const parsed = falQueueStatusSchema.safeParse(JSON.parse(data))
  if (!parsed.success) throw new Error(`unexpected status event: ${parsed.error.message.slice(0, 200)}`)
  return parsed.data.status === 'COMPLETED' ? 'ended' : toSnapshot(parsed.data)
}

/** The status stream URL next to a status URL (`…/status` → `…/status/stream?logs=0`, as the SDK asks). */
function streamUrlOf(statusUrl: string): string {
  const url = new URL(statusUrl)
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/stream`
  url.searchParams.set('logs', '0')
  return url.toString()
}

/** Creates the fal provider for one client: it describes the queue API, the core waits. */
export function createFalProvider(ctx: ProviderContext, settings: FalProviderSettings = {}): ImageProvider {
  const headers = { authorization: `Key ${ctx.apiKey}`, accept: 'application/json' }
  const webhook = settings.webhookUrl === undefined ? '' : `?fal_webhook=${encodeURIComponent(settings.webhookUrl)}`
  return {
    async generate(req, options) {
      let urls: QueueUrls | undefined
      // A job resumed from the job journal was submitted elsewhere: its queue URLs follow from its id.
      const urlsOf = (id: string): QueueUrls => (urls ??= queueUrls({ status: 'IN_QUEUE' }, id, req, ctx.baseUrl))
      /** Reads the result of a COMPLETED request: its images, or the job's failure. */
      const readResult = async (id: string, signal: AbortSignal): Promise<JobSnapshot<ProviderResult>> => {
        let result
        try {
          result = await ctx.http.request({ method: 'GET', url: urlsOf(id).response, headers, signal, model: req.modelId })
        } catch (error) {
          return resultFailure(error, req, id)
        }
        const output = fromFalResponse(result.json(), id, req.modelId)
        if (output.images.length === 0) return { state: 'failed', error: new JobFailedError(`fal ${req.modelId}: job ${id} returned no images`, { provider: 'fal', model: req.modelId, requestId: id }) }
        return { state: 'succeeded', result: output }
      }
      return ctx.jobs.run<ProviderResult>(
        {
          provider: 'fal',
          model: req.modelId,
          pollIntervalMs: FAL_POLL_INTERVAL_MS,
          detached: settings.webhookUrl !== undefined,
          // The queue pushes every status change: COMPLETED is followed by the result read at once.
          statusStream:
            settings.statusStream === false
              ? undefined
              : {
                  url: (id) => streamUrlOf(urlsOf(id).status),
                  headers: { authorization: headers.authorization },
                  parse: (event) => parseFalStatusEvent(event.data),
                  outcome: (id, signal) => readResult(id, signal),
                },
          async submit(signal) {
            const res = await ctx.http.request({ method: 'POST', path: `/${req.wireModel}${webhook}`, headers, json: toFalRequest(req), signal, model: req.modelId })
            const parsed = falQueueStatusSchema.safeParse(res.json())
            const id = parsed.success ? (parsed.data.request_id ?? res.headers['x-fal-request-id']) : undefined
            if (!parsed.success || !id) throw unexpectedResponse({ provider: 'fal', model: req.modelId, phase: 'submit', detail: parsed.success ? 'no request_id' : parsed.error })
            urls = queueUrls(parsed.data, id, req, ctx.baseUrl)
            return { id, snapshot: toSnapshot(parsed.data) }
          },
          async poll(id, signal) {
            const res = await ctx.http.request({ method: 'GET', url: urlsOf(id).status, headers, signal, model: req.modelId })
            const parsed = falQueueStatusSchema.safeParse(res.json())
            if (!parsed.success) throw unexpectedResponse({ provider: 'fal', model: req.modelId, phase: 'poll', requestId: id, detail: parsed.error })
            if (parsed.data.status !== 'COMPLETED') return toSnapshot(parsed.data)
            return readResult(id, signal)
          },
          async cancel(id, signal) {
            // 400 ALREADY_COMPLETED and 404 NOT_FOUND mean there is nothing left to stop.
            await ctx.http.request({ method: 'PUT', url: urlsOf(id).cancel, headers, signal, model: req.modelId, acceptStatus: [400, 404] })
          },
        },
        options,
      )
    },
  }
}
