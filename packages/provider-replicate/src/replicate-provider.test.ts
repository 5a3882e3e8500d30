import { readFileSync } from 'node:fs'
import nock from 'nock'
import {
  AbortError,
  AuthenticationError,
  type Clock,
  ContentPolicyError,
  InvalidRequestError,
  JobFailedError,
  LLMKitClient,
  LLMKitError,
  ModelNotFoundError,
  type ProgressEvent,
  ProviderError,
  RateLimitError,
  TimeoutError,
  modelCapabilitiesSchema,
  resolveModel,
  pendingCancellations,
} from '@llmkit/core'
import { describe, expect, it } from 'vitest'
import { headersOf, useNock } from '../../../test/nock.js'
import { SDXL_VERSION, isPinnedVersion, openReplicateModel, replicate, replicateModels } from './index.js'

const BASE = 'https://api.replicate.test'
const TOKEN = 'r8_test0123456789abcdef'
const VERSION = 'a'.repeat(64)
const fixture = (name: string) => JSON.parse(readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8')) as Record<string, unknown>

/**
 * A virtual clock: time moves only when a sleep starts, straight to the earliest pending timer,
 * so the poll sequence and the job deadline play out at once and in the real order, while an
 * in-flight request never sees time pass.
 */
function fakeClock(): Clock & { slept: number[] } {
  let now = Date.parse('2026-01-10T12:00:00.000Z')
  const slept: number[] = []
  const timers = new Set<{ due: number; ms: number; fire: () => void }>()
  let scheduled = false
  const advance = () => {
    scheduled = false
    let next: { due: number; ms: number; fire: () => void } | undefined
    for (const t of timers) if (next === undefined || t.due < next.due) next = t
    if (next === undefined) return
    timers.delete(next)
    now = Math.max(now, next.due)
    slept.push(next.ms)
    next.fire()
  }
  return {
    slept,
    now: () => now,
    sleep: (ms: number, signal?: AbortSignal) =>
      new Promise<void>((resolve, reject) => {
        if (signal?.aborted) {
          reject(signal.reason)
          return
        }
        const onAbort = () => {
          timers.delete(timer)
          reject(signal?.reason)
        }
        const timer = {
          due: now + ms,
          ms,
          fire: () => {
            signal?.removeEventListener('abort', onAbort)
            resolve()
          },
        }
        signal?.addEventListener('abort', onAbort, { once: true })
        timers.add(timer)
        if (!scheduled) {
          scheduled = true
          setImmediate(advance)
        }
      }),
  }
}

function client(options: { plugin?: ReturnType<typeof replicate>; clock?: Clock; jobTimeoutMs?: number } = {}) {
  return new LLMKitClient({
    providers: [options.plugin ?? replicate()],
    env: { REPLICATE_API_TOKEN: TOKEN, REPLICATE_BASE_URL: `${BASE}/v1` },
    clock: options.clock ?? fakeClock(),
    jobTimeoutMs: options.jobTimeoutMs,
    retry: false,
  })
}

function prediction(id: string, status: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id, model: 'm/n', version: 'hidden', input: {}, logs: '', output: null, error: null, status, created_at: '2026-01-10T12:00:00.000Z', urls: {}, ...extra }
}

interface Seen {
  method: string
  path: string | undefined
  body: unknown
  headers: Record<string, string>
}

/** Records every request nock sees, in order. */
function record(scope: nock.Scope, seen: Seen[]): void {
  scope.on('request', (req: { method: string; path?: string; url?: string; headers: Record<string, string> | Headers }, _interceptor: unknown, body: string) => {
    const h = req.headers
    const path = req.path ?? new URL(req.url ?? '/', BASE).pathname
    const headers = headersOf(h)
    seen.push({ method: req.method, path, body: body ? JSON.parse(body) : undefined, headers })
  })
}

useNock()

describe('capability table', () => {
  it('parses every row with the ModelCapabilities schema and has unique, namespaced ids', () => {
    for (const row of replicateModels) expect(modelCapabilitiesSchema.safeParse(row).success).toBe(true)
    const ids = replicateModels.map((m) => m.id)
    expect(new Set(ids).size).toBe(ids.length)
    for (const id of ids) expect(id).toMatch(/^[\w.-]+\/[\w.-]+$/)
  })

  it('declares the true inputs: flux takes aspect ratios and 4 outputs, sdxl width/height and a negative prompt', () => {
    const row = (id: string) => replicateModels.find((m) => m.id === id)!
    expect(row('black-forest-labs/flux-schnell').sizes.kind).toBe('aspect')
    expect(row('black-forest-labs/flux-schnell').maxImagesPerCall).toBe(4)
    expect(row('black-forest-labs/flux-1.1-pro').maxImagesPerCall).toBe(1)
    expect(row('stability-ai/sdxl').sizes).toMatchObject({ kind: 'range', step: 8 })
    expect(row('stability-ai/sdxl').negativePrompt).toBe(true)
    expect(row('stability-ai/sdxl').wireId).toBe(`stability-ai/sdxl:${SDXL_VERSION}`)
    for (const m of replicateModels) expect(m.formats).toStrictEqual(['url'])
  })

  it('claims only pinned versions, and opens any owner/name behind the replicate: prefix', () => {
    expect(isPinnedVersion(`someone/model:${VERSION}`)).toBe(true)
    expect(isPinnedVersion('someone/model')).toBe(false)
    expect(isPinnedVersion('fal-ai/flux/dev')).toBe(false)
    expect(openReplicateModel('not a model')).toBeUndefined()
    const plugins = [replicate()]
    expect(resolveModel(plugins, 'replicate:black-forest-labs/flux-schnell').modelId).toBe('black-forest-labs/flux-schnell')
    expect(resolveModel(plugins, 'replicate:someone/model').capabilities).toMatchObject({ maxImagesPerCall: 1, mode: 'async', formats: ['url'] })
    expect(resolveModel(plugins, `someone/model:${VERSION}`).modelId).toBe(`someone/model:${VERSION}`)
    expect(() => resolveModel(plugins, 'someone/model')).toThrow(ModelNotFoundError)
  })

  it('declares the documented create rate limit and rejects a bad waitSeconds', () => {
    expect(replicate().rateLimit).toStrictEqual({ requests: 600, intervalMs: 60_000 })
    expect(replicate().envKeys).toStrictEqual(['REPLICATE_API_TOKEN'])
    expect(replicate().baseUrlEnv).toStrictEqual(['REPLICATE_BASE_URL'])
    expect(() => replicate({ waitSeconds: 0 })).toThrow(/waitSeconds/)
    expect(() => replicate({ waitSeconds: 61 })).toThrow(TypeError)
  })
})

describe('official model predictions', () => {
  it('sends the exact flux-schnell body and headers, and returns a finished Prefer: wait answer without polling', async () => {
    const seen: Seen[] = []
    const scope = nock(BASE).post('/v1/models/black-forest-labs/flux-schnell/predictions').reply(201, fixture('flux-schnell-succeeded.json'))
    record(scope, seen)
    const events: ProgressEvent[] = []
    const response = await client().generateImage(
      { model: 'black-forest-labs/flux-schnell', prompt: 'A lighthouse at dusk', n: 2, size: '1792x1024', seed: 42 },
      { onProgress: (e) => events.push(e) },
    )
    expect(seen).toHaveLength(1)
    expect(seen[0]!.body).toStrictEqual({ input: { prompt: 'A lighthouse at dusk', num_outputs: 2, aspect_ratio: '16:9', seed: 42, output_format: 'png' } })
    expect(seen[0]!.headers['authorization']).toBe(`Bearer ${TOKEN}`)
    expect(seen[0]!.headers['prefer']).toBe('wait=5')
    expect(seen[0]!.headers['content-type']).toBe('application/json')
    expect(response.count).toBe(2)
    expect(response.images.map((i) => i.url)).toStrictEqual(['https://replicate.delivery/xezq/abc123/out-0.png', 'https://replicate.delivery/xezq/abc123/out-1.png'])
    expect(response.first()?.mimeType).toBe('image/png')
    expect(response.first()?.expiresAt).toBeInstanceOf(Date)
    expect(response.requestIds).toStrictEqual(['gm3qorzdhgbfurvjtvhg6dckhu'])
    expect(response.warnings).toMatchInlineSnapshot(`
      [
        {
          "message": "black-forest-labs/flux-schnell takes aspect ratios only (1:1, 16:9, 21:9, 3:2, 2:3, 4:5, 5:4, 3:4, 4:3, 9:16, 9:21): used 16:9 instead of 1792x1024",
          "requested": "1792x1024",
          "setting": "size",
          "type": "mapped",
          "used": "16:9",
        },
      ]
    `)
    expect(events.map((e) => e.type)).toStrictEqual(['submitted', 'completed'])
  })

  it('resolves replicate:<table id> and sends a provider option as given (output_format beats the png default)', async () => {
    const seen: Seen[] = []
    const scope = nock(BASE)
      .post('/v1/models/black-forest-labs/flux-dev/predictions')
      .reply(201, prediction('p1', 'succeeded', { output: ['https://replicate.delivery/a/out-0.webp'] }))
    record(scope, seen)
    const response = await client().generateImage({ model: 'replicate:black-forest-labs/flux-dev', prompt: 'p', provider_options: { output_format: 'webp', guidance: 3.5 } })
    expect(seen[0]!.body).toStrictEqual({ input: { prompt: 'p', num_outputs: 1, output_format: 'webp', guidance: 3.5 } })
    expect(response.first()?.mimeType).toBe('image/webp')
    expect(response.model).toBe('black-forest-labs/flux-dev')
  })

  it('maps a single-URL output (flux-1.1-pro) and never sends num_outputs to a one-image model', async () => {
    const seen: Seen[] = []
    const scope = nock(BASE)
      .post('/v1/models/black-forest-labs/flux-1.1-pro/predictions')
      .reply(201, prediction('p2', 'succeeded', { output: 'https://replicate.delivery/b/output.png', logs: 'Using seed: 777\n' }))
    record(scope, seen)
    const response = await client().generateImage({ model: 'black-forest-labs/flux-1.1-pro', prompt: 'p', size: '1024x1024' })
    expect(seen[0]!.body).toStrictEqual({ input: { prompt: 'p', aspect_ratio: '1:1', output_format: 'png' } })
    expect(response.count).toBe(1)
    expect(response.first()?.url).toBe('https://replicate.delivery/b/output.png')
    expect(response.first()?.seed).toBe(777)
  })

  it('sends Recraft sizes as its size enum and its style as a provider option', async () => {
    const seen: Seen[] = []
    const scope = nock(BASE).post('/v1/models/recraft-ai/recraft-v3/predictions').reply(201, prediction('p3', 'succeeded', { output: 'https://replicate.delivery/c/out.webp' }))
    record(scope, seen)
    await client().generateImage({ model: 'recraft-ai/recraft-v3', prompt: 'p', size: '1536x1024', provider_options: { style: 'digital_illustration' } })
    expect(seen[0]!.body).toStrictEqual({ input: { prompt: 'p', size: '1536x1024', style: 'digital_illustration' } })
  })

  it('sends an Ideogram negative prompt and seed', async () => {
    const seen: Seen[] = []
    const scope = nock(BASE).post('/v1/models/ideogram-ai/ideogram-v2/predictions').reply(201, prediction('p4', 'succeeded', { output: 'https://replicate.delivery/d/out.png' }))
    record(scope, seen)
    await client().generateImage({ model: 'ideogram-ai/ideogram-v2', prompt: 'p', negative_prompt: 'blurry', seed: 7, size: '1024x768' })
    expect(seen[0]!.body).toStrictEqual({ input: { prompt: 'p', aspect_ratio: '4:3', negative_prompt: 'blurry', seed: 7 } })
  })

  it('sends SD 3.5 Large Turbo its negative prompt as negative_prompt, with no warning', async () => {
    const seen: Seen[] = []
    const scope = nock(BASE)
      .post('/v1/models/stability-ai/stable-diffusion-3.5-large-turbo/predictions')
      .reply(201, prediction('p4t', 'succeeded', { output: ['https://replicate.delivery/t/out.png'] }))
    record(scope, seen)
    const response = await client().generateImage({ model: 'stability-ai/stable-diffusion-3.5-large-turbo', prompt: 'p', negative_prompt: 'blurry', seed: 5, aspect_ratio: '16:9' })
    expect(seen[0]!.body).toStrictEqual({ input: { prompt: 'p', aspect_ratio: '16:9', negative_prompt: 'blurry', seed: 5, output_format: 'png' } })
    expect(response.warnings).toStrictEqual([])
  })

  // The current versions' input schemas list negative_prompt (replicate.com/.../versions/feb36d70… and 1323a3a6…/api).
  it.each(['stability-ai/stable-diffusion-3.5-large', 'stability-ai/stable-diffusion-3.5-medium'])('sends %s its negative prompt as negative_prompt, with no warning', async (model) => {
    const seen: Seen[] = []
    const scope = nock(BASE).post(`/v1/models/${model}/predictions`).reply(201, prediction('p4n', 'succeeded', { output: ['https://replicate.delivery/n/out.png'] }))
    record(scope, seen)
    const response = await client().generateImage({ model, prompt: 'p', negative_prompt: 'blurry', aspect_ratio: '2:3' })
    expect(seen[0]!.body).toStrictEqual({ input: { prompt: 'p', aspect_ratio: '2:3', negative_prompt: 'blurry', output_format: 'png' } })
    expect(response.warnings).toStrictEqual([])
  })

  it('warns about an unknown provider option and does not send it', async () => {
    const seen: Seen[] = []
    const scope = nock(BASE).post('/v1/models/black-forest-labs/flux-schnell/predictions').reply(201, prediction('p5', 'succeeded', { output: ['https://replicate.delivery/e/out-0.png'] }))
    record(scope, seen)
    const response = await client().generateImage({ model: 'black-forest-labs/flux-schnell', prompt: 'p', provider_options: { colour: 'red' } })
    expect(seen[0]!.body).toStrictEqual({ input: { prompt: 'p', num_outputs: 1, output_format: 'png' } })
    expect(response.warnings.map((w) => w.type)).toStrictEqual(['unsupported'])
  })

  it('takes a held create that answers processing with every file already in output as finished', async () => {
    const seen: Seen[] = []
    const scope = nock(BASE)
      .post('/v1/models/black-forest-labs/flux-schnell/predictions')
      .reply(201, prediction('p10', 'processing', { output: ['https://replicate.delivery/i/out-0.png', 'https://replicate.delivery/i/out-1.png'] }))
    record(scope, seen)
    const response = await client().generateImage({ model: 'black-forest-labs/flux-schnell', prompt: 'p', n: 2 })
    expect(seen).toHaveLength(1)
    expect(response.count).toBe(2)
  })

  it('omits Prefer with waitSeconds: false', async () => {
    const seen: Seen[] = []
    const scope = nock(BASE).post('/v1/models/black-forest-labs/flux-schnell/predictions').reply(201, prediction('p6', 'succeeded', { output: ['https://replicate.delivery/f/out-0.png'] }))
    record(scope, seen)
    await client({ plugin: replicate({ waitSeconds: false }) }).generateImage({ model: 'black-forest-labs/flux-schnell', prompt: 'p' })
    expect(seen[0]!.headers['prefer']).toBeUndefined()
  })
})

describe('version predictions and polling', () => {
  it('creates sdxl with its version, polls GET /predictions/{id} until done, and emits progress in order', async () => {
    const seen: Seen[] = []
    const id = 'rrg2d7kcndrgc0cm0x7rdw8a1m'
    const scope = nock(BASE)
      .post('/v1/predictions')
      .reply(201, fixture('sdxl-starting.json'))
      .get(`/v1/predictions/${id}`)
      .reply(200, prediction(id, 'starting'))
      .get(`/v1/predictions/${id}`)
      .reply(200, prediction(id, 'processing', { logs: 'Using seed: 9\n 50%|█████     | 25/50\n' }))
      .get(`/v1/predictions/${id}`)
      .reply(200, prediction(id, 'succeeded', { output: ['https://replicate.delivery/g/out-0.png', 'https://replicate.delivery/g/out-1.png', 'https://replicate.delivery/g/out-2.png'] }))
    record(scope, seen)
    const events: ProgressEvent[] = []
    const clock = fakeClock()
    const response = await client({ clock }).generateImage(
      { model: 'stability-ai/sdxl', prompt: 'An astronaut', n: 3, size: '1000x750', negative_prompt: 'blurry', seed: 9 },
      { onProgress: (e) => events.push(e) },
    )
    expect(seen.map((s) => `${s.method} ${s.path}`)).toStrictEqual(['POST /v1/predictions', `GET /v1/predictions/${id}`, `GET /v1/predictions/${id}`, `GET /v1/predictions/${id}`])
    expect(seen[0]!.body).toStrictEqual({
      version: SDXL_VERSION,
      input: { prompt: 'An astronaut', num_outputs: 3, width: 1000, height: 752, negative_prompt: 'blurry', seed: 9 },
    })
    expect(seen[1]!.headers['authorization']).toBe(`Bearer ${TOKEN}`)
    expect(seen[1]!.headers['prefer']).toBeUndefined()
    expect(events.map((e) => [e.type, e.progress])).toStrictEqual([
      ['submitted', undefined],
      ['queued', undefined],
      ['running', 0.5],
      ['completed', 1],
    ])
    // The running event carries the last log line as Replicate reported it.
    expect(events.find((e) => e.type === 'running')?.message).toBe('50%|█████     | 25/50')
    expect(events.every((e) => e.jobId === id)).toBe(true)
    expect(clock.slept[0]).toBe(500)
    expect(response.count).toBe(3)
    expect(response.first()?.seed).toBeUndefined()
  })

  it('sends a claimed pinned version of any model to POST /predictions', async () => {
    const seen: Seen[] = []
    const scope = nock(BASE).post('/v1/predictions').reply(201, prediction('p7', 'succeeded', { output: 'data:image/png;base64,iVBORw0KGgo=' }))
    record(scope, seen)
    const response = await client().generateImage({ model: `someone/model:${VERSION}`, prompt: 'p', size: '512x512' })
    expect(seen[0]!.body).toStrictEqual({ version: VERSION, input: { prompt: 'p', width: 512, height: 512 } })
    expect(response.first()?.url).toBe('data:image/png;base64,iVBORw0KGgo=')
  })

  it('sends an open owner/name to the official-model path with only the prompt', async () => {
    const seen: Seen[] = []
    const scope = nock(BASE).post('/v1/models/someone/model/predictions').reply(201, prediction('p8', 'succeeded', { output: ['https://replicate.delivery/h/1.jpg'] }))
    record(scope, seen)
    const response = await client().generateImage({ model: 'replicate:someone/model', prompt: 'p' })
    expect(seen[0]!.body).toStrictEqual({ input: { prompt: 'p' } })
    expect(response.first()?.mimeType).toBe('image/jpeg')
    expect(response.model).toBe('someone/model')
  })

  it('cancels the prediction remotely when the caller aborts during the job', async () => {
    const seen: Seen[] = []
    const scope = nock(BASE)
      .post('/v1/models/black-forest-labs/flux-dev/predictions')
      .reply(201, prediction('p9', 'processing'))
      .get('/v1/predictions/p9')
      .reply(200, prediction('p9', 'processing', { logs: '10%|█         | 3/28\n' }))
      .post('/v1/predictions/p9/cancel')
      .reply(200, prediction('p9', 'canceled'))
    record(scope, seen)
    const controller = new AbortController()
    const run = client().generateImage(
      { model: 'black-forest-labs/flux-dev', prompt: 'p' },
      { signal: controller.signal, onProgress: (e) => e.progress === 0.1 && controller.abort() },
    )
    await expect(run).rejects.toBeInstanceOf(AbortError)
    // The remote cancel runs in the background (the caller is released at once): wait for it.
    await pendingCancellations()
    expect(seen.map((s) => `${s.method} ${s.path}`)).toStrictEqual([
      'POST /v1/models/black-forest-labs/flux-dev/predictions',
      'GET /v1/predictions/p9',
      'POST /v1/predictions/p9/cancel',
    ])
    expect(seen[2]!.headers['authorization']).toBe(`Bearer ${TOKEN}`)
  })

  it('gives up a job that never finishes with a TimeoutError naming the prediction id, and cancels it', async () => {
    const seen: Seen[] = []
    const scope = nock(BASE)
      .post('/v1/models/black-forest-labs/flux-schnell/predictions')
      .reply(201, prediction('stuck1', 'processing'))
      .get('/v1/predictions/stuck1')
      .times(100)
      .reply(200, prediction('stuck1', 'processing'))
      .post('/v1/predictions/stuck1/cancel')
      .reply(200, prediction('stuck1', 'canceled'))
    record(scope, seen)
    const error = await client({ jobTimeoutMs: 3_000 })
      .generateImage({ model: 'black-forest-labs/flux-schnell', prompt: 'p' })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TimeoutError)
    expect((error as TimeoutError).message).toContain('stuck1')
    // The remote cancel runs in the background (the caller is released at once): wait for it.
    await pendingCancellations()
    expect(seen.at(-1)).toMatchObject({ method: 'POST', path: '/v1/predictions/stuck1/cancel' })
  })

  it.each([
    ['a model error', 'failed', 'Prediction failed: CUDA error: out of memory', JobFailedError, /CUDA error/],
    ['an NSFW refusal', 'failed', 'NSFW content detected. Try running it again, or try a different prompt.', ContentPolicyError, /safety checker/],
    ['an aborted prediction', 'aborted', null, JobFailedError, /aborted/],
    ['a cancel from elsewhere', 'canceled', null, JobFailedError, /canceled outside this call/],
  ])('ends with %s as the right error class', async (_name, status, message, Class, pattern) => {
    nock(BASE)
      .post('/v1/models/black-forest-labs/flux-schnell/predictions')
      .reply(201, prediction('f1', 'starting'))
      .get('/v1/predictions/f1')
      .reply(200, prediction('f1', status, { error: message }))
    const error = await client()
      .generateImage({ model: 'black-forest-labs/flux-schnell', prompt: 'p' })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(Class)
    expect((error as LLMKitError).message).toMatch(pattern)
    expect((error as LLMKitError).message).toContain('f1')
    expect((error as LLMKitError).retryable).toBe(false)
  })

  it('fails clearly when a succeeded prediction has no image output', async () => {
    nock(BASE).post('/v1/models/black-forest-labs/flux-schnell/predictions').reply(201, prediction('f2', 'succeeded', { output: null, data_removed: true }))
    await expect(client().generateImage({ model: 'black-forest-labs/flux-schnell', prompt: 'p' })).rejects.toThrow(/already removed/)
  })
})

describe('unexpected answers', () => {
  it('a garbled status answer of an accepted prediction is polled again, never submitted again', async () => {
    const seen: Seen[] = []
    const id = 'garbled1'
    const scope = nock(BASE)
      .post('/v1/predictions')
      .reply(201, prediction(id, 'starting'))
      .get(`/v1/predictions/${id}`)
      .reply(200, { status: 42 })
      .get(`/v1/predictions/${id}`)
      .reply(200, '<html>oops</html>')
      .get(`/v1/predictions/${id}`)
      .reply(200, prediction(id, 'succeeded', { output: ['https://replicate.delivery/g/out-0.png'] }))
    record(scope, seen)
    const response = await client().generateImage({ model: `someone/model:${VERSION}`, prompt: 'p' })
    expect(seen.filter((s) => s.method === 'POST')).toHaveLength(1)
    expect(seen).toHaveLength(4)
    expect(response.first()?.url).toBe('https://replicate.delivery/g/out-0.png')
  })

  it('a 2xx create answer without a readable prediction is a non-retryable ProviderError that may have been charged', async () => {
    const scope = nock(BASE).post('/v1/predictions').once().reply(201, { hello: 'world' })
    const retrying = new LLMKitClient({ providers: [replicate()], env: { REPLICATE_API_TOKEN: TOKEN, REPLICATE_BASE_URL: `${BASE}/v1` }, clock: fakeClock(), retry: { maxRetries: 3 } })
    const error = (await retrying.generateImage({ model: `someone/model:${VERSION}`, prompt: 'p' }).catch((e: unknown) => e)) as LLMKitError
    expect(error).toBeInstanceOf(ProviderError)
    expect(error.retryable).toBe(false)
    expect(error.mayHaveBeenCharged).toBe(true)
    expect(error.message).toMatch(/accepted the job but its answer has no readable job id/)
    expect(scope.isDone()).toBe(true)
  })

  it('never lets a num_outputs provider option override n', async () => {
    const seen: Seen[] = []
    const scope = nock(BASE)
      .post('/v1/models/black-forest-labs/flux-schnell/predictions')
      .reply(201, prediction('p1', 'succeeded', { output: ['https://replicate.delivery/a.webp'] }))
    record(scope, seen)
    const response = await client().generateImage({ model: 'black-forest-labs/flux-schnell', prompt: 'p', provider_options: { num_outputs: 4 } })
    expect((seen[0]!.body as { input: Record<string, unknown> }).input['num_outputs']).toBe(1)
    expect(response.count).toBe(1)
    expect(response.warnings.some((w) => w.setting === 'provider_options.num_outputs')).toBe(true)
  })
})

describe('error mapping', () => {
  const problem = (status: number, title: string, detail: string, extra: Record<string, unknown> = {}) => ({ title, detail, status, ...extra })
  it.each([
    [401, problem(401, 'Unauthenticated', 'You did not pass a valid authentication token'), {}, AuthenticationError, 'LLMKIT_AUTHENTICATION', undefined],
    [402, problem(402, 'Insufficient credit', 'You have insufficient credit to run this model.'), {}, RateLimitError, 'LLMKIT_RATE_LIMIT', undefined],
    [404, problem(404, 'Not found', 'The requested resource could not be found.'), {}, ModelNotFoundError, 'LLMKIT_MODEL_NOT_FOUND', undefined],
    [
      422,
      problem(422, 'Input validation failed', '- input.num_outputs: Must be less than or equal to 4\n', { invalid_fields: [{ type: 'less_than_equal', field: 'input.num_outputs', description: 'Must be less than or equal to 4' }] }),
      {},
      InvalidRequestError,
      'LLMKIT_INVALID_REQUEST',
      'num_outputs',
    ],
    [422, problem(422, 'Invalid version or not permitted', "The specified version does not exist (or perhaps you don't have permission to use it?)"), {}, ModelNotFoundError, 'LLMKIT_MODEL_NOT_FOUND', undefined],
    [429, { detail: 'Request was throttled. Expected available in 1 second.' }, { 'retry-after': '1' }, RateLimitError, 'LLMKIT_RATE_LIMIT', undefined],
    [500, 'upstream connect error', {}, ProviderError, 'LLMKIT_PROVIDER', undefined],
  ] as const)('maps %i to its class', async (status, body, headers, Class, code, param) => {
    nock(BASE)
      .post('/v1/models/black-forest-labs/flux-schnell/predictions')
      .reply(status, body as nock.Body, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/problem+json', ...headers })
    const error = await client()
      .generateImage({ model: 'black-forest-labs/flux-schnell', prompt: 'p' })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(Class)
    expect((error as LLMKitError).code).toBe(code)
    expect((error as LLMKitError).status).toBe(status)
    expect((error as LLMKitError).message).not.toContain(TOKEN)
    if (param) expect((error as LLMKitError).param).toBe(param)
    if (status === 429) {
      expect((error as LLMKitError).retryAfterMs).toBe(1000)
      expect((error as LLMKitError).message).toContain('Request was throttled')
    }
    if (status === 401) expect((error as LLMKitError).message).toContain('REPLICATE_API_TOKEN')
  })
})
