import {
  AuthenticationError,
  ContentPolicyError,
  ImageFormat,
  ImageGenerationRequest,
  InvalidRequestError,
  JobFailedError,
  LLMKitClient,
  type ModelCapabilities,
  type ProgressEvent,
  RateLimitError,
  TimeoutError,
} from '@llmkit/core'
import { describe, expect, it } from 'vitest'
import { SDXL_VERSION, replicate, replicateModels } from '../../src/index.js'

const PNG_MAGIC = '89504e470d0a1a0a'

/** Width and height from a PNG's IHDR chunk. */
function pngSize(bytes: Buffer): { width: number; height: number } {
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) }
}

/** A client that always polls, so queued/running are observed and an abort can cancel. */
function pollingClient(options: { jobTimeoutMs?: number } = {}): LLMKitClient {
  return new LLMKitClient({ providers: [replicate({ waitSeconds: false })], jobTimeoutMs: options.jobTimeoutMs })
}

/** Reads a prediction straight from the emulator, to check what happened remotely. */
async function remotePrediction(id: string): Promise<{ status: string }> {
  const res = await fetch(`${process.env['REPLICATE_BASE_URL']}/predictions/${id}`, { headers: { authorization: `Bearer ${process.env['REPLICATE_API_TOKEN']}` } })
  return (await res.json()) as { status: string }
}

/** Pixel size the emulator renders for each seed model's request below. */
const SIZES: Record<string, { request: string; width: number; height: number }> = {
  aspect: { request: '1024x1024', width: 1024, height: 1024 },
  range: { request: '512x384', width: 512, height: 384 },
  list: { request: '1365x1024', width: 1365, height: 1024 },
}

describe('every seed model through the emulator', () => {
  // Models that need an input image (FLUX Fill) run in replicate-image-inputs.e2e.test.ts.
  const textModels = replicateModels.filter((m: ModelCapabilities) => m.imageInputs?.textToImage !== false)
  it.each(textModels.map((m) => [m.id, m] as const))('%s returns real PNGs of the requested size', async (id, caps) => {
    const size = SIZES[caps.sizes.kind]!
    const n = Math.min(2, caps.maxImagesPerCall)
    let request = new ImageGenerationRequest(id, 'A lighthouse on a cliff at dusk').with_n(n).with_size(size.request).with_format(ImageFormat.B64Json)
    if (caps.seed !== null) request = request.with_seed(1234)
    const response = await LLMKitClient.fromEnv().generateImage(request)
    expect(response.provider).toBe('replicate')
    expect(response.model).toBe(id)
    expect(response.count).toBe(n)
    for (const image of response.images) {
      const bytes = Buffer.from(image.b64_json!, 'base64')
      expect(bytes.subarray(0, 8).toString('hex')).toBe(PNG_MAGIC)
      expect(pngSize(bytes)).toStrictEqual({ width: size.width, height: size.height })
    }
  })

  it('serves the output URLs from the emulator, a list for flux-schnell', async () => {
    const response = await LLMKitClient.fromEnv().generateImage({ model: 'replicate:black-forest-labs/flux-schnell', prompt: 'p', n: 3, provider_options: { megapixels: '0.25' } })
    expect(response.count).toBe(3)
    const origin = new URL(process.env['REPLICATE_BASE_URL']!).origin
    for (const image of response.images) expect(image.url?.startsWith(`${origin}/files/`)).toBe(true)
    const bytes = await response.first()!.bytes()
    expect(pngSize(bytes)).toStrictEqual({ width: 512, height: 512 })
  })

  it('gives the same image for the same prompt and seed', async () => {
    const client = LLMKitClient.fromEnv()
    const ask = () => client.generateImage({ model: 'black-forest-labs/flux-1.1-pro', prompt: 'same', seed: 5, format: 'b64_json' })
    const [a, b] = await Promise.all([ask(), ask()])
    expect(a.first()?.b64_json).toBe(b.first()?.b64_json)
  })

  it('runs a pinned version claimed without a prefix', async () => {
    const response = await LLMKitClient.fromEnv().generateImage({ model: `stability-ai/sdxl:${SDXL_VERSION}`, prompt: 'p', size: '256x256' })
    expect(response.model).toBe(`stability-ai/sdxl:${SDXL_VERSION}`)
    expect(response.count).toBe(1)
  })
})

describe('job lifecycle', () => {
  it('reports progress in order: submitted, queued, running, completed', async () => {
    const events: ProgressEvent[] = []
    const response = await pollingClient().generateImage({ model: 'black-forest-labs/flux-schnell', prompt: 'emulator:slow lighthouse' }, { onProgress: (e) => events.push(e) })
    expect(response.count).toBe(1)
    const types = events.map((e) => e.type)
    expect(types[0]).toBe('submitted')
    expect(types.at(-1)).toBe('completed')
    expect(types).toContain('queued')
    expect(types).toContain('running')
    // Never back to an earlier phase.
    const rank: Record<ProgressEvent['type'], number> = { submitted: 0, queued: 1, running: 2, partial_image: 2, completed: 3, failed: 3, cancelled: 3 }
    for (let i = 1; i < types.length; i++) expect(rank[types[i]!]).toBeGreaterThanOrEqual(rank[types[i - 1]!])
    const progress = events.filter((e) => e.type === 'running').map((e) => e.progress ?? 0)
    expect(progress).toStrictEqual([...progress].sort((a, b) => a - b))
    expect(new Set(events.map((e) => e.jobId)).size).toBe(1)
  })

  it('cancels the prediction remotely when the caller aborts', async () => {
    const controller = new AbortController()
    let jobId: string | undefined
    const run = pollingClient().generateImage(
      { model: 'black-forest-labs/flux-dev', prompt: 'emulator:never' },
      {
        signal: controller.signal,
        onProgress: (e) => {
          jobId = e.jobId
          if (e.type === 'queued' || e.type === 'running') controller.abort()
        },
      },
    )
    await expect(run).rejects.toMatchObject({ name: 'AbortError' })
    expect(jobId).toMatch(/^[a-z2-7]{26}$/)
    expect((await remotePrediction(jobId!)).status).toBe('canceled')
  })

  it('gives up a prediction that never finishes with a TimeoutError naming it, and cancels it', async () => {
    const error = await pollingClient({ jobTimeoutMs: 800 })
      .generateImage({ model: 'black-forest-labs/flux-schnell', prompt: 'emulator:never' })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TimeoutError)
    const id = /job ([a-z2-7]{26})/.exec((error as TimeoutError).message)?.[1]
    expect(id).toBeDefined()
    expect((error as TimeoutError).requestId).toBe(id)
    expect((await remotePrediction(id!)).status).toBe('canceled')
  })

  it('fails a prediction that fails remotely with a JobFailedError', async () => {
    const error = await LLMKitClient.fromEnv()
      .generateImage({ model: 'stability-ai/sdxl', prompt: 'emulator:fail' })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(JobFailedError)
    expect((error as JobFailedError).message).toMatch(/out of memory/)
  })

  it('turns an NSFW failure into a ContentPolicyError', async () => {
    const error = await pollingClient()
      .generateImage({ model: 'black-forest-labs/flux-schnell', prompt: 'emulator:nsfw' })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ContentPolicyError)
  })
})

describe('errors', () => {
  it('maps a 422 problem+json to an InvalidRequestError naming the field', async () => {
    const error = await LLMKitClient.fromEnv()
      .generateImage({ model: 'black-forest-labs/flux-schnell', prompt: 'p', provider_options: { output_format: 'gif' } })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidRequestError)
    expect((error as InvalidRequestError).status).toBe(422)
    expect((error as InvalidRequestError).param).toBe('output_format')
  })

  it('maps a wrong token to an AuthenticationError naming REPLICATE_API_TOKEN', async () => {
    const error = await new LLMKitClient({ providers: [replicate()], apiKeys: { replicate: 'r8_wrong' } })
      .generateImage({ model: 'black-forest-labs/flux-schnell', prompt: 'p' })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AuthenticationError)
    expect((error as AuthenticationError).message).toContain('REPLICATE_API_TOKEN')
    expect((error as AuthenticationError).message).not.toContain('r8_wrong')
  })

  it('retries a throttled create after Retry-After, and reports it when retries are off', async () => {
    const fault = (count: number) =>
      fetch(`${new URL(process.env['REPLICATE_BASE_URL']!).origin}/__emulator/faults`, {
        method: 'POST',
        body: JSON.stringify({
          count,
          pathPrefix: '/replicate/v1/models/ideogram-ai/',
          method: 'POST',
          status: 429,
          headers: { 'content-type': 'application/problem+json', 'retry-after': '1' },
          body: { detail: 'Request was throttled. Expected available in 1 second.', status: 429 },
        }),
      })
    await fault(1)
    const ok = await LLMKitClient.fromEnv().generateImage({ model: 'ideogram-ai/ideogram-v2-turbo', prompt: 'p' })
    expect(ok.count).toBe(1)
    await fault(1)
    const error = await LLMKitClient.fromEnv({ retry: false })
      .generateImage({ model: 'ideogram-ai/ideogram-v2-turbo', prompt: 'p' })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RateLimitError)
    expect((error as RateLimitError).retryAfterMs).toBe(1000)
  })
})
