import { readFileSync } from 'node:fs'
import nock from 'nock'
import {
  AuthenticationError,
  type Clock,
  ContentPolicyError,
  ImageFormat,
  ImageGenerationRequest,
  ImageSize,
  InvalidRequestError,
  JobFailedError,
  LLMKitClient,
  LLMKitError,
  type ProgressEvent,
  ProviderError,
  RateLimitError,
  TimeoutError,
  modelCapabilitiesSchema,
  resolveModel,
  systemClock,
  pendingCancellations,
} from '@llmkit/core'
import { describe, expect, it } from 'vitest'
import { headersOf, useNock } from '../../../test/nock.js'
import { fal, falAppId, falModels } from './index.js'

const BASE = 'https://queue.fal.test'
const KEY = 'fal-key-id:0123456789abcdef0123'
const ID = '764cabcf-b745-4b3e-ae38-1200304cf45b'
const APP = `/fal-ai/flux/requests/${ID}`
const fixture = (name: string) => JSON.parse(readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8')) as Record<string, unknown>

/** Runs the core's job waits 200 times faster, so polling tests take milliseconds without fake timers. */
function fastClock(factor = 200): Clock {
  const start = Date.now()
  return { now: () => start + (Date.now() - start) * factor, sleep: (ms, signal) => systemClock.sleep(ms / factor, signal) }
}

/** A client that polls (the status stream has its own tests in fal-push.test.ts). */
function client(options: { env?: Record<string, string>; contentFilter?: 'warn' | 'error'; jobTimeoutMs?: number } = {}) {
  return new LLMKitClient({
    providers: [fal({ statusStream: false })],
    env: { FAL_KEY: KEY, FAL_BASE_URL: BASE, ...options.env },
    clock: fastClock(),
    retry: false,
    contentFilter: options.contentFilter,
    jobTimeoutMs: options.jobTimeoutMs,
  })
}

interface Call {
  method: string
  path: string
  headers: Record<string, string>
  body: unknown
}

/** Records every request a scope sees, in order. */
function record(scope: nock.Scope): Call[] {
  const calls: Call[] = []
  scope.on('request', (req: { method: string; url: string; headers: Record<string, string> | Headers }, _interceptor: unknown, body: string) => {
    const h = req.headers
    const headers = headersOf(h)
    calls.push({ method: req.method, path: new URL(req.url).pathname, headers, body: body ? JSON.parse(body) : undefined })
  })
  return calls
}

const submitted = (model = 'fal-ai/flux', id = ID, position = 2) => ({
  status: 'IN_QUEUE',
  request_id: id,
  response_url: `${BASE}/${model}/requests/${id}`,
  status_url: `${BASE}/${model}/requests/${id}/status`,
  cancel_url: `${BASE}/${model}/requests/${id}/cancel`,
  queue_position: position,
})
const inQueue = (position: number) => ({ status: 'IN_QUEUE', request_id: ID, queue_position: position })
const inProgress = { status: 'IN_PROGRESS', request_id: ID, logs: null }
const completed = { status: 'COMPLETED', request_id: ID, logs: null, metrics: { inference_time: 1.83 } }
const result1 = (extra: Record<string, unknown> = {}) => ({
  images: [{ url: 'https://v3.fal.media/files/koala/a.png', width: 1024, height: 1024, content_type: 'image/png' }],
  seed: 7,
  has_nsfw_concepts: [false],
  ...extra,
})

/** A job that is accepted, done at the first poll, and whose result is `result`. */
function quickJob(model: string, result: { status: number; body: unknown; headers?: Record<string, string> }) {
  const app = falAppId(model)
  const scope = nock(BASE)
    .post(`/${model}`)
    .reply(200, submitted(app))
    .get(`/${app}/requests/${ID}/status`)
    .reply(200, completed)
    .get(`/${app}/requests/${ID}`)
    .reply(result.status, result.body as nock.Body, { 'x-fal-request-id': ID, ...result.headers })
  return { scope, calls: record(scope) }
}

useNock()

describe('capability table', () => {
  it('parses every row with the ModelCapabilities schema and has unique ids and aliases', () => {
    for (const row of falModels) expect(modelCapabilitiesSchema.safeParse(row).success).toBe(true)
    const ids = falModels.flatMap((m) => [m.id, ...('aliases' in m ? m.aliases : [])])
    expect(new Set(ids).size).toBe(ids.length)
  })

  it('maps the seed id fal-ai/stable-diffusion-3 to fal application fal-ai/stable-diffusion-v3-medium', () => {
    const sd3 = falModels.find((m) => m.id === 'fal-ai/stable-diffusion-3')
    expect(sd3?.wireId).toBe('fal-ai/stable-diffusion-v3-medium')
    expect(sd3?.negativePrompt).toBe(true)
    for (const m of falModels) expect(m.maxImagesPerCall).toBe(4)
  })

  it('opens any fal application through the fal: prefix and claims fal-ai/ ids', () => {
    const plugin = fal()
    expect(resolveModel([plugin], 'fal:fal-ai/flux-pro/v1.1')).toMatchObject({ modelId: 'fal-ai/flux-pro/v1.1', capabilities: { wireId: 'fal-ai/flux-pro/v1.1', maxImagesPerCall: 1 } })
    expect(resolveModel([plugin], 'fal-ai/recraft-v3').capabilities.wireId).toBe('fal-ai/recraft-v3')
    expect(resolveModel([plugin], 'fal:fal-ai/stable-diffusion-v3-medium').modelId).toBe('fal-ai/stable-diffusion-3')
    expect(plugin.claims?.('black-forest-labs/flux-schnell')).toBe(false)
    expect(plugin.envKeys).toStrictEqual(['FAL_KEY', 'FAL_API_KEY'])
  })

  it.each([
    ['fal-ai/flux/dev', 'fal-ai/flux'],
    ['fal-ai/flux', 'fal-ai/flux'],
    ['fal-ai/stable-diffusion-v3-medium', 'fal-ai/stable-diffusion-v3-medium'],
    ['workflows/acme/my-flow/run', 'workflows/acme/my-flow'],
  ])('queue app of %s is %s', (model, app) => {
    expect(falAppId(model)).toBe(app)
  })
})

describe('queue lifecycle', () => {
  it('sends the exact submit body and Key header, then follows status to the result with progress in order', async () => {
    const scope = nock(BASE)
      .post('/fal-ai/flux/dev')
      .reply(200, fixture('flux-dev-submit.json'), { 'x-fal-request-id': ID })
      .get(`${APP}/status`)
      .reply(202, inQueue(1))
      .get(`${APP}/status`)
      .reply(202, inProgress)
      .get(`${APP}/status`)
      .reply(200, completed)
      .get(APP)
      .reply(200, fixture('flux-dev-result.json'), { 'x-fal-request-id': ID })
    const calls = record(scope)
    const events: ProgressEvent[] = []
    const request = new ImageGenerationRequest('fal-ai/flux/dev', 'A Renaissance painting style portrait').with_n(2).with_size('1024x768').with_seed(42).with_format(ImageFormat.Url)
    const response = await client().generateImage(request, { onProgress: (e) => events.push(e) })

    expect(calls.map((c) => `${c.method} ${c.path}`)).toStrictEqual([
      'POST /fal-ai/flux/dev',
      `GET ${APP}/status`,
      `GET ${APP}/status`,
      `GET ${APP}/status`,
      `GET ${APP}`,
    ])
    expect(calls[0]?.body).toStrictEqual({ prompt: 'A Renaissance painting style portrait', num_images: 2, image_size: 'landscape_4_3', seed: 42 })
    for (const call of calls) {
      expect(call.headers['authorization']).toBe(`Key ${KEY}`)
      expect(call.headers['accept']).toBe('application/json')
    }
    expect(calls[0]?.headers['content-type']).toBe('application/json')
    expect(events.map((e) => [e.type, e.position, e.progress])).toStrictEqual([
      ['submitted', undefined, undefined],
      ['queued', 2, undefined],
      ['queued', 1, undefined],
      ['running', undefined, undefined],
      ['completed', undefined, 1],
    ])
    for (const e of events) expect(e).toMatchObject({ provider: 'fal', model: 'fal-ai/flux/dev', jobId: ID })
    expect(response.count).toBe(2)
    expect(response.first()).toMatchObject({ url: 'https://v3.fal.media/files/koala/8teUPbRRMtAUTORDvqy0l.png', mimeType: 'image/png', seed: 42, width: 1024, height: 768 })
    expect(response.requestIds).toStrictEqual([ID])
    expect(response.warnings).toStrictEqual([])
    expect(response.provider).toBe('fal')
  })

  it('sends the seed id fal-ai/stable-diffusion-3 to fal-ai/stable-diffusion-v3-medium with its negative prompt', async () => {
    const { calls } = quickJob('fal-ai/stable-diffusion-v3-medium', { status: 200, body: result1() })
    const response = await client().generateImage({ model: 'fal-ai/stable-diffusion-3', prompt: 'p', negative_prompt: 'blurry', size: ImageSize.Landscape1792x1024 })
    expect(calls.map((c) => `${c.method} ${c.path}`)).toStrictEqual([
      'POST /fal-ai/stable-diffusion-v3-medium',
      `GET /fal-ai/stable-diffusion-v3-medium/requests/${ID}/status`,
      `GET /fal-ai/stable-diffusion-v3-medium/requests/${ID}`,
    ])
    expect(calls[0]?.body).toStrictEqual({ prompt: 'p', num_images: 1, image_size: { width: 1792, height: 1024 }, negative_prompt: 'blurry' })
    expect(response.model).toBe('fal-ai/stable-diffusion-3')
  })

  it('asks for sync_mode when base64 is wanted and decodes the data URI without a download', async () => {
    // A real 1x1 PNG: the core checks that data URIs decode to an image.
    const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=='
    const { calls } = quickJob('fal-ai/flux/schnell', { status: 200, body: result1({ images: [{ url: `data:image/png;base64,${png}`, width: 512, height: 512, content_type: 'image/png' }] }) })
    const response = await client().generateImage({ model: 'fal-ai/flux/schnell', prompt: 'p', size: '512x512', format: 'b64_json' })
    expect(calls[0]?.body).toStrictEqual({ prompt: 'p', num_images: 1, image_size: 'square', sync_mode: true })
    expect(response.first()?.b64_json).toBe(png)
  })

  it('drops a negative prompt on flux with a warning', async () => {
    const { calls } = quickJob('fal-ai/flux/dev', { status: 200, body: result1() })
    const response = await client().generateImage({ model: 'fal-ai/flux/dev', prompt: 'p', negative_prompt: 'blurry' })
    expect(calls[0]?.body).toStrictEqual({ prompt: 'p', num_images: 1 })
    expect(response.warnings).toMatchInlineSnapshot(`
      [
        {
          "message": "fal-ai/flux/dev ignores negative prompts; negative_prompt was not sent",
          "requested": "blurry",
          "setting": "negative_prompt",
          "type": "unsupported",
        },
      ]
    `)
  })

  it('forwards known provider options and warns about unknown ones', async () => {
    const { calls } = quickJob('fal-ai/flux/dev', { status: 200, body: result1() })
    const response = await client().generateImage({
      model: 'fal-ai/flux/dev',
      prompt: 'p',
      provider_options: { num_inference_steps: 12, enable_safety_checker: false, output_format: 'png', loras: [] },
    })
    expect(calls[0]?.body).toStrictEqual({ prompt: 'p', num_images: 1, num_inference_steps: 12, enable_safety_checker: false, output_format: 'png' })
    expect(response.warnings).toMatchObject([{ type: 'unsupported', setting: 'provider_options.loras' }])
  })

  it('maps an odd size onto the 16-pixel grid with a warning', async () => {
    const { calls } = quickJob('fal-ai/flux/dev', { status: 200, body: result1() })
    const response = await client().generateImage({ model: 'fal-ai/flux/dev', prompt: 'p', size: '1000x1000' })
    expect(calls[0]?.body).toMatchObject({ image_size: { width: 1008, height: 1008 } })
    expect(response.warnings[0]).toMatchObject({ type: 'mapped', setting: 'size', used: '1008x1008' })
  })

  it('builds subpath-free queue URLs when the submit answer has none, and never sends the key to another origin', async () => {
    const scope = nock(BASE)
      .post('/fal-ai/flux/dev')
      .reply(200, { status: 'IN_QUEUE', request_id: ID, status_url: `https://elsewhere.test/fal-ai/flux/requests/${ID}/status` })
      .get(`${APP}/status`)
      .reply(200, completed)
      .get(APP)
      .reply(200, result1())
    const calls = record(scope)
    await client().generateImage({ model: 'fal-ai/flux/dev', prompt: 'p' })
    expect(calls.map((c) => `${c.method} ${c.path}`)).toStrictEqual(['POST /fal-ai/flux/dev', `GET ${APP}/status`, `GET ${APP}`])
  })

  it('polls again after a 429 on the status request, then succeeds', async () => {
    const scope = nock(BASE)
      .post('/fal-ai/flux/dev')
      .reply(200, submitted())
      .get(`${APP}/status`)
      .reply(429, { detail: 'Too many requests' }, { 'retry-after-ms': '200' })
      .get(`${APP}/status`)
      .reply(200, completed)
      .get(APP)
      .reply(200, result1())
    const calls = record(scope)
    const response = await client().generateImage({ model: 'fal-ai/flux/dev', prompt: 'p' })
    expect(response.count).toBe(1)
    expect(calls).toHaveLength(4)
  })

  it('polls again when reading the result hits a 503, then succeeds', async () => {
    nock(BASE)
      .post('/fal-ai/flux/dev')
      .reply(200, submitted())
      .get(`${APP}/status`)
      .twice()
      .reply(200, completed)
      .get(APP)
      .reply(503, { detail: 'Runner disconnected', error_type: 'runner_disconnected' })
      .get(APP)
      .reply(200, result1())
    const response = await client().generateImage({ model: 'fal-ai/flux/dev', prompt: 'p' })
    expect(response.first()?.seed).toBe(7)
  })

  it('cancels the job remotely and throws AbortError when the caller aborts', async () => {
    const controller = new AbortController()
    const scope = nock(BASE)
      .post('/fal-ai/flux/dev')
      .reply(200, submitted())
      .get(`${APP}/status`)
      .reply(202, inProgress)
      .put(`${APP}/cancel`)
      .reply(202, { status: 'CANCELLATION_REQUESTED' })
    const calls = record(scope)
    const error = await client()
      .generateImage({ model: 'fal-ai/flux/dev', prompt: 'p' }, { signal: controller.signal, onProgress: (e) => e.type === 'running' && controller.abort() })
      .catch((e: unknown) => e)
    expect(error).toMatchObject({ name: 'AbortError', code: 'LLMKIT_ABORT' })
    // The remote cancel runs in the background (the caller is released at once): wait for it.
    await pendingCancellations()
    expect(calls.at(-1)).toMatchObject({ method: 'PUT', path: `${APP}/cancel`, headers: { authorization: `Key ${KEY}` } })
  })

  it('times out a job that never finishes with a TimeoutError naming the job id, after cancelling it', async () => {
    const scope = nock(BASE).post('/fal-ai/flux/dev').reply(200, submitted()).get(`${APP}/status`).times(1000).reply(202, inProgress).put(`${APP}/cancel`).reply(202, { status: 'CANCELLATION_REQUESTED' })
    const calls = record(scope)
    const error = await client({ jobTimeoutMs: 3_000 })
      .generateImage({ model: 'fal-ai/flux/dev', prompt: 'p' })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TimeoutError)
    expect((error as Error).message).toContain(ID)
    expect(error).toMatchObject({ requestId: ID, retryable: false })
    // The remote cancel runs in the background (the caller is released at once): wait for it.
    await pendingCancellations()
    expect(calls.at(-1)).toMatchObject({ method: 'PUT', path: `${APP}/cancel` })
  })

  it('treats 400 ALREADY_COMPLETED on cancel as done', async () => {
    nock(BASE).post('/fal-ai/flux/dev').reply(200, submitted()).get(`${APP}/status`).times(1000).reply(202, inQueue(0)).put(`${APP}/cancel`).reply(400, { status: 'ALREADY_COMPLETED' })
    await expect(client({ jobTimeoutMs: 1_000 }).generateImage({ model: 'fal-ai/flux/dev', prompt: 'p' })).rejects.toBeInstanceOf(TimeoutError)
    // The remote cancel runs in the background (the caller is released at once): wait for it.
    await pendingCancellations()
    expect(nock.pendingMocks().filter((m) => m.startsWith('PUT'))).toStrictEqual([])
  })
})

describe('unexpected answers', () => {
  it('a garbled status or result answer of an accepted job is read again, never submitted again', async () => {
    const scope = nock(BASE)
      .post('/fal-ai/flux/dev')
      .reply(200, submitted())
      .get(`${APP}/status`)
      .reply(200, { status: 7 })
      .get(`${APP}/status`)
      .reply(200, completed)
      .get(APP)
      .reply(200, { images: 'garbled' })
      .get(`${APP}/status`)
      .reply(200, completed)
      .get(APP)
      .reply(200, result1())
    const calls = record(scope)
    const response = await client().generateImage({ model: 'fal-ai/flux/dev', prompt: 'p' })
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(1)
    expect(calls).toHaveLength(6)
    expect(response.first()?.url).toBe('https://v3.fal.media/files/koala/a.png')
  })

  it('a 2xx submit answer without a request id is a non-retryable ProviderError that may have been charged', async () => {
    const scope = nock(BASE).post('/fal-ai/flux/dev').once().reply(200, { status: 'IN_QUEUE' })
    const error = (await client().generateImage({ model: 'fal-ai/flux/dev', prompt: 'p' }).catch((e: unknown) => e)) as LLMKitError
    expect(error).toBeInstanceOf(ProviderError)
    expect(error.retryable).toBe(false)
    expect(error.mayHaveBeenCharged).toBe(true)
    expect(scope.isDone()).toBe(true)
  })
})

describe('moderation and failed jobs', () => {
  it('turns has_nsfw_concepts into a ContentPolicyError by default, never a silent black image', async () => {
    quickJob('fal-ai/flux/dev', { status: 200, body: result1({ has_nsfw_concepts: [true] }) })
    const error = await client()
      .generateImage({ model: 'fal-ai/flux/dev', prompt: 'p' })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ContentPolicyError)
    expect((error as Error).message).toContain('1 of 1 image(s) were flagged')
  })

  it("keeps flagged images with a content warning under contentFilter: 'warn'", async () => {
    quickJob('fal-ai/flux/dev', {
      status: 200,
      body: result1({ images: [result1().images[0], result1().images[0]], has_nsfw_concepts: [false, true] }),
    })
    const response = await client({ contentFilter: 'warn' }).generateImage({ model: 'fal-ai/flux/dev', prompt: 'p', n: 2 })
    expect(response.count).toBe(2)
    expect(response.warnings).toMatchObject([{ type: 'content', message: expect.stringContaining('1 of 2 image(s)') }])
  })

  it.each([
    [500, { detail: 'CUDA out of memory', error_type: 'runner_server_error' }, JobFailedError, 'LLMKIT_JOB_FAILED', /job 764cabcf-b745-4b3e-ae38-1200304cf45b failed \(500\): CUDA out of memory/],
    [422, { detail: [{ loc: ['body', 'prompt'], msg: 'flagged by a content checker', type: 'content_policy_violation' }] }, ContentPolicyError, 'LLMKIT_CONTENT_POLICY', /blocked by the provider's safety system/],
    [422, { detail: [{ loc: ['body', 'image_size', 'width'], msg: 'Input should be a multiple of 8', type: 'multiple_of' }] }, InvalidRequestError, 'LLMKIT_INVALID_REQUEST', /image_size\.width/],
    [499, { detail: 'Request was cancelled', error_type: 'client_cancelled' }, JobFailedError, 'LLMKIT_JOB_FAILED', /failed \(499\)/],
  ] as const)('maps a COMPLETED job whose result is %i %j to %o', async (status, body, errorClass, code, message) => {
    quickJob('fal-ai/flux/dev', { status, body })
    const error = await client()
      .generateImage({ model: 'fal-ai/flux/dev', prompt: 'p' })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(errorClass)
    expect(error).toMatchObject({ code, retryable: false, provider: 'fal', model: 'fal-ai/flux/dev' })
    expect((error as Error).message).toMatch(message)
  })
})

describe('submit errors', () => {
  it.each([
    [422, { detail: [{ loc: ['body', 'num_images'], msg: 'Input should be less than or equal to 4', type: 'less_than_equal', ctx: { le: 4 } }] }, {}, InvalidRequestError, 'LLMKIT_INVALID_REQUEST', false],
    [401, { detail: 'No user found for Key ID and Secret' }, {}, AuthenticationError, 'LLMKIT_AUTHENTICATION', false],
    [403, { detail: 'User is locked. Reason: Exhausted balance. Top up your balance at fal.ai/dashboard/billing.' }, {}, RateLimitError, 'LLMKIT_RATE_LIMIT', false],
    [429, { detail: 'Rate limit exceeded' }, { 'retry-after': '2' }, RateLimitError, 'LLMKIT_RATE_LIMIT', true],
    [503, { detail: 'Runner scheduling failure', error_type: 'runner_scheduling_failure' }, {}, ProviderError, 'LLMKIT_PROVIDER', true],
    [503, { detail: 'Runner scheduling failure', error_type: 'runner_scheduling_failure' }, { 'x-fal-retryable': 'false' }, ProviderError, 'LLMKIT_PROVIDER', false],
    [504, { detail: 'Request timed out', error_type: 'request_timeout' }, { 'x-fal-request-timeout-type': 'user' }, ProviderError, 'LLMKIT_PROVIDER', false],
    [400, { detail: 'Bad request', error_type: 'bad_request' }, { 'x-fal-retryable': 'true' }, InvalidRequestError, 'LLMKIT_INVALID_REQUEST', true],
  ] as const)('maps %i %j (%j) to %o', async (status, body, headers, errorClass, code, retryable) => {
    nock(BASE)
      .post('/fal-ai/flux/dev')
      .reply(status, body, { 'x-fal-request-id': 'req-err', ...headers })
    const error = await client()
      .generateImage({ model: 'fal-ai/flux/dev', prompt: 'p' })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(errorClass)
    expect(error).toMatchObject({ code, retryable, status, provider: 'fal', model: 'fal-ai/flux/dev', requestId: 'req-err' })
    expect(LLMKitError.isInstance(error)).toBe(true)
    expect((error as Error).message).toMatch(/^fal fal-ai\/flux\/dev: /)
  })

  it('names the field fal blamed in a 422', async () => {
    nock(BASE)
      .post('/fal-ai/flux/dev')
      .reply(422, { detail: [{ loc: ['body', 'num_images'], msg: 'Input should be less than or equal to 4', type: 'less_than_equal' }] })
    await expect(client().generateImage({ model: 'fal-ai/flux/dev', prompt: 'p' })).rejects.toMatchObject({ param: 'num_images', providerCode: 'less_than_equal', message: expect.stringContaining('num_images: Input should be less than or equal to 4') })
  })

  it('names FAL_KEY in an auth error and never leaks the key', async () => {
    nock(BASE)
      .post('/fal-ai/flux/dev')
      .reply(401, { detail: `Invalid key ${KEY}` })
    const error = (await client()
      .generateImage({ model: 'fal-ai/flux/dev', prompt: 'p' })
      .catch((e: unknown) => e)) as LLMKitError
    expect(error.message).toContain('FAL_KEY')
    expect(JSON.stringify(error)).not.toContain(KEY)
    expect(error.body).not.toContain(KEY)
  })

  it('reads the key from FAL_API_KEY too (the seed documentation name)', async () => {
    const { calls } = quickJob('fal-ai/flux/dev', { status: 200, body: result1() })
    const c = new LLMKitClient({ providers: [fal()], env: { FAL_API_KEY: 'seed-key-0000', FAL_BASE_URL: BASE }, clock: fastClock() })
    await c.generateImage({ model: 'fal-ai/flux/dev', prompt: 'p' })
    expect(calls[0]?.headers['authorization']).toBe('Key seed-key-0000')
  })
})
