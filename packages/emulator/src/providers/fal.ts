import { randomUUID } from 'node:crypto'
import { PNG } from 'pngjs'
import { bearer, delay, json } from '../http-util.js'
import { type EmulatedJob, JobStore } from '../jobs.js'
import { freshDraw, renderPng, seedOf } from '../png.js'
import { renderDerivedPng } from '../derive.js'
import { FAL_IMAGE_ENDPOINTS, readFalImageInputs } from './fal-image-inputs.js'
import { type SchemaProblem, checkVendoredSchema, hasDefinition } from '../vendored-schemas.js'
import type { EmulatorContext, EmulatorProvider, EmulatorReply, EmulatorRequest } from '../types.js'
import { deliverWebhook, falJwks, falWebhookHeaders, later } from '../webhooks.js'

/** Per-application input rules of fal's queue API (shared/providers/fal.md §3). */
interface FalModelRules {
  /** Pixels used when `image_size` is absent. */
  defaultSize: string
  /** Largest `num_inference_steps`. */
  maxSteps: number
  /** Whether `output_format` is in the input schema. */
  outputFormat: boolean
  /** Whether `negative_prompt` is read (other apps ignore it, as fal ignores unknown fields). */
  negativePrompt: boolean
}

const FLUX_DEV: FalModelRules = { defaultSize: 'landscape_4_3', maxSteps: 50, outputFormat: true, negativePrompt: false }
const MODELS: Record<string, FalModelRules> = {
  'fal-ai/flux/dev': FLUX_DEV,
  'fal-ai/flux/schnell': { ...FLUX_DEV, maxSteps: 12 },
  'fal-ai/stable-diffusion-v3-medium': { defaultSize: 'square_hd', maxSteps: 50, outputFormat: false, negativePrompt: true },
  // Outside llmkit's table, for `fal:` open-model tests.
  'fal-ai/flux-pro/v1.1': FLUX_DEV,
  'fal-ai/flux-pro': FLUX_DEV,
  // Image-input endpoints (issue 13, fal-image-inputs.ts): FLUX rules for the shared fields.
  ...Object.fromEntries(Object.keys(FAL_IMAGE_ENDPOINTS).map((id) => [id, FLUX_DEV])),
}

/** `image_size` presets (shared/providers/fal.md §3). */
const PRESETS: Record<string, { width: number; height: number }> = {
  square_hd: { width: 1024, height: 1024 },
  square: { width: 512, height: 512 },
  portrait_4_3: { width: 768, height: 1024 },
  portrait_16_9: { width: 576, height: 1024 },
  landscape_4_3: { width: 1024, height: 768 },
  landscape_16_9: { width: 1024, height: 576 },
}
/** fal's `ImageSize` schema caps each side at 14142 pixels. */
const MAX_SIDE = 14_142
const MAX_IMAGES = 4

/** Prompts containing these markers play fal's unhappy paths, for end-to-end tests. */
export const FAL_TRIGGERS = Object.freeze({
  /** The safety checker flags the first image (`has_nsfw_concepts[0]: true`) and blacks it out. */
  nsfw: 'emulator:nsfw',
  /** The job reaches COMPLETED but its result is an error (500 `runner_server_error`). */
  fail: 'emulator:fail',
  /** The job runs forever (timeout and cancel tests). */
  never: 'emulator:never',
  /** The job takes ten times the emulator's job timing, so every state is seen by a 500 ms poll. */
  slow: 'emulator:slow',
  /** The result is fal's hard moderation block (422 `content_policy_violation`). */
  contentPolicy: 'emulator:content-policy',
})

interface FalJobInput {
  app: string
  model: string
  prompt: string
  numImages: number
  width: number
  height: number
  seed: number
  syncMode: boolean
  safetyChecker: boolean
  /** Input images (mask last) of an image endpoint: the answer is derived from them. */
  inputs?: Buffer[]
}

type FalJob = EmulatedJob<FalJobInput, EmulatorReply>

/** One store per running emulator (keyed by its file store), reading that emulator's job timing. */
const stores = new WeakMap<object, JobStore<FalJobInput, EmulatorReply>>()

function storeOf(ctx: EmulatorContext): JobStore<FalJobInput, EmulatorReply> {
  let store = stores.get(ctx.files)
  if (!store) {
    store = new JobStore<FalJobInput, EmulatorReply>(() => ctx.jobTiming)
    stores.set(ctx.files, store)
  }
  return store
}

/** A fal answer, always with the request id header the SDK reads. */
function reply(status: number, body: unknown, requestId?: string, headers: Record<string, string> = {}): EmulatorReply {
  return json(status, body, { ...(requestId ? { 'x-fal-request-id': requestId } : {}), ...headers })
}

interface Issue {
  loc: (string | number)[]
  msg: string
  type: string
  ctx?: Record<string, unknown>
}

/** fal's 422: pydantic's `detail` list. */
function validation(issues: Issue[]): EmulatorReply {
  return reply(422, { detail: issues.map((i) => ({ ...i, url: `https://errors.pydantic.dev/2.9/v/${i.type}` })) })
}

/** A vendored-schema problem as a pydantic issue located at the field. */
function falIssue(problem: SchemaProblem): Issue {
  const loc = ['body', ...problem.path.split('/').slice(1).map((p) => (/^\d+$/.test(p) ? Number(p) : p))]
  return { loc, msg: `Input ${problem.message}`, type: 'value_error' }
}

/** The application part of a model id: `fal-ai/flux/dev` → `fal-ai/flux` (workflows/comfy keep three parts). */
function appOf(model: string): string {
  const parts = model.split('/')
  return parts.slice(0, parts[0] === 'workflows' || parts[0] === 'comfy' ? 3 : 2).join('/')
}

function intIn(value: unknown, loc: string, min: number, max: number, issues: Issue[]): void {
  if (value === undefined) return
  if (typeof value !== 'number' || !Number.isInteger(value)) issues.push({ loc: ['body', loc], msg: 'Input should be a valid integer', type: 'int_type' })
  else if (value < min) issues.push({ loc: ['body', loc], msg: `Input should be greater than or equal to ${min}`, type: 'greater_than_equal', ctx: { ge: min } })
  else if (value > max) issues.push({ loc: ['body', loc], msg: `Input should be less than or equal to ${max}`, type: 'less_than_equal', ctx: { le: max } })
}

function sizeOf(value: unknown, rules: FalModelRules, issues: Issue[]): { width: number; height: number } {
  const fallback = PRESETS[rules.defaultSize]!
  if (value === undefined) return fallback
  if (typeof value === 'string') {
    const preset = PRESETS[value]
    if (preset) return preset
    issues.push({ loc: ['body', 'image_size'], msg: `Input should be ${Object.keys(PRESETS).map((p) => `'${p}'`).join(', ')}`, type: 'enum', ctx: { expected: Object.keys(PRESETS).join(', ') } })
    return fallback
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const size = value as Record<string, unknown>
    const before = issues.length
    for (const side of ['width', 'height'] as const) {
      const v = size[side] ?? 512
      if (typeof v !== 'number' || !Number.isInteger(v)) issues.push({ loc: ['body', 'image_size', side], msg: 'Input should be a valid integer', type: 'int_type' })
      else if (v < 1) issues.push({ loc: ['body', 'image_size', side], msg: 'Input should be greater than 0', type: 'greater_than', ctx: { gt: 0 } })
      else if (v > MAX_SIDE) issues.push({ loc: ['body', 'image_size', side], msg: `Input should be less than or equal to ${MAX_SIDE}`, type: 'less_than_equal', ctx: { le: MAX_SIDE } })
    }
    if (issues.length === before) return { width: (size['width'] as number | undefined) ?? 512, height: (size['height'] as number | undefined) ?? 512 }
    return fallback
  }
  issues.push({ loc: ['body', 'image_size'], msg: 'Input should be a valid dictionary or instance of ImageSize', type: 'model_type' })
  return fallback
}

/** A black PNG: what fal's safety checker leaves in place of a flagged image. */
function blackPng(width: number, height: number): Buffer {
  const png = new PNG({ width, height })
  for (let i = 3; i < png.data.length; i += 4) png.data[i] = 255
  return PNG.sync.write(png)
}

function urlsOf(job: FalJob, ctx: EmulatorContext): Record<string, string> {
  const base = `${ctx.origin}/fal/${job.input.app}/requests/${job.id}`
  return { response_url: base, status_url: `${base}/status`, cancel_url: `${base}/cancel` }
}

function submit(req: EmulatorRequest, model: string, ctx: EmulatorContext): EmulatorReply {
  const rules = MODELS[model]
  if (!rules) return reply(404, { detail: `Application '${model.split('/').slice(1).join('/')}' not found` })
  const body = req.json()
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return validation([{ loc: ['body'], msg: 'Input should be a valid dictionary', type: 'dict_type' }])
  const input = body as Record<string, unknown>
  const issues: Issue[] = []
  const prompt = input['prompt']
  if (prompt === undefined) issues.push({ loc: ['body', 'prompt'], msg: 'Field required', type: 'missing' })
  else if (typeof prompt !== 'string') issues.push({ loc: ['body', 'prompt'], msg: 'Input should be a valid string', type: 'string_type' })
  intIn(input['num_images'], 'num_images', 1, MAX_IMAGES, issues)
  intIn(input['num_inference_steps'], 'num_inference_steps', 1, rules.maxSteps, issues)
  intIn(input['seed'], 'seed', 0, Number.MAX_SAFE_INTEGER, issues)
  const size = sizeOf(input['image_size'], rules, issues)
  const imageEndpoint = FAL_IMAGE_ENDPOINTS[model]
  const images = imageEndpoint ? readFalImageInputs(imageEndpoint, input, ctx, issues) : undefined
  const format = input['output_format']
  if (rules.outputFormat && format !== undefined && format !== 'jpeg' && format !== 'png') {
    issues.push({ loc: ['body', 'output_format'], msg: "Input should be 'jpeg' or 'png'", type: 'enum', ctx: { expected: "'jpeg' or 'png'" } })
  }
  for (const flag of ['sync_mode', 'enable_safety_checker'] as const) {
    if (input[flag] !== undefined && typeof input[flag] !== 'boolean') issues.push({ loc: ['body', flag], msg: 'Input should be a valid boolean', type: 'bool_type' })
  }
  // Whatever else the endpoint's published input type refuses, where it is vendored (vendored-schemas.ts).
  // Fields the type lacks stay ignored, as the emulator always did: the type is closed only as TypeScript types are.
  const schemaProblem = issues.length === 0 && hasDefinition('fal', model) ? checkVendoredSchema('fal', model, input, { ignoreUnknownFields: true }) : undefined
  if (schemaProblem) issues.push(falIssue(schemaProblem))
  if (issues.length > 0) return validation(issues)

  const text = prompt as string
  // No seed asked: fal draws one per call (returned with the images); a repeat draws another.
  const seed = (input['seed'] as number | undefined) ?? seedOf(freshDraw(`${model}|${text}`))
  const job = storeOf(ctx).create(
    {
      app: appOf(model),
      model,
      prompt: text,
      numImages: (input['num_images'] as number | undefined) ?? 1,
      width: images?.size.width ?? size.width,
      height: images?.size.height ?? size.height,
      seed,
      syncMode: input['sync_mode'] === true,
      safetyChecker: input['enable_safety_checker'] !== false,
      ...(images ? { inputs: images.inputs } : {}),
    },
    {
      failure: text.includes(FAL_TRIGGERS.fail) ? { message: 'Emulated runner failure while generating', code: 'runner_server_error' } : undefined,
      never: text.includes(FAL_TRIGGERS.never),
      timing: text.includes(FAL_TRIGGERS.slow) ? { queuedMs: ctx.jobTiming.queuedMs * 10, runningMs: ctx.jobTiming.runningMs * 10 } : ctx.jobTiming,
    },
  )
  // `?fal_webhook=` (fal.md, webhooks): the outcome is POSTed there, signed, when the job ends.
  const webhook = req.query.get('fal_webhook')
  const ends = storeOf(ctx).endsIn(job)
  if (webhook && ends !== undefined) later(ends, () => deliverFalWebhook(job, webhook, ctx))
  return reply(200, { status: 'IN_QUEUE', request_id: job.id, ...urlsOf(job, ctx), queue_position: storeOf(ctx).stateOf(job).position }, job.id)
}

/** What fal POSTs to a webhook: `OK` with the result as `payload`, or `ERROR` with the error body. */
async function deliverFalWebhook(job: FalJob, url: string, ctx: EmulatorContext): Promise<void> {
  // A cancelled request has nothing to report.
  if (storeOf(ctx).stateOf(job).state === 'canceled') return
  const outcome = result(job, ctx)
  const ok = outcome.status === 200
  const body = JSON.stringify({
    request_id: job.id,
    gateway_request_id: job.id,
    status: ok ? 'OK' : 'ERROR',
    ...(ok ? {} : { error: `Invalid status code: ${outcome.status}` }),
    payload: typeof outcome.body === 'string' ? (JSON.parse(outcome.body) as unknown) : null,
  })
  await deliverWebhook(url, body, falWebhookHeaders(job.id, body))
}

/** Longest a status stream stays open (a `never` job): the client's job deadline ends it first. */
const MAX_STREAM_MS = 10 * 60_000

/**
 * `GET …/requests/{id}/status/stream`: server-sent events, one `data:` line of the queue status
 * JSON per change (position, state), as the SDK's `streamStatus` reads them; the stream ends after
 * COMPLETED. The job's state is a function of time, so the stream looks again exactly when it
 * can next change.
 */
function statusStream(job: FalJob, req: EmulatorRequest, ctx: EmulatorContext): EmulatorReply {
  const store = storeOf(ctx)
  return {
    status: 200,
    headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-fal-request-id': job.id },
    stream: async (write, closed) => {
      const until = Date.now() + MAX_STREAM_MS
      let last = ''
      while (!closed.aborted && Date.now() < until) {
        // Replies carry their JSON already serialised.
        const text = String(status(job, req, ctx).body)
        const body = JSON.parse(text) as { status: string }
        if (text !== last) {
          write(`data: ${text}\n\n`)
          last = text
        }
        if (body.status === 'COMPLETED') return
        await delay(store.nextChangeIn(job))
      }
    },
  }
}

function status(job: FalJob, req: EmulatorRequest, ctx: EmulatorContext): EmulatorReply {
  const { state, position } = storeOf(ctx).stateOf(job)
  const common = { request_id: job.id, ...urlsOf(job, ctx) }
  const logs = req.query.get('logs') === '1'
  if (state === 'queued') return reply(202, { status: 'IN_QUEUE', ...common, queue_position: position }, job.id)
  if (state === 'running') {
    return reply(202, { status: 'IN_PROGRESS', ...common, logs: logs ? [{ message: 'Generating...', level: 'INFO', source: 'USER', timestamp: new Date().toISOString() }] : null }, job.id)
  }
  // Failed and cancelled jobs are COMPLETED too: fal shows the outcome only on the result.
  return reply(200, { status: 'COMPLETED', ...common, logs: logs ? [] : null, metrics: { inference_time: job.timing.runningMs / 1000 } }, job.id)
}

function output(job: FalJob, ctx: EmulatorContext): EmulatorReply {
  const { input } = job
  const flagged = (i: number) => input.safetyChecker && i === 0 && input.prompt.includes(FAL_TRIGGERS.nsfw)
  const images = Array.from({ length: input.numImages }, (_, i) => {
    const key = ctx.imageKey(`${input.model}|${input.prompt}|${input.seed}|${i}`)
    const png = flagged(i) ? blackPng(input.width, input.height) : input.inputs ? renderDerivedPng(input.inputs, key) : renderPng(input.width, input.height, key)
    // sync_mode answers data URIs and stores nothing; otherwise the emulator plays the CDN.
    const url = input.syncMode ? `data:image/png;base64,${png.toString('base64')}` : ctx.files.put(png, 'image/png')
    return { url, width: input.width, height: input.height, content_type: 'image/png', file_name: `${randomUUID()}.png`, file_size: png.length }
  })
  const body: Record<string, unknown> = {
    images,
    timings: { inference: job.timing.runningMs / 1000 },
    seed: input.seed,
    has_nsfw_concepts: images.map((_, i) => flagged(i)),
    prompt: input.prompt,
  }
  if (input.model === 'fal-ai/stable-diffusion-v3-medium') body['num_images'] = input.numImages
  return reply(200, body, job.id)
}

function result(job: FalJob, ctx: EmulatorContext): EmulatorReply {
  const { state } = storeOf(ctx).stateOf(job)
  if (state === 'queued' || state === 'running') return reply(400, { detail: 'Request is still in progress' }, job.id)
  if (state === 'canceled') {
    return reply(499, { detail: 'Request was cancelled by the client', error_type: 'client_cancelled' }, job.id, { 'x-fal-error-type': 'client_cancelled', 'x-fal-retryable': 'false' })
  }
  if (state === 'failed') {
    return reply(500, { detail: job.failure!.message, error_type: 'runner_server_error' }, job.id, { 'x-fal-error-type': 'runner_server_error', 'x-fal-retryable': 'false' })
  }
  if (job.input.prompt.includes(FAL_TRIGGERS.contentPolicy)) {
    return validation([
      {
        loc: ['body', 'prompt'],
        msg: 'The content could not be processed because it contained material flagged by a content checker.',
        type: 'content_policy_violation',
      },
    ])
  }
  // Built once, so repeated reads return the same URLs, like fal's request history.
  job.output ??= output(job, ctx)
  return job.output
}

function cancel(job: FalJob, ctx: EmulatorContext): EmulatorReply {
  return storeOf(ctx).cancel(job) ? reply(202, { status: 'CANCELLATION_REQUESTED' }, job.id) : reply(400, { status: 'ALREADY_COMPLETED' }, job.id)
}

/** fal's queue API under `/fal`: submit, status, result and cancel, with `Authorization: Key`. */
export const falEmulator: EmulatorProvider = {
  id: 'fal',
  prefix: '/fal',
  // FAL_KEY is the official SDK's name, FAL_API_KEY the seed documentation's: set both.
  env: (origin, key) => ({ FAL_BASE_URL: `${origin}/fal`, FAL_KEY: key, FAL_API_KEY: key }),
  async handle(req, ctx) {
    // The webhook signing keys are public (fal serves them at rest.alpha.fal.ai/.well-known/jwks.json).
    if (req.method === 'GET' && req.path === '/.well-known/jwks.json') return json(200, falJwks())
    const authorization = req.headers['authorization'] as string | undefined
    const key = bearer(authorization, 'Key')
    const segments = req.path.split('/').filter(Boolean)
    const at = segments.indexOf('requests')
    const app = appOf(segments.join('/'))
    if (key === undefined) {
      return reply(401, { detail: `Cannot access application '${app}'. Authentication is required to access this application.` })
    }
    if (key !== ctx.keys['fal']) return reply(401, { detail: 'No user found for Key ID and Secret' })
    if (at === -1) {
      if (req.method !== 'POST') return reply(405, { detail: 'Method Not Allowed' })
      await delay(ctx.latencyMs)
      return submit(req, segments.join('/'), ctx)
    }
    const id = segments[at + 1]
    const tail = segments.slice(at + 2).join('/')
    const job = id === undefined ? undefined : storeOf(ctx).get(id)
    // Queue URLs name the application without its subpath; a job is only found under its own app.
    if (!job || segments.slice(0, at).join('/') !== job.input.app) {
      return tail === 'cancel' ? reply(404, { status: 'NOT_FOUND' }) : reply(404, { detail: 'Request not found' })
    }
    if (req.method === 'GET' && tail === 'status') return status(job, req, ctx)
    if (req.method === 'GET' && tail === 'status/stream') return statusStream(job, req, ctx)
    if (req.method === 'GET' && tail === '') return result(job, ctx)
    if (req.method === 'PUT' && tail === 'cancel') return cancel(job, ctx)
    return reply(405, { detail: 'Method Not Allowed' })
  },
}
