import {
  AbortError,
  AuthenticationError,
  ContentPolicyError,
  ImageFormat,
  ImageGenerationRequest,
  ImageSize,
  InvalidRequestError,
  JobFailedError,
  LLMKitClient,
  type ProgressEvent,
  TimeoutError,
} from '@llmkit/core'
import { describe, expect, inject, it } from 'vitest'
import { fal } from '../../src/index.js'

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

/** Width and height from a PNG's IHDR chunk. */
function pngSize(bytes: Buffer): { width: number; height: number } {
  expect(bytes.subarray(0, 8)).toStrictEqual(PNG_SIGNATURE)
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) }
}

function client(options: ConstructorParameters<typeof LLMKitClient>[0] = {}) {
  return new LLMKitClient({ providers: [fal()], ...options })
}

async function injectFault(fault: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${inject('emulatorUrl')}/__emulator/faults`, { method: 'POST', body: JSON.stringify(fault) })
  expect(res.status).toBe(200)
}

/** Reads a job's result straight from the emulated queue, to see what happened remotely. */
async function remoteResult(app: string, jobId: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${process.env['FAL_BASE_URL']}/${app}/requests/${jobId}`, { headers: { authorization: `Key ${process.env['FAL_KEY']}` } })
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

describe('fal through the emulator', () => {
  it.each(['fal-ai/flux/dev', 'fal-ai/flux/schnell', 'fal-ai/stable-diffusion-3'])('%s generates real PNGs of the requested size with the seed API', async (model) => {
    const request = new ImageGenerationRequest(model, 'A lighthouse on a cliff at dusk').with_n(2).with_size(ImageSize.Square512).with_seed(1234).with_format(ImageFormat.Url)
    const response = await LLMKitClient.fromEnv().generateImage(request)
    expect(response.provider).toBe('fal')
    expect(response.model).toBe(model)
    expect(response.count).toBe(2)
    expect(response.warnings).toStrictEqual([])
    for (const image of response.images) {
      expect(image.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/files\/[\w-]+\.png$/)
      expect(image.seed).toBe(1234)
      expect(pngSize(await image.bytes())).toStrictEqual({ width: 512, height: 512 })
    }
    const [a, b] = await Promise.all(response.images.map((i) => i.bytes()))
    expect(a!.equals(b!)).toBe(false)
  })

  it('is deterministic from prompt and seed', async () => {
    const run = () => client().generateImage({ model: 'fal-ai/flux/schnell', prompt: 'same prompt', seed: 99, size: '256x256', format: 'b64_json' })
    const [first, second] = await Promise.all([run(), run()])
    expect(first.first()?.b64_json).toBe(second.first()?.b64_json)
  })

  it('delivers progress events in order: submitted, queued, running, completed', async () => {
    const events: ProgressEvent[] = []
    await client().generateImage({ model: 'fal-ai/flux/dev', prompt: 'progress emulator:slow' }, { onProgress: (e) => events.push(e) })
    const types = events.map((e) => e.type)
    expect(types[0]).toBe('submitted')
    expect(types.at(-1)).toBe('completed')
    expect(types.indexOf('queued')).toBeGreaterThan(0)
    expect(types.lastIndexOf('queued')).toBeLessThan(types.indexOf('running'))
    expect(types.filter((t) => t === 'submitted' || t === 'completed')).toHaveLength(2)
    expect(new Set(events.map((e) => e.jobId)).size).toBe(1)
    expect(events.find((e) => e.type === 'queued')?.position).toBeTypeOf('number')
    const elapsed = events.map((e) => e.elapsedMs)
    expect(elapsed).toStrictEqual([...elapsed].sort((x, y) => x - y))
  })

  it('returns base64 through sync_mode data URIs', async () => {
    const response = await client().generateImage({ model: 'fal-ai/stable-diffusion-3', prompt: 'b64', size: '768x1024', format: 'b64_json', negative_prompt: 'blur' })
    const image = response.first()!
    expect(pngSize(Buffer.from(image.b64_json!, 'base64'))).toStrictEqual({ width: 768, height: 1024 })
    expect(image.mimeType).toBe('image/png')
  })

  it('takes custom sizes as width and height', async () => {
    const response = await client().generateImage({ model: 'fal-ai/flux/dev', prompt: 'wide', size: ImageSize.Landscape1792x1024 })
    expect(pngSize(await response.first()!.bytes())).toStrictEqual({ width: 1792, height: 1024 })
  })

  it('splits n above four into parallel jobs', async () => {
    const events: ProgressEvent[] = []
    const response = await client().generateImage({ model: 'fal-ai/flux/schnell', prompt: 'many', n: 6, size: '256x256' }, { onProgress: (e) => events.push(e) })
    expect(response.count).toBe(6)
    expect(new Set(events.filter((e) => e.type === 'submitted').map((e) => e.jobId)).size).toBe(2)
  })

  it('opens any fal application through the fal: prefix', async () => {
    const response = await client().generateImage({ model: 'fal:fal-ai/flux-pro/v1.1', prompt: 'open model', size: '512x512' })
    expect(response.model).toBe('fal-ai/flux-pro/v1.1')
    expect(pngSize(await response.first()!.bytes())).toStrictEqual({ width: 512, height: 512 })
  })

  it('reports a flagged image as a ContentPolicyError, or as a warning under contentFilter: warn', async () => {
    await expect(client().generateImage({ model: 'fal-ai/flux/dev', prompt: 'emulator:nsfw' })).rejects.toBeInstanceOf(ContentPolicyError)
    const response = await client({ contentFilter: 'warn' }).generateImage({ model: 'fal-ai/flux/dev', prompt: 'emulator:nsfw', n: 2 })
    expect(response.count).toBe(2)
    expect(response.warnings).toMatchObject([{ type: 'content' }])
  })

  it('throws ContentPolicyError for a hard moderation block', async () => {
    await expect(client().generateImage({ model: 'fal-ai/flux/schnell', prompt: 'emulator:content-policy' })).rejects.toMatchObject({
      name: 'ContentPolicyError',
      retryable: false,
    })
  })

  it('throws JobFailedError naming the job when a job fails', async () => {
    const events: ProgressEvent[] = []
    const error = await client()
      .generateImage({ model: 'fal-ai/flux/dev', prompt: 'emulator:fail' }, { onProgress: (e) => events.push(e) })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(JobFailedError)
    expect((error as Error).message).toContain(events[0]!.jobId!)
    expect(events.at(-1)?.type).toBe('failed')
  })

  it('cancels the remote job when the caller aborts', async () => {
    const controller = new AbortController()
    let jobId = ''
    const error = await client()
      .generateImage(
        { model: 'fal-ai/flux/dev', prompt: 'emulator:never abort me' },
        {
          signal: controller.signal,
          onProgress: (e) => {
            jobId = e.jobId ?? jobId
            if (e.type === 'running') controller.abort()
          },
        },
      )
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AbortError)
    expect(await remoteResult('fal-ai/flux', jobId)).toMatchObject({ status: 499, body: { error_type: 'client_cancelled' } })
  })

  it('times out a job that never finishes with a TimeoutError naming the job id, and cancels it', async () => {
    let jobId = ''
    const error = await client({ jobTimeoutMs: 400 })
      .generateImage({ model: 'fal-ai/stable-diffusion-3', prompt: 'emulator:never' }, { onProgress: (e) => (jobId = e.jobId ?? jobId) })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TimeoutError)
    expect((error as Error).message).toContain(`job ${jobId}`)
    expect(await remoteResult('fal-ai/stable-diffusion-v3-medium', jobId)).toMatchObject({ status: 499 })
  })

  it('retries a submit answered 429 with Retry-After', async () => {
    await injectFault({ pathPrefix: '/fal/fal-ai/flux/schnell', method: 'POST', status: 429, headers: { 'retry-after': '0' }, body: { detail: 'Rate limit exceeded' } })
    const response = await client().generateImage({ model: 'fal-ai/flux/schnell', prompt: 'after 429' })
    expect(response.count).toBe(1)
  })

  it('keeps polling through a 503 on the status endpoint', async () => {
    await injectFault({ pathPrefix: '/fal/fal-ai/flux/requests/', method: 'GET', status: 503, body: { detail: 'Runner disconnected', error_type: 'runner_disconnected' } })
    const response = await client().generateImage({ model: 'fal-ai/flux/dev', prompt: 'after 503' })
    expect(response.count).toBe(1)
  })

  it("maps fal's 422 validation error to InvalidRequestError naming the field", async () => {
    await expect(client().generateImage({ model: 'fal-ai/flux/schnell', prompt: 'p', provider_options: { num_inference_steps: 40 } })).rejects.toMatchObject({
      name: 'InvalidRequestError',
      status: 422,
      param: 'num_inference_steps',
    })
    await expect(client().generateImage({ model: 'fal-ai/flux/schnell', prompt: 'p', provider_options: { num_inference_steps: 40 } })).rejects.toBeInstanceOf(InvalidRequestError)
  })

  it('rejects a wrong key with AuthenticationError naming FAL_KEY', async () => {
    const error = await client({ apiKeys: { fal: 'wrong-key-123' } })
      .generateImage({ model: 'fal-ai/flux/dev', prompt: 'p' })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AuthenticationError)
    expect((error as Error).message).toContain('FAL_KEY')
  })
})
