import {
  InvalidRequestError,
  JobFailedError,
  type ImageProvider,
  type JobSnapshot,
  type JobSpec,
  type NormalizedRequest,
  type ProviderContext,
  type ProviderResult,
  unexpectedResponse,
} from '@llmkit/core'
import { RUNWAY_API_VERSION, type RunwayTextToImageRequest, runwaySubmitResponseSchema, runwayTaskSchema } from './runway-api.js'
import { RUNWAY_AUTO_RATIO } from './runway-models.js'
import { referenceImagesOf } from './runway-references.js'
import { taskFailureError } from './runway-errors.js'

/** Runway says output URLs expire within 24-48 h; the lower bound is the safe promise. */
const OUTPUT_TTL_MS = 24 * 60 * 60 * 1000

/** How the job loop should pace status requests for this client. */
export interface RunwayPolling {
  /** Wait between status requests, in milliseconds. */
  pollIntervalMs: number
  /** Longest wait while the task does not change, in milliseconds. */
  maxPollIntervalMs: number
}

/** `"W:H"` from a pixel size: Runway's ratios are exact output pixel sizes. */
function ratioOf(size: { width: number; height: number }): string {
  return `${size.width}:${size.height}`
}

/** The pixel size the task will produce, when known (`auto` leaves it to the model). */
function outputSize(req: NormalizedRequest): { width: number; height: number } | undefined {
  if (req.size) return req.size
  const fallback = req.capabilities.defaultSize
  if (fallback === undefined) return undefined
  const [width, height] = fallback.split('x').map(Number)
  return { width: width!, height: height! }
}

/**
 * Maps a normalized request to the JSON body of `POST /v1/text_to_image`.
 * @throws {@link @llmkit/core!InvalidRequestError} when the reference images (with_image() with
 * `reference_tags`, or `provider_options.referenceImages`) break the model's rules.
 */
export function toRunwayRequest(req: NormalizedRequest): RunwayTextToImageRequest {
  const size = outputSize(req)
  // Runway requires a ratio; without a size and a default the model's own "auto" value is sent.
  const body: RunwayTextToImageRequest = { model: req.wireModel, promptText: req.prompt, ratio: size ? ratioOf(size) : (RUNWAY_AUTO_RATIO[req.wireModel] ?? 'auto') }
  if (req.seed !== undefined) body.seed = req.seed
  // Only models with an `outputCount` field take more than one image per task.
  if (req.capabilities.maxImagesPerCall > 1) body.outputCount = req.n
  if (req.quality !== undefined) body.quality = req.quality
  // Set only for rows listing backgrounds (gpt_image_2, gpt_image_2_5); provider_options.background still wins.
  if (req.background !== undefined) body.background = req.background
  // Set only for rows listing output formats (muse_image, seedream5).
  if (req.outputFormat !== undefined) body.outputFormat = req.outputFormat
  // with_image() images (tagged from reference_tags) or the raw provider option, checked per model.
  const { referenceImages: _raw, reference_tags: _tags, reference_subjects: _subjects, ...rest } = req.providerOptions
  const references = referenceImagesOf(req)
  if (references !== undefined) body.referenceImages = references
  if (rest['edit'] === true && body.referenceImages === undefined) {
    throw new InvalidRequestError(`runway ${req.modelId}: provider_options.edit needs at least one reference image; add provider_options.referenceImages or remove edit`, {
      provider: 'runway',
      model: req.modelId,
      param: 'provider_options.edit',
    })
  }
  Object.assign(body, rest)
  return body
}

/**
 * Maps a task object to a job snapshot. PENDING and THROTTLED (over the organisation's
 * concurrency limit, enqueued FIFO) are both `queued`; FAILED carries the mapped error.
 */
export function fromRunwayTask(json: unknown, req: NormalizedRequest, now: number): JobSnapshot<ProviderResult> {
  const parsed = runwayTaskSchema.safeParse(json)
  // A garbled status answer is transient: the core polls the accepted task again.
  if (!parsed.success) throw unexpectedResponse({ provider: 'runway', model: req.modelId, phase: 'poll', detail: parsed.error })
  const task = parsed.data
  switch (task.status) {
    case 'PENDING':
    case 'THROTTLED':
      return { state: 'queued' }
    case 'SUCCEEDED': {
      if (!task.output?.length) {
        return { state: 'failed', error: new JobFailedError(`runway ${req.modelId}: task ${task.id} succeeded without output URLs`, { provider: 'runway', model: req.modelId, requestId: task.id, retryable: false }) }
      }
      const size = outputSize(req)
      const expiresAt = new Date(now + OUTPUT_TTL_MS)
      const images = task.output.map((url) => ({ url, seed: req.seed, width: size?.width, height: size?.height, expiresAt }))
      return { state: 'succeeded', result: { images, requestId: task.id } }
    }
    case 'FAILED':
      return { state: 'failed', error: taskFailureError(task.failure ?? undefined, task.failureCode ?? undefined, { model: req.modelId, taskId: task.id }) }
    case 'CANCELLED':
      return {
        state: 'canceled',
        error: new JobFailedError(`runway ${req.modelId}: task ${task.id} was cancelled or deleted on Runway's side`, { provider: 'runway', model: req.modelId, requestId: task.id, retryable: false }),
      }
    default:
      // RUNNING, and any state added later: keep polling until a terminal one.
      return { state: 'running', progress: task.progress ?? undefined }
  }
}

/** Creates the Runway provider for one client: submit, then the core polls and cancels. */
export function createRunwayProvider(ctx: ProviderContext, polling: RunwayPolling): ImageProvider {
  const headers = { authorization: `Bearer ${ctx.apiKey}`, 'x-runway-version': RUNWAY_API_VERSION }
  return {
    async generate(req, options) {
      const body = toRunwayRequest(req)
      const spec: JobSpec<ProviderResult> = {
        provider: 'runway',
        model: req.modelId,
        pollIntervalMs: polling.pollIntervalMs,
        maxPollIntervalMs: polling.maxPollIntervalMs,
        async submit(signal) {
          const res = await ctx.http.request({ method: 'POST', path: '/v1/text_to_image', headers, json: body, signal, model: req.modelId })
          const parsed = runwaySubmitResponseSchema.safeParse(res.json())
          if (!parsed.success) throw unexpectedResponse({ provider: 'runway', model: req.modelId, phase: 'submit', detail: 'no task id' })
          return { id: parsed.data.id }
        },
        async poll(id, signal) {
          const res = await ctx.http.request({ method: 'GET', path: `/v1/tasks/${encodeURIComponent(id)}`, headers, signal, model: req.modelId })
          return fromRunwayTask(res.json(), req, ctx.clock.now())
        },
        async cancel(id, signal) {
          // 404: the task finished and was already deleted, which is what we wanted.
          await ctx.http.request({
            method: 'DELETE',
            path: `/v1/tasks/${encodeURIComponent(id)}`,
            headers: { ...headers, accept: '*/*' },
            signal,
            model: req.modelId,
            acceptStatus: [404],
          })
        },
      }
      return ctx.jobs.run(spec, options)
    },
  }
}
