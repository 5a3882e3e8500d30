import { RUNWAY_TRIGGERS, pngSize } from '@llmkit/emulator'
import { AuthenticationError, ContentPolicyError, JobFailedError, LLMKitClient, type ProgressEvent, RateLimitError, TimeoutError } from '@llmkit/core'
import { afterEach, describe, expect, inject, it } from 'vitest'
import { png } from '../../../core/src/inputs/__fixtures__/images.js'
import { runway, runwayModels } from '../../src/index.js'
// Types of inject('emulatorUrl') and inject('emulatorEnv'), declared by the shared global setup.

const emulatorUrl = inject('emulatorUrl')
const env = inject('emulatorEnv')
const KEY = env['RUNWAYML_API_SECRET']!

/** The environment already points at the emulator; 20 ms polls keep the suite fast. */
const client = (options: { jobTimeoutMs?: number } = {}) => new LLMKitClient({ providers: [runway({ pollIntervalMs: 20 })], ...options })

/** Reads a task straight from the emulated API, as Runway's own dashboard would. */
async function taskStatus(id: string): Promise<{ status: number; body: Record<string, unknown> | undefined }> {
  const res = await fetch(`${emulatorUrl}/runway/v1/tasks/${id}`, { headers: { authorization: `Bearer ${KEY}`, 'x-runway-version': '2024-11-06' } })
  return { status: res.status, body: res.status === 200 ? ((await res.json()) as Record<string, unknown>) : undefined }
}

function smallestSize(values: readonly string[]): string {
  const area = (s: string) => s.split('x').map(Number).reduce((a, b) => a * b, 1)
  return [...values].sort((a, b) => area(a) - area(b))[0]!
}

afterEach(async () => {
  await fetch(`${emulatorUrl}/__emulator/faults`, { method: 'DELETE' })
})

describe('every model in the table', () => {
  it.each(runwayModels.map((m) => [m.id, m] as const))('%s returns real PNGs at the exact ratio size', async (id, model) => {
    const size = model.sizes.kind === 'list' ? smallestSize(model.sizes.values) : undefined
    const n = model.maxImagesPerCall > 1 ? 2 : 1
    const response = await client().generateImage({
      model: id,
      prompt: 'A lighthouse at dusk',
      size,
      n,
      format: 'b64_json',
      // gen4_image_turbo needs a reference image (issue 13: with_image()).
      ...(id === 'gen4_image_turbo' ? { images: [png(8, 8)] } : {}),
    })
    expect(response.count).toBe(n)
    expect(response.warnings).toStrictEqual([])
    for (const image of response.images) {
      const [width, height] = size!.split('x').map(Number)
      expect(pngSize(Buffer.from(image.b64_json!, 'base64'))).toStrictEqual({ width, height })
      expect(image.url).toMatch(new RegExp(`^${emulatorUrl}/files/`))
    }
  })

  it.each([
    ['gen4_image', 3],
    ['gemini_image3_pro', 3],
  ])('splits n into one task per image for %s (n=%i)', async (model, n) => {
    const parts = new Set<number | undefined>()
    const response = await client().generateImage({ model, prompt: 'split me', n }, { onProgress: (e) => parts.add(e.part) })
    expect(response.count).toBe(n)
    expect(new Set(response.requestIds).size).toBe(n)
    expect(parts.size).toBe(n)
  })

  it('lets gpt_image_2 pick its own size (ratio auto) when the request gives none', async () => {
    const response = await client().generateImage({ model: 'gpt_image_2', prompt: 'p', format: 'b64_json' })
    expect(pngSize(Buffer.from(response.first()!.b64_json!, 'base64'))).toStrictEqual({ width: 1024, height: 1024 })
  })
})

describe('job lifecycle', () => {
  it('reports progress in order: submitted, queued, running with rising progress, completed', async () => {
    const events: ProgressEvent[] = []
    const response = await client().generateImage({ model: 'gen4_image', prompt: `a cat ${RUNWAY_TRIGGERS.throttled}`, seed: 5 }, { onProgress: (e) => events.push(e) })
    const types = events.map((e) => e.type)
    expect(types[0]).toBe('submitted')
    expect(types.at(-1)).toBe('completed')
    expect(types).toContain('queued')
    expect(types).toContain('running')
    // Every queued event comes before every running event.
    expect(types.lastIndexOf('queued')).toBeLessThan(types.indexOf('running'))
    const progress = events.filter((e) => e.type === 'running').map((e) => e.progress ?? 0)
    expect(progress).toStrictEqual([...progress].sort((a, b) => a - b))
    const jobId = events[0]!.jobId!
    expect(events.every((e) => e.jobId === jobId)).toBe(true)
    expect(response.requestIds).toStrictEqual([jobId])
    expect(response.first()?.seed).toBe(5)
  })

  it('gives the same picture for the same seed', async () => {
    const request = { model: 'gen4_image', prompt: 'same seed', size: '720x720', seed: 11, format: 'b64_json' as const }
    const [a, b] = await Promise.all([client().generateImage(request), client().generateImage(request)])
    expect(a.first()?.b64_json).toBe(b.first()?.b64_json)
  })

  it('keeps polling through a failed status request', async () => {
    await fetch(`${emulatorUrl}/__emulator/faults`, { method: 'POST', body: JSON.stringify({ pathPrefix: '/runway/v1/tasks/', method: 'GET', status: 503, body: { error: 'Service unavailable' } }) })
    const response = await client().generateImage({ model: 'gen4_image', prompt: 'p' })
    expect(response.count).toBe(1)
  })
})

describe('failures', () => {
  it('turns a moderated task into a ContentPolicyError naming the task', async () => {
    const error = await client()
      .generateImage({ model: 'gen4_image', prompt: `something ${RUNWAY_TRIGGERS.moderation}` })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ContentPolicyError)
    expect(error).toMatchObject({ providerCode: 'SAFETY.INPUT.TEXT', retryable: false })
    expect((error as Error).message).toContain((error as ContentPolicyError).requestId!)
  })

  it('turns a moderated output into a ContentPolicyError', async () => {
    await expect(client().generateImage({ model: 'gemini_2.5_flash', prompt: RUNWAY_TRIGGERS.outputModeration })).rejects.toMatchObject({
      name: 'ContentPolicyError',
      providerCode: 'SAFETY.OUTPUT.IMAGE',
    })
  })

  it('turns an internal failure into a JobFailedError that is not resubmitted', async () => {
    const error = await client()
      .generateImage({ model: 'gen4_image', prompt: RUNWAY_TRIGGERS.fail })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(JobFailedError)
    expect(error).toMatchObject({ providerCode: 'INTERNAL.BAD_OUTPUT.CODE01', retryable: false })
  })

  it('maps the daily generation limit to a quota RateLimitError', async () => {
    const error = await client()
      .generateImage({ model: 'gen4_image', prompt: RUNWAY_TRIGGERS.dailyLimit })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RateLimitError)
    expect(error).toMatchObject({ status: 429, retryable: false })
    expect((error as Error).message).toMatch(/quota/)
  })

  it('rejects a wrong key with an AuthenticationError naming RUNWAYML_API_SECRET', async () => {
    const c = new LLMKitClient({ providers: [runway({ pollIntervalMs: 20 })], apiKeys: { runway: 'key_wrong' } })
    const error = await c.generateImage({ model: 'gen4_image', prompt: 'p' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AuthenticationError)
    expect((error as Error).message).toContain('RUNWAYML_API_SECRET')
  })
})

describe('cancel and timeout', () => {
  it('cancels the task remotely when the caller aborts during the job', async () => {
    const controller = new AbortController()
    let jobId: string | undefined
    const error = await client()
      .generateImage(
        { model: 'gen4_image', prompt: RUNWAY_TRIGGERS.never },
        {
          signal: controller.signal,
          onProgress: (e) => {
            jobId = e.jobId
            if (e.type === 'running') controller.abort()
          },
        },
      )
      .catch((e: unknown) => e)
    expect((error as Error).name).toMatch(/Abort/)
    expect(jobId).toBeDefined()
    expect(await taskStatus(jobId!)).toMatchObject({ status: 200, body: { status: 'CANCELLED' } })
  })

  it('times out a job that never finishes with a TimeoutError naming the task, and cancels it', async () => {
    let jobId: string | undefined
    const error = await client({ jobTimeoutMs: 400 })
      .generateImage({ model: 'gen4_image', prompt: RUNWAY_TRIGGERS.never }, { onProgress: (e) => (jobId = e.jobId) })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TimeoutError)
    expect((error as Error).message).toContain(jobId!)
    expect(await taskStatus(jobId!)).toMatchObject({ body: { status: 'CANCELLED' } })
  })
})

describe('emulated API contract', () => {
  const post = (body: unknown, headers: Record<string, string> = { 'x-runway-version': '2024-11-06' }) =>
    fetch(`${emulatorUrl}/runway/v1/text_to_image`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })

  it('requires X-Runway-Version', async () => {
    const res = await post({ model: 'gen4_image', promptText: 'p', ratio: '1024:1024' }, {})
    expect(res.status).toBe(400)
    expect(((await res.json()) as { error: string }).error).toContain('X-Runway-Version')
  })

  it('rejects an unsupported ratio and a turbo task without reference images', async () => {
    const ratio = await post({ model: 'gen4_image', promptText: 'p', ratio: '1792:1024' })
    expect(ratio.status).toBe(400)
    expect(((await ratio.json()) as { error: string }).error).toMatch(/^ratio/)
    const turbo = await post({ model: 'gen4_image_turbo', promptText: 'p', ratio: '1024:1024' })
    expect(turbo.status).toBe(400)
    expect(((await turbo.json()) as { error: string }).error).toMatch(/^referenceImages/)
  })

  it('deletes a finished task with DELETE (204), after which it is gone (404)', async () => {
    const { id } = (await (await post({ model: 'gen4_image', promptText: 'p', ratio: '720:720' })).json()) as { id: string }
    for (let i = 0; i < 100 && (await taskStatus(id)).body?.['status'] !== 'SUCCEEDED'; i++) await new Promise((r) => setTimeout(r, 20))
    const del = await fetch(`${emulatorUrl}/runway/v1/tasks/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${KEY}`, 'x-runway-version': '2024-11-06' } })
    expect(del.status).toBe(204)
    expect((await taskStatus(id)).status).toBe(404)
  })
})
