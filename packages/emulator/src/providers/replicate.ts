import { randomInt } from 'node:crypto'
import { type EmulatedJob, JobStore, type JobTiming } from '../jobs.js'
import { bearer, delay, json, parseSize, sizeForAspect } from '../http-util.js'
import { renderPng } from '../png.js'
import { renderDerivedPng } from '../derive.js'
import { KONTEXT_ASPECT_RATIOS, REPLICATE_IMAGE_MODELS, readReplicateImageInputs } from './replicate-image-inputs.js'
import type { EmulatorContext, EmulatorProvider, EmulatorReply, EmulatorRequest } from '../types.js'
import { checkVendoredSchema, hasDefinition } from '../vendored-schemas.js'
import { EMULATOR_REPLICATE_WEBHOOK_SECRET, deliverWebhook, later, replicateWebhookHeaders } from '../webhooks.js'

/** How a model takes its size, and what it returns (shared/providers/replicate.md §3-4). */
interface ModelRule {
  /** `aspect_ratio` enum, `width`/`height` integers, or a `size` enum. */
  size: { kind: 'aspect'; values: readonly string[] } | { kind: 'wh' } | { kind: 'size'; values: readonly string[] }
  /** Largest `num_outputs`; 0 when the model has no such input and returns a single URL. */
  maxOutputs: number
  /** `output_format` enum; empty when the model has none (SDXL is always png). */
  outputFormats: readonly string[]
  /** Whether `megapixels` ("1" or "0.25") is an input. */
  megapixels: boolean
}

const FLUX_ASPECTS = ['1:1', '16:9', '21:9', '3:2', '2:3', '4:5', '5:4', '3:4', '4:3', '9:16', '9:21']
const FLUX_PRO_ASPECTS = ['1:1', '16:9', '3:2', '2:3', '4:5', '5:4', '9:16', '3:4', '4:3']
const IDEOGRAM_ASPECTS = ['1:1', '16:9', '9:16', '4:3', '3:4', '3:2', '2:3', '16:10', '10:16', '3:1', '1:3']
const RECRAFT_SIZES = ['1024x1024', '1365x1024', '1024x1365', '1536x1024', '1024x1536', '1820x1024', '1024x1820', '1024x2048', '2048x1024', '1434x1024', '1024x1434', '1024x1280', '1280x1024', '1024x1707', '1707x1024']
const IMAGE_FORMATS = ['webp', 'jpg', 'png']

const flux: ModelRule = { size: { kind: 'aspect', values: FLUX_ASPECTS }, maxOutputs: 4, outputFormats: IMAGE_FORMATS, megapixels: true }
const fluxPro: ModelRule = { size: { kind: 'aspect', values: FLUX_PRO_ASPECTS }, maxOutputs: 0, outputFormats: IMAGE_FORMATS, megapixels: false }
const sd35: ModelRule = { size: { kind: 'aspect', values: FLUX_ASPECTS }, maxOutputs: 0, outputFormats: IMAGE_FORMATS, megapixels: false }
const ideogram: ModelRule = { size: { kind: 'aspect', values: IDEOGRAM_ASPECTS }, maxOutputs: 0, outputFormats: [], megapixels: false }

/** Official models, run by `POST /v1/models/{owner}/{name}/predictions` without a version. */
const OFFICIAL_MODELS: Readonly<Record<string, ModelRule>> = {
  'black-forest-labs/flux-schnell': flux,
  'black-forest-labs/flux-dev': flux,
  'black-forest-labs/flux-pro': fluxPro,
  'black-forest-labs/flux-1.1-pro': fluxPro,
  // Image-input models (issue 13, replicate-image-inputs.ts): Kontext takes a ratio or match_input_image, Fill answers at the input's size.
  'black-forest-labs/flux-kontext-pro': { size: { kind: 'aspect', values: KONTEXT_ASPECT_RATIOS }, maxOutputs: 0, outputFormats: ['jpg', 'png'], megapixels: false },
  'black-forest-labs/flux-kontext-max': { size: { kind: 'aspect', values: KONTEXT_ASPECT_RATIOS }, maxOutputs: 0, outputFormats: ['jpg', 'png'], megapixels: false },
  'black-forest-labs/flux-fill-pro': { size: { kind: 'wh' }, maxOutputs: 0, outputFormats: ['jpg', 'png'], megapixels: false },
  'stability-ai/stable-diffusion-3.5-large': sd35,
  'stability-ai/stable-diffusion-3.5-large-turbo': sd35,
  'stability-ai/stable-diffusion-3.5-medium': sd35,
  'recraft-ai/recraft-v3': { size: { kind: 'size', values: RECRAFT_SIZES }, maxOutputs: 0, outputFormats: [], megapixels: false },
  'ideogram-ai/ideogram-v2': ideogram,
  'ideogram-ai/ideogram-v2-turbo': ideogram,
}

/** Community models need a version: `POST /v1/predictions` with `version` (SDXL's `latest_version.id`). */
const VERSIONS: Readonly<Record<string, { model: string; rule: ModelRule }>> = {
  '7762fd07cf82c948538e41f63f77d685e02b063e37e496e96eefd46c929f9bdc': { model: 'stability-ai/sdxl', rule: { size: { kind: 'wh' }, maxOutputs: 4, outputFormats: [], megapixels: false } },
}

/** Prompts containing these words make predictions end the way real ones sometimes do, for end-to-end tests. */
export const REPLICATE_TRIGGERS = Object.freeze({
  /** The prediction fails with a model error. */
  fail: 'emulator:fail',
  /** The safety checker flags the output and the prediction fails. */
  nsfw: 'emulator:nsfw',
  /** The prediction stays `processing` forever (timeout and cancel tests). */
  never: 'emulator:never',
  /** The prediction takes ten times the configured timing, so polls see it queued and running. */
  slow: 'emulator:slow',
})

/** What a prediction keeps besides its job state. */
interface PredictionInput {
  model: string
  version: string
  rule: ModelRule
  /** Input images (mask last): the output is derived from them. */
  inputs?: Buffer[]
  input: Record<string, unknown>
  seed: number
}

/** Replicate's ids are 26 lower-case base32 characters (`gm3qorzdhgbfurvjtvhg6dckhu`). */
function predictionId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567'
  return Array.from({ length: 26 }, () => alphabet[randomInt(32)]).join('')
}

function problem(status: number, title: string, detail: string, extra: Record<string, unknown> = {}): EmulatorReply {
  return { status, headers: { 'content-type': 'application/problem+json' }, body: JSON.stringify({ title, detail, status, ...extra }) }
}

function notFound(): EmulatorReply {
  return problem(404, 'Not found', 'The requested resource could not be found.')
}

/** A 422 as Replicate sends it for bad input: one line per field, plus `invalid_fields`. */
function invalidInput(field: string, description: string, type = 'invalid'): EmulatorReply {
  return problem(422, 'Input validation failed', `- input.${field}: ${description}\n`, { invalid_fields: [{ type, field: `input.${field}`, description }] })
}

function isInt(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value)
}

/** Checks `input` against the model's schema; the first problem wins, like Cog's validator. */
function validate(input: Record<string, unknown>, rule: ModelRule): EmulatorReply | undefined {
  if (typeof input['prompt'] !== 'string') return invalidInput('prompt', 'Invalid type. Expected: string, given: null', 'invalid_type')
  const n = input['num_outputs']
  if (rule.maxOutputs > 0 && n !== undefined) {
    if (!isInt(n)) return invalidInput('num_outputs', 'Invalid type. Expected: integer', 'invalid_type')
    if (n < 1) return invalidInput('num_outputs', 'Must be greater than or equal to 1', 'greater_than_equal')
    if (n > rule.maxOutputs) return invalidInput('num_outputs', `Must be less than or equal to ${rule.maxOutputs}`, 'less_than_equal')
  }
  const enumCheck = (field: string, values: readonly string[]): EmulatorReply | undefined => {
    const value = input[field]
    if (value === undefined || values.includes(value as string)) return undefined
    return invalidInput(field, `${field} must be one of the following: ${values.map((v) => `"${v}"`).join(', ')}`, 'enum')
  }
  if (rule.size.kind === 'aspect') {
    const bad = enumCheck('aspect_ratio', rule.size.values)
    if (bad) return bad
  } else if (rule.size.kind === 'size') {
    const bad = enumCheck('size', rule.size.values)
    if (bad) return bad
  } else {
    for (const field of ['width', 'height']) {
      const v = input[field]
      if (v !== undefined && (!isInt(v) || v < 64 || v > 4096)) return invalidInput(field, 'Must be an integer from 64 to 4096', 'invalid_type')
    }
  }
  if (rule.outputFormats.length > 0) {
    const bad = enumCheck('output_format', rule.outputFormats)
    if (bad) return bad
  }
  if (rule.megapixels) {
    const bad = enumCheck('megapixels', ['1', '0.25'])
    if (bad) return bad
  }
  if (input['seed'] !== undefined && !isInt(input['seed'])) return invalidInput('seed', 'Invalid type. Expected: integer', 'invalid_type')
  return undefined
}

/** Pixel size of the output: width/height, a `size` enum, or about a megapixel at the aspect ratio. */
function outputSize(input: Record<string, unknown>, rule: ModelRule): { width: number; height: number } {
  if (rule.size.kind === 'wh') return { width: (input['width'] as number | undefined) ?? 1024, height: (input['height'] as number | undefined) ?? 1024 }
  if (rule.size.kind === 'size') return parseSize(input['size'] ?? '1024x1024')!
  return sizeForAspect((input['aspect_ratio'] as string | undefined) ?? '1:1', input['megapixels'] === '0.25' ? 0.25 : 1)
}

/** Builds the output once: real PNGs served by the emulator, a list or a single URL. */
function outputOf(job: EmulatedJob<PredictionInput, unknown>, ctx: EmulatorContext): unknown {
  if (job.output !== undefined) return job.output
  const { rule, input, model, seed } = job.input
  const { width, height } = outputSize(input, rule)
  const count = rule.maxOutputs > 0 ? ((input['num_outputs'] as number | undefined) ?? 1) : 1
  const inputs = job.input.inputs
  const render = (key: string) => (inputs ? renderDerivedPng(inputs, key) : renderPng(width, height, key))
  const urls = Array.from({ length: count }, (_, i) => ctx.files.put(render(ctx.imageKey(`${model}|${String(input['prompt'])}|${seed}|${i}`)), 'image/png'))
  job.output = rule.maxOutputs > 0 ? urls : urls[0]
  return job.output
}

const STATUS = { queued: 'starting', running: 'processing', succeeded: 'succeeded', failed: 'failed', canceled: 'canceled' } as const

/** The prediction object of a job now (replicate.md §4). */
function predictionOf(job: EmulatedJob<PredictionInput, unknown>, store: Predictions, ctx: EmulatorContext): Record<string, unknown> {
  const { state, progress } = store.stateOf(job)
  const status = STATUS[state]
  const base = `${ctx.origin}/replicate/v1/predictions/${job.id}`
  const started = state !== 'queued' && !(state === 'canceled' && job.canceledAt! - job.createdAt < job.timing.queuedMs)
  const done = state === 'succeeded' || state === 'failed' || state === 'canceled'
  const steps = 28
  const logs = started ? `Using seed: ${job.input.seed}\n${Math.round(progress * 100)}%|${'█'.repeat(Math.round(progress * 10)).padEnd(10)}| ${Math.round(progress * steps)}/${steps}\n` : ''
  const startedAt = job.createdAt + job.timing.queuedMs
  const completedAt = state === 'canceled' ? job.canceledAt! : startedAt + job.timing.runningMs
  return {
    id: job.id,
    model: job.input.model,
    version: job.input.version,
    input: job.input.input,
    logs,
    output: state === 'succeeded' ? outputOf(job, ctx) : null,
    data_removed: false,
    error: state === 'failed' ? (job.failure?.message ?? 'Prediction failed') : null,
    status,
    source: 'api',
    created_at: new Date(job.createdAt).toISOString(),
    started_at: started ? new Date(startedAt).toISOString() : null,
    completed_at: done ? new Date(completedAt).toISOString() : null,
    metrics: done && started ? { predict_time: job.timing.runningMs / 1000, total_time: (completedAt - job.createdAt) / 1000 } : {},
    urls: { get: base, cancel: `${base}/cancel`, stream: `${base}/stream`, web: `https://replicate.com/p/${job.id}` },
  }
}

/** `Prefer: wait` or `wait=N`: seconds to hold the create request, capped at 60 (undefined: async). */
function preferWait(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header.join(',') : header
  const m = value ? /(?:^|[,;\s])wait(?:=(\d+))?(?:$|[,;\s])/.exec(value) : null
  if (!m) return undefined
  return Math.min(60, m[1] === undefined ? 60 : Number(m[1]))
}

/** Waits until the job ends or the wait runs out, never longer than the job needs. */
async function holdFor(job: EmulatedJob<PredictionInput, unknown>, seconds: number): Promise<void> {
  const deadline = Date.now() + seconds * 1000
  const ends = job.never ? Number.POSITIVE_INFINITY : job.createdAt + job.timing.queuedMs + job.timing.runningMs
  const until = Math.min(deadline, ends)
  // A timer may fire a millisecond before Date.now() reaches its target; a short, bounded
  // loop makes sure a job that ends within the wait is answered as finished.
  for (let i = 0; i < 5 && Date.now() <= until; i++) await delay(until - Date.now() + 1)
}

type Predictions = JobStore<PredictionInput, unknown>

/** One store per running emulator (its FileStore identifies it), reading that emulator's current job timing. */
const stores = new WeakMap<object, { store: Predictions; timing: { current: JobTiming } }>()

function storeOf(ctx: EmulatorContext): Predictions {
  let entry = stores.get(ctx.files)
  if (entry === undefined) {
    const timing = { current: ctx.jobTiming }
    entry = { store: new JobStore(() => timing.current), timing }
    stores.set(ctx.files, entry)
  }
  // `setJobTiming` changes the timing between requests; new predictions take the latest.
  entry.timing.current = ctx.jobTiming
  return entry.store
}

async function create(req: EmulatorRequest, ctx: EmulatorContext, model: string, version: string, rule: ModelRule): Promise<EmulatorReply> {
  const body = req.json() as { input?: unknown } | undefined
  if (!body || typeof body !== 'object') return problem(400, 'Invalid JSON', 'The request body is not valid JSON.')
  const input = body.input
  if (!input || typeof input !== 'object' || Array.isArray(input)) return invalidInput('', 'input is required', 'required')
  const fields = input as Record<string, unknown>
  const bad = validate(fields, rule)
  if (bad) return bad
  // Whatever else the vendored schemas refuse (vendored-schemas.ts): the prediction body, then the model's version input where its cog source is vendored.
  const bodyProblem = checkVendoredSchema('replicate', version === 'hidden' ? 'ModelPredictionCreate' : 'VersionPredictionCreate', version === 'hidden' ? body : { ...body, version })
  if (bodyProblem) return bodyProblem.field === 'input' ? invalidInput(bodyProblem.path.split('/').slice(2).join('.'), bodyProblem.message) : problem(422, 'Invalid request', `${bodyProblem.path.slice(1).replaceAll('/', '.')}: ${bodyProblem.message}`)
  const inputProblem = hasDefinition('replicate', ['inputs', model]) ? checkVendoredSchema('replicate', ['inputs', model], fields) : undefined
  if (inputProblem) return invalidInput(inputProblem.path.slice(1).replaceAll('/', '.'), inputProblem.message)
  const imageModel = REPLICATE_IMAGE_MODELS[model]
  const images = imageModel ? readReplicateImageInputs(imageModel, fields, ctx) : undefined
  if (images && 'invalid' in images) return invalidInput(images.invalid.field, images.invalid.description, images.invalid.type)
  const prompt = fields['prompt'] as string
  const seed = (fields['seed'] as number | undefined) ?? randomInt(2 ** 31)
  // A file the model cannot read fails the prediction, as a Cog model does.
  const failure = images && 'failure' in images
    ? { message: images.failure }
    : prompt.includes(REPLICATE_TRIGGERS.nsfw)
    ? { message: 'NSFW content detected. Try running it again, or try a different prompt.' }
    : prompt.includes(REPLICATE_TRIGGERS.fail)
      ? { message: 'Prediction failed: CUDA error: out of memory' }
      : undefined
  const jobs = storeOf(ctx)
  const slow = prompt.includes(REPLICATE_TRIGGERS.slow) ? { queuedMs: ctx.jobTiming.queuedMs * 10, runningMs: ctx.jobTiming.runningMs * 10 } : undefined
  const inputs = images && 'inputs' in images && images.inputs.length > 0 ? { inputs: images.inputs } : {}
  const job = jobs.create({ model, version, rule, input: fields, seed, ...inputs }, { id: predictionId(), failure, never: prompt.includes(REPLICATE_TRIGGERS.never), timing: slow })
  scheduleWebhooks(job, body as { webhook?: unknown; webhook_events_filter?: unknown }, ctx)
  const wait = preferWait(req.headers['prefer'])
  if (wait !== undefined) await holdFor(job, wait)
  const prediction = predictionOf(job, jobs, ctx)
  return json(201, prediction, { location: (prediction['urls'] as { get: string }).get })
}

/**
 * `webhook` and `webhook_events_filter` (default: every event): the prediction is POSTed there,
 * signed, at `start` (when it leaves the queue) and `completed`; `output` and `logs` events are
 * not emulated.
 */
function scheduleWebhooks(job: EmulatedJob<PredictionInput, unknown>, body: { webhook?: unknown; webhook_events_filter?: unknown }, ctx: EmulatorContext): void {
  if (typeof body.webhook !== 'string') return
  const url = body.webhook
  const events = Array.isArray(body.webhook_events_filter) ? (body.webhook_events_filter as string[]) : ['start', 'output', 'logs', 'completed']
  const store = storeOf(ctx)
  const send = () => {
    const payload = JSON.stringify(predictionOf(job, store, ctx))
    return deliverWebhook(url, payload, replicateWebhookHeaders(payload))
  }
  if (events.includes('start')) later(job.timing.queuedMs, () => store.stateOf(job).state !== 'canceled' && send())
  const ends = store.endsIn(job)
  if (events.includes('completed') && ends !== undefined) later(ends, send)
}

/** Replicate's prediction API under `/replicate/v1` (shared/providers/replicate.md). */
export const replicateEmulator: EmulatorProvider = {
  id: 'replicate',
  prefix: '/replicate',
  env: (origin, key) => ({ REPLICATE_BASE_URL: `${origin}/replicate/v1`, REPLICATE_API_TOKEN: key }),
  async handle(req, ctx) {
    const token = bearer(req.headers['authorization'] as string | undefined)
    if (token === undefined || token !== ctx.keys['replicate']) return problem(401, 'Unauthenticated', 'You did not pass a valid authentication token')
    const path = req.path.replace(/\/+$/, '')
    const official = /^\/v1\/models\/([^/]+)\/([^/]+)\/predictions$/.exec(path)
    if (official) {
      if (req.method !== 'POST') return problem(405, 'Method not allowed', `Method ${req.method} not allowed`)
      const model = `${decodeURIComponent(official[1]!)}/${decodeURIComponent(official[2]!)}`
      const rule = OFFICIAL_MODELS[model]
      if (!rule) {
        // Community models exist but have no official endpoint: they need a version.
        const community = Object.values(VERSIONS).some((v) => v.model === model)
        return community ? problem(404, 'Not found', `Model ${model} is not an official model; create the prediction with a version.`) : notFound()
      }
      return create(req, ctx, model, 'hidden', rule)
    }
    if (path === '/v1/predictions' && req.method === 'POST') {
      const body = req.json() as { version?: unknown } | undefined
      const raw = typeof body?.version === 'string' ? body.version : ''
      // The SDK also accepts `owner/name:version` in this field.
      const version = raw.includes(':') ? raw.slice(raw.indexOf(':') + 1) : raw
      const known = VERSIONS[version]
      if (!known) return problem(422, 'Invalid version or not permitted', 'The specified version does not exist (or perhaps you don\'t have permission to use it?)')
      return create(req, ctx, known.model, version, known.rule)
    }
    // The signing secret of webhooks (replicate.md: `GET /v1/webhooks/default/secret` → `{ key }`).
    if (path === '/v1/webhooks/default/secret' && req.method === 'GET') return json(200, { key: EMULATOR_REPLICATE_WEBHOOK_SECRET })
    const get = /^\/v1\/predictions\/([^/]+)$/.exec(path)
    if (get && req.method === 'GET') {
      const store = storeOf(ctx)
      const job = store.get(get[1]!)
      return job ? json(200, predictionOf(job, store, ctx)) : notFound()
    }
    const cancel = /^\/v1\/predictions\/([^/]+)\/cancel$/.exec(path)
    if (cancel && req.method === 'POST') {
      const store = storeOf(ctx)
      const job = store.get(cancel[1]!)
      if (!job) return notFound()
      store.cancel(job)
      return json(200, predictionOf(job, store, ctx))
    }
    return notFound()
  },
}
