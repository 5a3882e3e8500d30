import {
  type ImageProvider,
  InvalidRequestError,
  JobFailedError,
  type JobSnapshot,
  type NormalizedRequest,
  type ProviderContext,
  type ProviderImage,
  type ProviderResult,
  type ResponsePhase,
  unexpectedResponse,
} from '@llmkit/core'
import { type ReplicateCreateRequest, type ReplicateInput, type ReplicatePrediction, replicatePredictionSchema } from './replicate-api.js'
import { predictionError } from './replicate-errors.js'
import { parseModelReference } from './replicate-models.js'
import { replicateImageFieldsFor, replicateImageInput } from './replicate-image-inputs.js'

/** Outputs of API predictions are deleted after one hour (replicate.md §5). */
const URL_TTL_MS = 60 * 60 * 1000
/** The official SDKs poll every 500 ms (replicate.md §6). */
const POLL_INTERVAL_MS = 500
/** Longest `Prefer: wait` Replicate honors, in seconds. */
export const MAX_WAIT_SECONDS = 60

const MIME_BY_EXTENSION: Readonly<Record<string, string>> = { png: 'image/png', webp: 'image/webp', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', svg: 'image/svg+xml' }

/** Events a webhook can be sent for (`webhook_events_filter`). */
export type ReplicateWebhookEvent = 'start' | 'output' | 'logs' | 'completed'

/** Options of {@link createReplicateProvider}. */
export interface ReplicateProviderSettings {
  /** Seconds to hold the create request open (`Prefer: wait=N`), or false to always poll. */
  waitSeconds: number | false
  /** Sent as `webhook` and `webhook_events_filter` with every create; the job is then never cancelled when the caller stops waiting. */
  webhook?: { url: string; events?: readonly ReplicateWebhookEvent[] | undefined } | undefined
}

/**
 * Extra time a held create (`Prefer: wait=N`) gets beyond its N seconds before it is given up:
 * Replicate answers when the wait ends, so only a broken connection runs past it.
 */
const HELD_CREATE_MARGIN_MS = 30_000

/** Maps a normalized request to a prediction's `input`. */
export function toReplicateInput(req: NormalizedRequest): ReplicateInput {
  const caps = req.capabilities
  // Image inputs go in the fields the model's schema names (replicate-image-inputs.ts).
  const imageFields = replicateImageFieldsFor(req)
  const imageInput = imageFields === undefined ? {} : replicateImageInput(req, imageFields)
  const input: ReplicateInput = { prompt: req.prompt }
  // Only multi-output models have `num_outputs`; elsewhere the core already split `n` to 1.
  if (caps.maxImagesPerCall > 1) input.num_outputs = req.n
  if (req.aspectRatio !== undefined) input.aspect_ratio = req.aspectRatio
  if (req.size !== undefined) {
    // A `list` spec is a `size` enum ("1024x1024", Recraft); a `range` spec is free width/height (SDXL).
    if (caps.sizes.kind === 'list') input.size = `${req.size.width}x${req.size.height}`
    else {
      input.width = req.size.width
      input.height = req.size.height
    }
  }
  if (req.negativePrompt !== undefined) input.negative_prompt = req.negativePrompt
  if (req.seed !== undefined) input.seed = req.seed
  // FLUX and SD 3.5 default to webp; llmkit asks for lossless png unless told otherwise.
  if (req.outputFormat !== undefined) input.output_format = req.outputFormat === 'jpeg' ? 'jpg' : req.outputFormat
  else if (caps.providerOptions?.['output_format'] !== undefined && caps.outputMimeTypes?.[0] === 'image/png') input.output_format = 'png'
  if (req.outputCompression !== undefined) input.output_quality = req.outputCompression
  Object.assign(input, imageInput)
  // `n` alone sets the count (no table lists `num_outputs`); a stray one must not make Replicate bill more images than asked.
  const { num_outputs: _count, ...options } = req.providerOptions
  Object.assign(input, options)
  return input
}

/**
 * The create call: `POST /models/{owner}/{name}/predictions` for a model reference, or
 * `POST /predictions` with `version` for a pinned `owner/name:<version>`.
 */
export function toReplicateCreate(req: NormalizedRequest): { path: string; body: ReplicateCreateRequest } {
  const ref = parseModelReference(req.wireModel)
  if (ref === undefined) {
    throw new InvalidRequestError(`replicate: "${req.wireModel}" is not a model reference; use owner/name or owner/name:<64-hex version>`, {
      provider: 'replicate',
      model: req.modelId,
      param: 'model',
    })
  }
  const input = toReplicateInput(req)
  if (ref.version !== undefined) return { path: '/predictions', body: { version: ref.version, input } }
  return { path: `/models/${encodeURIComponent(ref.owner)}/${encodeURIComponent(ref.name)}/predictions`, body: { input } }
}

/** Cog models log tqdm bars (` 50%|█████     | 14/28`); the last one is the progress. */
function progressOf(logs: string | null | undefined): number | undefined {
  if (!logs) return undefined
  const matches = [...logs.matchAll(/(\d{1,3})%\|/g)]
  const last = matches.at(-1)
  return last ? Math.min(1, Number(last[1]) / 100) : undefined
}

/** FLUX and SDXL print the seed they drew ("Using seed: 1234"). */
/** The last non-empty log line (a tqdm bar's last frame after a `\r`), capped: what a progress UI shows. */
function lastLogLine(logs: string | null | undefined): string | undefined {
  if (!logs) return undefined
  const lines = logs.split(/[\r\n]+/).map((line) => line.trim()).filter((line) => line !== '')
  const last = lines.at(-1)
  return last === undefined ? undefined : last.length > 200 ? `${last.slice(0, 199)}…` : last
}

function seedOf(logs: string | null | undefined): number | undefined {
  const m = logs ? /Using seed: (\d+)/.exec(logs) : null
  return m ? Number(m[1]) : undefined
}

function mimeOf(url: string): string | undefined {
  if (url.startsWith('data:')) return undefined
  const ext = /\.([a-z0-9]+)(?:[?#]|$)/i.exec(url)?.[1]?.toLowerCase()
  return ext ? MIME_BY_EXTENSION[ext] : undefined
}

/** Output is one URL or a list of URLs (replicate.md §4); anything else is not an image output. */
function outputUrls(output: unknown): string[] | undefined {
  if (typeof output === 'string') return [output]
  if (Array.isArray(output) && output.length > 0 && output.every((o): o is string => typeof o === 'string')) return output
  return undefined
}

/** Maps a prediction's output to llmkit's provider result. */
export function fromReplicateOutput(prediction: ReplicatePrediction, now: number, requestedSeed: number | undefined): ProviderResult | undefined {
  const urls = outputUrls(prediction.output)
  if (urls === undefined) return undefined
  // One seed makes one image reproducible; a batch draws several images from it.
  const seed = urls.length === 1 ? (requestedSeed ?? seedOf(prediction.logs)) : undefined
  const images: ProviderImage[] = urls.map((url) => ({
    url,
    mimeType: mimeOf(url),
    seed,
    expiresAt: url.startsWith('data:') ? undefined : new Date(now + URL_TTL_MS),
  }))
  const created = prediction.created_at ? Math.floor(Date.parse(prediction.created_at) / 1000) : undefined
  return { images, requestId: prediction.id, created: Number.isFinite(created) ? created : undefined }
}

/**
 * Parses a prediction body, or throws naming the unexpected shape: after a create (`submit`) the
 * prediction may exist, so it is not retried; after a status read (`poll`) the core polls again.
 */
export function parsePrediction(json: unknown, model: string, phase: Exclude<ResponsePhase, 'result'> = 'poll'): ReplicatePrediction {
  const parsed = replicatePredictionSchema.safeParse(json)
  if (!parsed.success) throw unexpectedResponse({ provider: 'replicate', model, phase, detail: parsed.error })
  return parsed.data
}

/** Maps a prediction to a job snapshot: `starting` is queued, `processing` running. */
export function toJobSnapshot(prediction: ReplicatePrediction, model: string, now: number, requestedSeed: number | undefined): JobSnapshot<ProviderResult> {
  switch (prediction.status) {
    case 'starting':
      return { state: 'queued' }
    case 'processing':
      return { state: 'running', progress: progressOf(prediction.logs), message: lastLogLine(prediction.logs) }
    case 'succeeded': {
      const result = fromReplicateOutput(prediction, now, requestedSeed)
      if (result !== undefined) return { state: 'succeeded', progress: 1, result }
      const why = prediction.data_removed ? 'its output was already removed (API outputs are kept one hour)' : `its output is not an image URL: ${JSON.stringify(prediction.output ?? null).slice(0, 120)}`
      return { state: 'failed', error: new JobFailedError(`replicate ${model}: prediction ${prediction.id} succeeded but ${why}`, { provider: 'replicate', model, requestId: prediction.id }) }
    }
    case 'canceled':
      return { state: 'canceled', error: predictionError('canceled', prediction.error, { model, id: prediction.id }) }
    default:
      return { state: 'failed', error: predictionError(prediction.status, prediction.error, { model, id: prediction.id }) }
  }
}

/** Creates the Replicate provider factory for one plugin configuration. */
export function createReplicateProvider(settings: ReplicateProviderSettings): (ctx: ProviderContext) => ImageProvider {
  return (ctx) => {
    const auth = { authorization: `Bearer ${ctx.apiKey}` }
    // Short jobs come back finished from the create call; longer ones are polled at once after it.
    const createHeaders = settings.waitSeconds === false ? auth : { ...auth, prefer: `wait=${settings.waitSeconds}` }
    const heldMs = settings.waitSeconds === false ? undefined : settings.waitSeconds * 1000 + HELD_CREATE_MARGIN_MS
    const webhook = settings.webhook === undefined ? {} : { webhook: settings.webhook.url, ...(settings.webhook.events ? { webhook_events_filter: [...settings.webhook.events] } : {}) }
    return {
      generate(req, options) {
        const model = req.modelId
        const create = toReplicateCreate(req)
        const snapshotOf = (json: unknown) => {
          const prediction = parsePrediction(json, model)
          return { id: prediction.id, snapshot: toJobSnapshot(prediction, model, ctx.clock.now(), req.seed) }
        }
        // Sync mode may answer `processing` with every file already in `output` (replicate.md §2).
        const expected = req.capabilities.maxImagesPerCall > 1 ? req.n : 1
        const submittedOf = (json: unknown) => {
          const prediction = parsePrediction(json, model, 'submit')
          const early = prediction.status === 'processing' && outputUrls(prediction.output)?.length === expected
          return { id: prediction.id, snapshot: toJobSnapshot(early ? { ...prediction, status: 'succeeded' } : prediction, model, ctx.clock.now(), req.seed) }
        }
        return ctx.jobs.run<ProviderResult>(
          {
            provider: 'replicate',
            model,
            pollIntervalMs: POLL_INTERVAL_MS,
            detached: settings.webhook !== undefined,
            async submit(signal) {
              // A held create is not cut by the caller's abort: only its answer names the prediction,
              // and without the id nothing can cancel it. The core stops waiting at once, keeps
              // this request in pendingCancellations(), and cancels the prediction it names.
              const bound = heldMs === undefined ? { signal } : { timeoutMs: heldMs }
              const res = await ctx.http.request({ method: 'POST', path: create.path, headers: createHeaders, json: { ...create.body, ...webhook }, ...bound, model })
              return submittedOf(res.json())
            },
            async poll(id, signal) {
              const res = await ctx.http.request({ method: 'GET', path: `/predictions/${encodeURIComponent(id)}`, headers: auth, signal, model })
              return snapshotOf(res.json()).snapshot
            },
            async cancel(id, signal) {
              // A prediction that already ended answers 200 with its final state; nothing else to do.
              await ctx.http.request({ method: 'POST', path: `/predictions/${encodeURIComponent(id)}/cancel`, headers: auth, signal, model, acceptStatus: [404] })
            },
          },
          options,
        )
      },
    }
  }
}
