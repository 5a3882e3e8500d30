import { stability, stabilityModels } from '@llmkit/provider-stability'
import { STABILITY_TRIGGERS } from '@llmkit/emulator'
import {
  AbortError,
  AuthenticationError,
  ContentPolicyError,
  ImageFormat,
  ImageGenerationRequest,
  ImageSize,
  InvalidRequestError,
  LLMKitClient,
  RateLimitError,
  type ImageGenerationResponse,
  type ModelCapabilities,
} from '@llmkit/core'
import { afterEach, describe, expect, inject, it } from 'vitest'

const PNG_SIGNATURE = '89504e470d0a1a0a'

/** Width and height of a PNG, read from its IHDR chunk. */
function pngSize(b64: string): { width: number; height: number; signature: string } {
  const bytes = Buffer.from(b64, 'base64')
  return { signature: bytes.subarray(0, 8).toString('hex'), width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) }
}

function client(options: { contentFilter?: 'warn' | 'error'; apiKeys?: Record<string, string> } = {}): LLMKitClient {
  return new LLMKitClient({ providers: [stability()], ...options })
}

async function injectFault(fault: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${inject('emulatorUrl')}/__emulator/faults`, { method: 'POST', body: JSON.stringify(fault) })
  expect(res.status).toBe(200)
}

afterEach(async () => {
  await fetch(`${inject('emulatorUrl')}/__emulator/faults`, { method: 'DELETE' })
})

// Text-to-image ids: the edit rows (inpaint, outpaint, ...) need an input image (image-inputs.e2e.test.ts).
const ids = [...stabilityModels.filter((m: ModelCapabilities) => m.imageInputs?.textToImage !== false).map((m) => m.id), 'stability-ai/stable-diffusion-3']

describe('every Stability model id on the emulator', () => {
  it.each(ids)('%s generates a real 1024x1024 PNG by default', async (model) => {
    const response = await client().generateImage(new ImageGenerationRequest(model, 'A serene mountain landscape').with_format(ImageFormat.B64Json))
    expect(response.count).toBe(1)
    expect(response.provider).toBe('stability')
    const image = response.first()!
    expect(pngSize(image.b64_json!)).toStrictEqual({ signature: PNG_SIGNATURE, width: 1024, height: 1024 })
    expect(image.mimeType).toBe('image/png')
    expect(image.seed).toBeGreaterThan(0)
    expect(response.warnings).toStrictEqual([])
  })

  it('runs the seed Quick Start shape through LLMKitClient.fromEnv() with a Stability id', async () => {
    const c = LLMKitClient.fromEnv()
    const request = new ImageGenerationRequest('stability-ai/stable-diffusion-xl', 'A serene mountain landscape')
    const response = await c.generateImage(request)
    expect(response.count).toBe(1)
    // Bytes-only provider: a URL request gets a data: URL.
    expect(response.first()?.url).toMatch(/^data:image\/png;base64,iVBOR/)
  })
})

describe('SDXL on v1', () => {
  it('maps 1792x1024 to the nearest allowed size with a warning and returns n images from one call', async () => {
    const response = await client().generateImage(
      new ImageGenerationRequest('stability-ai/stable-diffusion-xl', 'A wide valley')
        .with_n(3)
        .with_size(ImageSize.Landscape1792x1024)
        .with_negative_prompt('blurry')
        .with_seed(77)
        .with_format(ImageFormat.B64Json),
    )
    expect(response.count).toBe(3)
    expect(response.requestIds).toHaveLength(1)
    expect(response.images.map((i) => i.seed)).toStrictEqual([77, 78, 79])
    for (const image of response.images) expect(pngSize(image.b64_json!)).toMatchObject({ width: 1344, height: 768 })
    expect(response.warnings).toMatchObject([{ type: 'mapped', setting: 'size', requested: '1792x1024', used: '1344x768' }])
  })

  it('is reproducible: the same prompt and seed give the same bytes', async () => {
    const request = { model: 'stability-ai/stable-diffusion-xl', prompt: 'same', seed: 5, format: 'b64_json' } as const
    const [a, b] = await Promise.all([client().generateImage(request), client().generateImage(request)])
    expect(a.first()?.b64_json).toBe(b.first()?.b64_json)
  })

  it('takes provider options on the wire (cfg_scale, steps, sampler, style_preset)', async () => {
    const response = await client().generateImage({
      model: 'stability-ai/stable-diffusion-xl',
      prompt: 'p',
      provider_options: { cfg_scale: 8, steps: 30, sampler: 'K_EULER', style_preset: 'anime' },
    })
    expect(response.count).toBe(1)
  })

  it('refuses a moderated prompt as a ContentPolicyError (v1 invalid_prompts)', async () => {
    await expect(client().generateImage({ model: 'stability-ai/stable-diffusion-xl', prompt: STABILITY_TRIGGERS.moderation })).rejects.toBeInstanceOf(ContentPolicyError)
  })
})

describe('v2beta Stable Image', () => {
  it('maps 1792x1024 to aspect ratio 16:9 with a warning and gets a 16:9 PNG', async () => {
    const response = await client().generateImage({ model: 'stability-ai/sd3.5-large', prompt: 'A wide valley', size: '1792x1024', negative_prompt: 'fog', format: 'b64_json' })
    expect(pngSize(response.first()!.b64_json!)).toMatchObject({ width: 1344, height: 768 })
    expect(response.warnings).toMatchObject([{ type: 'mapped', setting: 'size', used: '16:9' }])
  })

  it('splits n=3 into three calls through the core, part i seeded seed + i', async () => {
    const response = await client().generateImage({ model: 'stability-ai/stable-image-core', prompt: 'Three lanterns', n: 3, seed: 500 })
    expect(response.count).toBe(3)
    expect(response.images.map((i) => i.seed)).toStrictEqual([500, 501, 502])
    expect(response.requestIds).toHaveLength(3)
    expect(new Set(response.images.map((i) => i.url)).size).toBe(3)
  })

  it('drops a negative prompt on sd3.5-large-turbo with the documented warning', async () => {
    const response = await client().generateImage({ model: 'stability-ai/sd3.5-large-turbo', prompt: 'p', negative_prompt: 'blurry' })
    expect(response.count).toBe(1)
    expect(response.warnings).toMatchObject([{ type: 'unsupported', setting: 'negative_prompt' }])
  })

  it('rejects a seed out of the v2beta range before any call', async () => {
    await expect(client().generateImage({ model: 'stability-ai/stable-image-ultra', prompt: 'p', seed: 4_294_967_295 })).rejects.toBeInstanceOf(InvalidRequestError)
  })

  it('rejects n above ten', async () => {
    await expect(client().generateImage({ model: 'stability-ai/stable-image-ultra', prompt: 'p', n: 11 })).rejects.toBeInstanceOf(InvalidRequestError)
  })

  it('sends output_format and style_preset; the emulator answers PNG (it renders PNG only) and says so', async () => {
    const response = await client().generateImage({ model: 'stability-ai/sd3.5-medium', prompt: 'p', provider_options: { output_format: 'webp', style_preset: 'photographic', cfg_scale: 5 } })
    expect(response.first()?.mimeType).toBe('image/png')
  })

  it('turns CONTENT_FILTERED into a ContentPolicyError, or a warning under contentFilter: warn', async () => {
    await expect(client().generateImage({ model: 'stability-ai/stable-image-core', prompt: STABILITY_TRIGGERS.filtered })).rejects.toBeInstanceOf(ContentPolicyError)
    const response = await client({ contentFilter: 'warn' }).generateImage({ model: 'stability-ai/stable-image-core', prompt: STABILITY_TRIGGERS.filtered })
    expect(response.count).toBe(1)
    expect(response.warnings).toMatchObject([{ type: 'content' }])
  })

  it('maps a 403 content_moderation to a ContentPolicyError', async () => {
    const error = await client()
      .generateImage({ model: 'stability-ai/stable-image-ultra', prompt: STABILITY_TRIGGERS.moderation })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ContentPolicyError)
    expect(error).toMatchObject({ status: 403, providerCode: 'content_moderation', retryable: false })
  })

  it('maps a 402 out-of-credits answer to a non-retryable RateLimitError that says quota', async () => {
    const error = await client()
      .generateImage({ model: 'stability-ai/stable-image-core', prompt: STABILITY_TRIGGERS.credits })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RateLimitError)
    expect(error).toMatchObject({ status: 402, retryable: false })
    expect((error as Error).message).toContain('quota')
  })

  it('maps a wrong key to an AuthenticationError naming STABILITY_API_KEY', async () => {
    const error = await client({ apiKeys: { stability: 'sk-wrong-key' } })
      .generateImage({ model: 'stability-ai/stable-image-core', prompt: 'p' })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AuthenticationError)
    expect((error as Error).message).toContain('STABILITY_API_KEY')
  })

  it('retries a 429 rate_limit_exceeded with Retry-After and then succeeds', async () => {
    await injectFault({
      pathPrefix: '/stability/v2beta',
      status: 429,
      headers: { 'retry-after': '0', 'content-type': 'application/json' },
      body: { id: 'f00', name: 'rate_limit_exceeded', errors: ['You have exceeded the rate limit of 150 requests within a 10 second period.'] },
    })
    const response: ImageGenerationResponse = await client().generateImage({ model: 'stability-ai/stable-image-core', prompt: 'after a 429' })
    expect(response.count).toBe(1)
  })

  it('stops at once on an aborted signal', async () => {
    const controller = new AbortController()
    controller.abort()
    await expect(client().generateImage({ model: 'stability-ai/stable-image-core', prompt: 'p' }, { signal: controller.signal })).rejects.toBeInstanceOf(AbortError)
  })
})
