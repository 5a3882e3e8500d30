import { readFileSync } from 'node:fs'
import nock from 'nock'
import {
  AuthenticationError,
  ContentPolicyError,
  InvalidRequestError,
  JobFailedError,
  LLMKitClient,
  LLMKitError,
  ProviderError,
  RateLimitError,
  modelCapabilitiesSchema,
  type ProgressEvent,
  pendingCancellations,
} from '@llmkit/core'
import { describe, expect, it } from 'vitest'
import { headersOf, useNock } from '../../../test/nock.js'
import { png } from '../../core/src/inputs/__fixtures__/images.js'
import { runway, runwayModels } from './index.js'

const BASE = 'https://api.runway.test'
const KEY = `key_${'ab'.repeat(64)}`
const TASK = '17f20503-6c24-4c16-946b-35dbbce2af2f'
const fixture = (name: string) => JSON.parse(readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8')) as Record<string, unknown>

function client(options: { env?: Record<string, string>; unsupported?: 'warn' | 'error' } = {}) {
  return new LLMKitClient({
    // 1 ms between polls: production uses 5 s, which a unit test need not wait for.
    providers: [runway({ pollIntervalMs: 1 })],
    env: { RUNWAYML_API_SECRET: KEY, RUNWAYML_BASE_URL: BASE, ...options.env },
    unsupported: options.unsupported,
  })
}

interface Seen {
  method: string
  path: string
  headers: Record<string, string>
  body: unknown
}

/** Records every request a nock scope answers, in order. */
function record(scope: nock.Scope): Seen[] {
  const seen: Seen[] = []
  scope.on('request', (req: { method: string; path?: string; url?: string; headers: Record<string, string> | Headers }, _interceptor: unknown, body: string) => {
    const h = req.headers
    const path = req.path ?? new URL(req.url ?? '/', BASE).pathname
    const headers = headersOf(h)
    seen.push({ method: req.method, path, headers, body: body ? (JSON.parse(body) as unknown) : undefined })
  })
  return seen
}

const task = (status: string, extra: Record<string, unknown> = {}) => ({ id: TASK, createdAt: '2025-06-01T12:00:00.000Z', status, ...extra })

/** Submit answers with TASK, then each poll gets the next task object. */
function taskScope(polls: unknown[]) {
  const scope = nock(BASE).post('/v1/text_to_image').reply(200, { id: TASK })
  for (const body of polls) scope.get(`/v1/tasks/${TASK}`).reply(200, body as nock.Body)
  return { scope, seen: record(scope) }
}

const succeeded = () => fixture('task-succeeded.json')

useNock()

describe('plugin', () => {
  it('names the official key variable first, then RUNWAY_API_KEY, and the dev API host', () => {
    const plugin = runway()
    expect(plugin.id).toBe('runway')
    expect(plugin.envKeys).toStrictEqual(['RUNWAYML_API_SECRET', 'RUNWAY_API_KEY'])
    expect(plugin.baseUrlEnv).toStrictEqual(['RUNWAYML_BASE_URL', 'RUNWAY_BASE_URL'])
    expect(plugin.defaultBaseUrl).toBe('https://api.dev.runwayml.com')
  })

  it.each([[{ pollIntervalMs: 0 }], [{ pollIntervalMs: Number.NaN }], [{ maxPollIntervalMs: -1 }], [{ pollIntervalMs: 100, maxPollIntervalMs: 50 }]])('rejects polling options %j', (options) => {
    expect(() => runway(options)).toThrow(TypeError)
  })

  it('reads RUNWAY_API_KEY when RUNWAYML_API_SECRET is not set', async () => {
    const { seen } = taskScope([succeeded()])
    const c = new LLMKitClient({ providers: [runway({ pollIntervalMs: 1 })], env: { RUNWAY_API_KEY: KEY, RUNWAY_BASE_URL: BASE } })
    await c.generateImage({ model: 'gen4_image', prompt: 'p' })
    expect(seen[0]?.headers['authorization']).toBe(`Bearer ${KEY}`)
  })
})

describe('capability table', () => {
  it('parses every row with the ModelCapabilities schema and has unique ids', () => {
    for (const row of runwayModels) expect(modelCapabilitiesSchema.safeParse(row).success).toBe(true)
    const ids = runwayModels.map((m) => m.id)
    expect(new Set(ids).size).toBe(ids.length)
  })

  it('declares one image per task for gen4, gemini and the models without a documented outputCount bound, ten for gpt_image_2 and 2_5, and URLs only', () => {
    const max = Object.fromEntries(runwayModels.map((m) => [m.id, m.maxImagesPerCall]))
    expect(max).toStrictEqual({
      gen4_image: 1,
      gen4_image_turbo: 1,
      gpt_image_2: 10,
      gpt_image_2_5_flare: 10,
      gpt_image_2_5_sunburst: 10,
      muse_image: 1,
      seedream5_pro: 1,
      seedream5_lite: 1,
      grok_imagine_image_2: 1,
      gemini_image3_pro: 1,
      'gemini_image3.1_flash': 1,
      'gemini_2.5_flash': 1,
    })
    for (const m of runwayModels) expect(m.formats).toStrictEqual(['url'])
  })

  it('needs an input image on gen4_image_turbo only (imageInputs.textToImage false), and no required provider option any more', () => {
    expect(runwayModels.filter((m) => m.imageInputs?.textToImage === false).map((m) => m.id)).toStrictEqual(['gen4_image_turbo'])
    expect(runwayModels.filter((m) => 'requiredProviderOptions' in m)).toStrictEqual([])
  })
})

describe('submit and poll', () => {
  it('sends the exact gen4_image body and headers, then polls PENDING, THROTTLED, RUNNING until SUCCEEDED', async () => {
    const { seen } = taskScope([task('PENDING'), task('THROTTLED'), task('RUNNING', { progress: 0.25 }), task('RUNNING', { progress: 0.75 }), succeeded()])
    const events: ProgressEvent[] = []
    const response = await client().generateImage(
      { model: 'gen4_image', prompt: 'A lighthouse at dusk', size: '1920x1080', seed: 42, provider_options: { contentModeration: { publicFigureThreshold: 'low' } } },
      { onProgress: (e) => events.push(e) },
    )
    expect(seen.map((s) => `${s.method} ${s.path}`)).toStrictEqual([
      'POST /v1/text_to_image',
      ...Array.from({ length: 5 }, () => `GET /v1/tasks/${TASK}`),
    ])
    expect(seen[0]?.body).toStrictEqual({
      model: 'gen4_image',
      promptText: 'A lighthouse at dusk',
      ratio: '1920:1080',
      seed: 42,
      contentModeration: { publicFigureThreshold: 'low' },
    })
    for (const s of seen) {
      expect(s.headers['authorization']).toBe(`Bearer ${KEY}`)
      expect(s.headers['x-runway-version']).toBe('2024-11-06')
    }
    expect(seen[0]?.headers['content-type']).toBe('application/json')
    expect(events.map((e) => e.type)).toStrictEqual(['submitted', 'queued', 'running', 'running', 'completed'])
    expect(events.filter((e) => e.type === 'running').map((e) => e.progress)).toStrictEqual([0.25, 0.75])
    expect(events.every((e) => e.jobId === TASK && e.provider === 'runway' && e.model === 'gen4_image')).toBe(true)
    const image = response.first()
    expect(image?.url).toBe('https://dnznrvs05pmza.cloudfront.net/output/17f20503.png?_jwt=abc')
    expect(image?.seed).toBe(42)
    expect(image?.expiresAt).toBeInstanceOf(Date)
    expect(response.warnings).toStrictEqual([])
    expect(response.requestIds).toStrictEqual([TASK])
    expect(response.provider).toBe('runway')
  })

  it('keeps polling through a status it does not know yet', async () => {
    const { seen } = taskScope([task('WARMING_UP'), succeeded()])
    const response = await client().generateImage({ model: 'gen4_image', prompt: 'p' })
    expect(seen.filter((s) => s.method === 'GET')).toHaveLength(2)
    expect(response.count).toBe(1)
  })

  it('sends an exact ratio as W:H without a warning', async () => {
    const { seen } = taskScope([succeeded()])
    const response = await client().generateImage({ model: 'gen4_image', prompt: 'p', size: '720x1280' })
    expect((seen[0]?.body as Record<string, unknown>)['ratio']).toBe('720:1280')
    expect(response.warnings).toStrictEqual([])
  })

  it('maps 1792x1024 to the nearest gen4 ratio 1920:1080 and warns', async () => {
    const { seen } = taskScope([succeeded()])
    const response = await client().generateImage({ model: 'gen4_image', prompt: 'p', size: '1792x1024' })
    expect((seen[0]?.body as Record<string, unknown>)['ratio']).toBe('1920:1080')
    expect(response.warnings).toMatchObject([{ type: 'mapped', setting: 'size', requested: '1792x1024', used: '1920x1080' }])
  })

  it('uses 1024:1024 when the request gives no size', async () => {
    const { seen } = taskScope([succeeded()])
    await client().generateImage({ model: 'gen4_image', prompt: 'p' })
    expect(seen[0]?.body).toStrictEqual({ model: 'gen4_image', promptText: 'p', ratio: '1024:1024' })
  })

  it('sends a with_image() reference to gen4_image_turbo, tagged from reference_tags', async () => {
    const { seen } = taskScope([succeeded()])
    const image = png(8, 8)
    await client().generateImage({ model: 'gen4_image_turbo', prompt: '@cat on a beach', size: '1280x720', images: [image], provider_options: { reference_tags: ['cat'] } })
    expect(seen[0]?.body).toStrictEqual({
      model: 'gen4_image_turbo',
      promptText: '@cat on a beach',
      ratio: '1280:720',
      referenceImages: [{ uri: `data:image/png;base64,${Buffer.from(image).toString('base64')}`, tag: 'cat' }],
    })
  })

  // gen4_image_turbo needs an image (imageInputs.textToImage false): the raw provider option alone
  // is no longer enough, and the error names the new way.
  it.each([[{}], [{ referenceImages: [{ uri: 'https://example.com/cat.png', tag: 'cat' }] }]])('rejects gen4_image_turbo without a with_image() image before any call (provider_options %j)', async (provider_options) => {
    const error = await client()
      .generateImage({ model: 'gen4_image_turbo', prompt: 'p', provider_options })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidRequestError)
    expect((error as Error).message).toContain('add .with_image(...)')
    expect(error).toMatchObject({ param: 'images' })
  })

  it('rejects malformed reference images before any call', async () => {
    await expect(client().generateImage({ model: 'gen4_image', prompt: 'p', provider_options: { referenceImages: ['https://example.com/a.png'] } })).rejects.toMatchObject({
      name: 'InvalidRequestError',
      param: 'provider_options.referenceImages',
    })
  })

  // Tag rule and `subject` per model from the ReferenceImage types of @runwayml/sdk 4.20.1 (resources/text-to-image.d.ts).
  it.each(['ab', 'a_very_long_tag_17', '1cat', 'my-cat', 'cat!'])('rejects the reference tag %j before any call (3-16 chars, a letter first, letters/digits/_)', async (tag) => {
    const error = await client()
      .generateImage({ model: 'gen4_image', prompt: 'p', provider_options: { referenceImages: [{ uri: 'https://example.com/a.png', tag }] } })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidRequestError)
    expect(error).toMatchObject({ param: 'provider_options.referenceImages' })
    expect((error as Error).message).toContain('3-16 characters')
  })

  it('sends tags at the SDK bounds (3 and 16 characters) as given', async () => {
    const { seen } = taskScope([succeeded()])
    const referenceImages = [{ uri: 'https://example.com/a.png', tag: 'Cat' }, { uri: 'https://example.com/b.png', tag: 'dog_2_in_a_field' }]
    await client().generateImage({ model: 'gen4_image', prompt: '@Cat and @dog_2_in_a_field', provider_options: { referenceImages } })
    expect(seen[0]?.body).toStrictEqual({ model: 'gen4_image', promptText: '@Cat and @dog_2_in_a_field', ratio: '1024:1024', referenceImages })
  })

  it('sends subject to gemini_image3_pro, whose SDK reference type has it', async () => {
    const { seen } = taskScope([succeeded()])
    const referenceImages = [{ uri: 'https://example.com/a.png', tag: 'hero', subject: 'human' }]
    await client().generateImage({ model: 'gemini_image3_pro', prompt: '@hero', provider_options: { referenceImages } })
    expect(seen[0]?.body).toStrictEqual({ model: 'gemini_image3_pro', promptText: '@hero', ratio: '1024:1024', referenceImages })
  })

  it.each(['gen4_image', 'gpt_image_2', 'gemini_2.5_flash'])('rejects subject on %s (not in its SDK reference type) before any call', async (model) => {
    const error = await client()
      .generateImage({ model, prompt: 'p', provider_options: { referenceImages: [{ uri: 'https://example.com/a.png', subject: 'object' }] } })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidRequestError)
    expect(error).toMatchObject({ param: 'provider_options.referenceImages' })
    expect((error as Error).message).toContain('referenceImages[0].subject: a subject is only accepted by')
  })

  it('rejects an unknown reference image field before any call', async () => {
    await expect(
      client().generateImage({ model: 'gen4_image', prompt: 'p', provider_options: { referenceImages: [{ uri: 'https://example.com/a.png', weight: 2 }] } }),
    ).rejects.toMatchObject({ name: 'InvalidRequestError', param: 'provider_options.referenceImages' })
  })

  it('asks gpt_image_2 for n images in one task with outputCount, quality and ratio auto', async () => {
    const { seen } = taskScope([task('SUCCEEDED', { output: ['https://cdn.test/1.png', 'https://cdn.test/2.png', 'https://cdn.test/3.png'] })])
    const response = await client().generateImage({ model: 'gpt_image_2', prompt: 'p', n: 3, quality: 'hd', provider_options: { background: 'opaque' } })
    expect(seen[0]?.body).toStrictEqual({ model: 'gpt_image_2', promptText: 'p', ratio: 'auto', outputCount: 3, quality: 'high', background: 'opaque' })
    expect(response.images.map((i) => i.url)).toStrictEqual(['https://cdn.test/1.png', 'https://cdn.test/2.png', 'https://cdn.test/3.png'])
    expect(response.warnings).toMatchObject([{ type: 'mapped', setting: 'quality', used: 'high' }])
  })

  it('submits one gen4 task per image when n is 2, with seeds seed and seed + 1', async () => {
    // Parts run in parallel, so which part gets which task id is not fixed; the seeds are.
    const scope = nock(BASE)
      .post('/v1/text_to_image')
      .reply(200, { id: 'task-a' })
      .post('/v1/text_to_image')
      .reply(200, { id: 'task-b' })
      .get('/v1/tasks/task-a')
      .reply(200, task('SUCCEEDED', { id: 'task-a', output: ['https://cdn.test/a.png'] }))
      .get('/v1/tasks/task-b')
      .reply(200, task('SUCCEEDED', { id: 'task-b', output: ['https://cdn.test/b.png'] }))
    const seen = record(scope)
    const response = await client().generateImage({ model: 'gen4_image', prompt: 'p', n: 2, seed: 7 })
    const bodies = seen.filter((s) => s.method === 'POST').map((s) => s.body)
    expect(bodies).toHaveLength(2)
    expect(bodies).toEqual(
      expect.arrayContaining([
        { model: 'gen4_image', promptText: 'p', ratio: '1024:1024', seed: 7 },
        { model: 'gen4_image', promptText: 'p', ratio: '1024:1024', seed: 8 },
      ]),
    )
    expect(response.images.map((i) => i.seed)).toStrictEqual([7, 8])
    expect([...response.requestIds].sort()).toStrictEqual(['task-a', 'task-b'])
  })

  it('never sends outputCount to a gemini model', async () => {
    const { seen } = taskScope([succeeded()])
    await client().generateImage({ model: 'gemini_image3_pro', prompt: 'p', size: '2752x1536' })
    expect(seen[0]?.body).toStrictEqual({ model: 'gemini_image3_pro', promptText: 'p', ratio: '2752:1536' })
  })

  it('drops a seed on gemini_2.5_flash with a warning', async () => {
    const { seen } = taskScope([succeeded()])
    const response = await client().generateImage({ model: 'gemini_2.5_flash', prompt: 'p', seed: 7 })
    expect(seen[0]?.body).not.toHaveProperty('seed')
    expect(response.warnings).toMatchObject([{ type: 'unsupported', setting: 'seed', requested: 7 }])
  })

  it('drops a negative prompt with a warning', async () => {
    const { seen } = taskScope([succeeded()])
    const response = await client().generateImage({ model: 'gen4_image', prompt: 'p', negative_prompt: 'blurry' })
    expect(seen[0]?.body).toStrictEqual({ model: 'gen4_image', promptText: 'p', ratio: '1024:1024' })
    expect(response.warnings).toMatchObject([{ type: 'unsupported', setting: 'negative_prompt' }])
  })

  it('warns about an unknown provider option and does not send it', async () => {
    const { seen } = taskScope([succeeded()])
    const response = await client().generateImage({ model: 'gen4_image', prompt: 'p', provider_options: { outputFormat: 'jpeg' } })
    expect(seen[0]?.body).not.toHaveProperty('outputFormat')
    expect(response.warnings).toMatchObject([{ type: 'unsupported', setting: 'provider_options.outputFormat' }])
  })

  it('rejects a gen4 prompt over 1000 characters before sending', async () => {
    await expect(client().generateImage({ model: 'gen4_image', prompt: 'x'.repeat(1001) })).rejects.toBeInstanceOf(InvalidRequestError)
  })
})

describe('task failures', () => {
  it.each([
    ['SAFETY.INPUT.TEXT', ContentPolicyError, 'LLMKIT_CONTENT_POLICY'],
    ['SAFETY.INPUT.IMAGE', ContentPolicyError, 'LLMKIT_CONTENT_POLICY'],
    ['SAFETY.OUTPUT.IMAGE', ContentPolicyError, 'LLMKIT_CONTENT_POLICY'],
    ['INPUT_PREPROCESSING.SAFETY.TEXT', ContentPolicyError, 'LLMKIT_CONTENT_POLICY'],
    ['INPUT_PREPROCESSING.INTERNAL', JobFailedError, 'LLMKIT_JOB_FAILED'],
    ['INTERNAL.BAD_OUTPUT.CODE01', JobFailedError, 'LLMKIT_JOB_FAILED'],
    ['INTERNAL', JobFailedError, 'LLMKIT_JOB_FAILED'],
    [undefined, JobFailedError, 'LLMKIT_JOB_FAILED'],
  ] as const)('maps failureCode %s to %o, never resubmitted', async (failureCode, errorClass, code) => {
    taskScope([task('RUNNING', { progress: 0.5 }), task('FAILED', { failure: 'The task failed.', failureCode })])
    const error = await client()
      .generateImage({ model: 'gen4_image', prompt: 'p' })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(errorClass)
    expect(error).toMatchObject({ code, retryable: false, provider: 'runway', model: 'gen4_image', requestId: TASK, providerCode: failureCode })
    expect((error as Error).message).toContain(TASK)
    expect((error as Error).message).toContain('The task failed.')
    expect(nock.pendingMocks()).toStrictEqual([])
  })

  it('reports a task cancelled on Runway side as a JobFailedError', async () => {
    taskScope([task('CANCELLED')])
    await expect(client().generateImage({ model: 'gen4_image', prompt: 'p' })).rejects.toMatchObject({ name: 'JobFailedError', requestId: TASK, retryable: false })
  })

  it('fails a SUCCEEDED task without output instead of returning no images', async () => {
    taskScope([task('SUCCEEDED', { output: [] })])
    await expect(client().generateImage({ model: 'gen4_image', prompt: 'p' })).rejects.toBeInstanceOf(JobFailedError)
  })
})

describe('unexpected answers', () => {
  it('a garbled task answer of an accepted task is polled again, never submitted again', async () => {
    const { seen } = taskScope([{ what: 'is this' }, '<html>gateway</html>', succeeded()])
    const response = await client().generateImage({ model: 'gen4_image', prompt: 'p', size: '1920x1080' })
    expect(seen.filter((s) => s.method === 'POST')).toHaveLength(1)
    expect(seen).toHaveLength(4)
    expect(response.count).toBeGreaterThan(0)
  })

  it('a 2xx submit answer without a task id is a non-retryable ProviderError that may have been charged', async () => {
    const scope = nock(BASE).post('/v1/text_to_image').once().reply(200, { ok: true })
    const error = (await client().generateImage({ model: 'gen4_image', prompt: 'p', size: '1920x1080' }).catch((e: unknown) => e)) as LLMKitError
    expect(error).toBeInstanceOf(ProviderError)
    expect(error.retryable).toBe(false)
    expect(error.mayHaveBeenCharged).toBe(true)
    expect(scope.isDone()).toBe(true)
  })
})

describe('cancel', () => {
  it('sends DELETE /v1/tasks/{id} with the version header when the caller aborts', async () => {
    const scope = nock(BASE)
      .post('/v1/text_to_image')
      .reply(200, { id: TASK })
      .get(`/v1/tasks/${TASK}`)
      .times(1000)
      .reply(200, task('RUNNING', { progress: 0.1 }))
      .delete(`/v1/tasks/${TASK}`)
      .reply(204)
    const seen = record(scope)
    const controller = new AbortController()
    const error = await client()
      .generateImage({ model: 'gen4_image', prompt: 'p' }, { signal: controller.signal, onProgress: (e) => e.type === 'running' && controller.abort() })
      .catch((e: unknown) => e)
    expect(LLMKitError.isInstance(error) || (error as Error).name === 'AbortError').toBe(true)
    // The remote cancel runs in the background (the caller is released at once): wait for it.
    await pendingCancellations()
    const del = seen.find((s) => s.method === 'DELETE')
    expect(del?.path).toBe(`/v1/tasks/${TASK}`)
    expect(del?.headers['x-runway-version']).toBe('2024-11-06')
    expect(del?.headers['authorization']).toBe(`Bearer ${KEY}`)
  })
})

describe('HTTP errors', () => {
  it.each([
    [400, { error: "ratio: Invalid enum value. Expected '1920:1080' | '1080:1920', received '999:999'" }, InvalidRequestError, false, 'ratio'],
    [400, { error: 'referenceImages.0.uri: Failed to fetch asset' }, InvalidRequestError, false, 'referenceImages'],
    [401, { error: 'Invalid API key' }, AuthenticationError, false, undefined],
    [429, { error: 'You have exceeded your daily generation limit for this model.' }, RateLimitError, false, undefined],
    [429, { error: 'Too many requests' }, RateLimitError, true, undefined],
    [503, 'Service Unavailable', ProviderError, true, undefined],
  ] as const)('maps %i %j on submit to %o', async (status, body, errorClass, retryable, param) => {
    // A retryable status may be retried by the core; every attempt gets the same answer.
    nock(BASE)
      .post('/v1/text_to_image')
      .times(5)
      .reply(status, body as nock.Body, { 'retry-after-ms': '1' })
    const error = await client()
      .generateImage({ model: 'gen4_image', prompt: 'p' })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(errorClass)
    expect(error).toMatchObject({ retryable, status, provider: 'runway', model: 'gen4_image', param })
    expect((error as Error).message).toMatch(/^runway gen4_image: /)
    expect((error as Error).message).not.toContain(KEY)
  })

  it('names RUNWAYML_API_SECRET in an authentication error', async () => {
    nock(BASE).post('/v1/text_to_image').reply(401, { error: 'Invalid API key' })
    await expect(client().generateImage({ model: 'gen4_image', prompt: 'p' })).rejects.toThrow(/RUNWAYML_API_SECRET/)
  })
})
