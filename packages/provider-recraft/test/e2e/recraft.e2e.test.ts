import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
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
  UnsupportedCapabilityError,
} from '@llmkit/core'
import { describe, expect, inject, it } from 'vitest'
import { recraft } from '@llmkit/provider-recraft'

const emulatorUrl = inject('emulatorUrl')

/** A client on the emulator with only this package, so other providers' state cannot interfere. */
const recraftClient = (options: ConstructorParameters<typeof LLMKitClient>[0] = {}) => new LLMKitClient({ providers: [recraft()], ...options })

function pngDimensions(bytes: Buffer): { width: number; height: number } {
  expect(bytes.subarray(0, 8)).toStrictEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) }
}

async function injectFault(fault: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${emulatorUrl}/__emulator/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(fault) })
  expect(res.ok).toBe(true)
}

describe('seed API on the emulator', () => {
  it('generates a real PNG with recraft-v3 through LLMKitClient.fromEnv()', async () => {
    const client = LLMKitClient.fromEnv()
    const request = new ImageGenerationRequest('recraft-v3', 'A serene mountain landscape').with_size(ImageSize.Square1024)
    const response = await client.generateImage(request)
    expect(response.count).toBe(1)
    expect(response.provider).toBe('recraft')
    const image = response.first()!
    expect(image.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/files\/.+\.png$/)
    expect(pngDimensions(await image.bytes())).toStrictEqual({ width: 1024, height: 1024 })
  })

  it.each([
    ['recraft-v2', ImageSize.Square1024, { width: 1024, height: 1024 }],
    ['recraft-v3', '1365x1024', { width: 1365, height: 1024 }],
    ['recraft-v4', '1344x768', { width: 1344, height: 768 }],
    ['recraft-v4-pro', '2048x2048', { width: 2048, height: 2048 }],
  ] as const)('%s returns base64 PNGs of the asked size', async (model, size, dimensions) => {
    const request = new ImageGenerationRequest(model, 'A lighthouse at dusk').with_n(2).with_size(size).with_format(ImageFormat.B64Json)
    const response = await recraftClient().generateImage(request)
    expect(response.count).toBe(2)
    expect(response.warnings).toStrictEqual([])
    for (const image of response.images) {
      expect(image.mimeType).toBe('image/png')
      expect(pngDimensions(await image.bytes())).toStrictEqual(dimensions)
    }
    expect(response.total_size).toBe(response.images.reduce((sum, i) => sum + Buffer.from(i.b64_json!, 'base64').length, 0))
  })

  it.each(['recraft-v2-vector', 'recraft-v3-vector', 'recraft-v4-vector', 'recraft-v4-pro-vector'])('%s returns SVG, counted and saved as .svg', async (model) => {
    const response = await recraftClient().generateImage(new ImageGenerationRequest(model, 'A fox logo').with_format(ImageFormat.B64Json))
    const image = response.first()!
    expect(image.mimeType).toBe('image/svg+xml')
    const bytes = await image.bytes()
    expect(bytes.toString('utf8')).toMatch(/^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/)
    expect(response.total_size).toBe(bytes.length)
    const dir = await mkdtemp(join(tmpdir(), 'recraft-e2e-'))
    try {
      const path = await image.save(join(dir, 'logo'))
      expect(path).toBe(join(dir, 'logo.svg'))
      expect(await readFile(path)).toStrictEqual(bytes)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('serves a vector URL as SVG and maps a pixel size to its aspect ratio', async () => {
    const response = await recraftClient().generateImage(new ImageGenerationRequest('recraft-v3-vector', 'A fox logo').with_size(ImageSize.Landscape1792x1024))
    const image = response.first()!
    expect(image.url).toMatch(/\.svg$/)
    expect(image.mimeType).toBe('image/svg+xml')
    // 16:9 on the V3 family is 1820x1024.
    expect((await image.bytes()).toString('utf8')).toContain('viewBox="0 0 1820 1024"')
    expect(response.warnings).toMatchObject([{ type: 'mapped', setting: 'size', used: '16:9' }])
  })

  it('passes Recraft style options through to the emulator, which validates them', async () => {
    const response = await recraftClient().generateImage(
      new ImageGenerationRequest('recraft-v3', 'portrait')
        .with_negative_prompt('blurry')
        .with_provider_options({ style: 'digital_illustration', substyle: 'pixel_art', controls: { artistic_level: 3, no_text: true } }),
    )
    expect(response.count).toBe(1)
    expect(response.warnings).toStrictEqual([])
  })
})

describe('settings Recraft cannot honor', () => {
  it('maps a wrong size to the nearest listed size with a warning', async () => {
    const response = await recraftClient().generateImage(new ImageGenerationRequest('recraft-v4', 'p').with_size(ImageSize.Landscape1792x1024).with_format(ImageFormat.B64Json))
    expect(response.warnings).toMatchObject([{ type: 'mapped', setting: 'size', requested: '1792x1024', used: '1344x768' }])
    expect(pngDimensions(await response.first()!.bytes())).toStrictEqual({ width: 1344, height: 768 })
  })

  it("rejects a wrong size under unsupported: 'error'", async () => {
    await expect(recraftClient({ unsupported: 'error' }).generateImage(new ImageGenerationRequest('recraft-v4', 'p').with_size(ImageSize.Square512))).rejects.toBeInstanceOf(
      UnsupportedCapabilityError,
    )
  })

  it('never sends n above 6: eight images come from split calls', async () => {
    const response = await recraftClient().generateImage(new ImageGenerationRequest('recraft-v4', 'p').with_n(8))
    expect(response.count).toBe(8)
  })

  it('rejects n above 10 when the request is built', () => {
    expect(() => new ImageGenerationRequest('recraft-v4', 'p').with_n(11)).toThrow(InvalidRequestError)
  })

  it('drops a seed with a warning, or rejects it by policy; a negative seed is invalid', async () => {
    const response = await recraftClient().generateImage(new ImageGenerationRequest('recraft-v3', 'p').with_seed(12345))
    expect(response.warnings).toMatchObject([{ type: 'unsupported', setting: 'seed' }])
    await expect(recraftClient({ unsupported: 'error' }).generateImage(new ImageGenerationRequest('recraft-v3', 'p').with_seed(12345))).rejects.toBeInstanceOf(UnsupportedCapabilityError)
    await expect(recraftClient().generateImage({ model: 'recraft-v3', prompt: 'p', seed: -5 })).rejects.toBeInstanceOf(InvalidRequestError)
  })

  it('drops a negative prompt on recraft-v4, which ignores it (the emulator would refuse it)', async () => {
    const response = await recraftClient().generateImage(new ImageGenerationRequest('recraft-v4', 'p').with_negative_prompt('blurry'))
    expect(response.count).toBe(1)
    expect(response.warnings).toMatchObject([{ type: 'unsupported', setting: 'negative_prompt' }])
  })

  it('rejects a style on V4 before the call', async () => {
    await expect(recraftClient().generateImage({ model: 'recraft-v4', prompt: 'p', provider_options: { style: 'realistic_image' } })).rejects.toMatchObject({
      name: 'InvalidRequestError',
      param: 'provider_options.style',
    })
  })
})

describe('errors from the emulator', () => {
  it('maps the plain-text 401 to AuthenticationError', async () => {
    const error = await recraftClient({ apiKeys: { recraft: 'wrong-key' } })
      .generateImage({ model: 'recraft-v3', prompt: 'p' })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AuthenticationError)
    expect((error as Error).message).toContain('request unauthorized')
    expect((error as Error).message).not.toContain('wrong-key')
  })

  it('maps the plain-text 404 of a wrong base URL to InvalidRequestError', async () => {
    const error = await recraftClient({ baseUrls: { recraft: `${emulatorUrl}/recraft/v2` } })
      .generateImage({ model: 'recraft-v3', prompt: 'p' })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidRequestError)
    expect(error).toMatchObject({ status: 404 })
    expect((error as Error).message).toContain('404 page not found')
  })

  it('maps a refusal to ContentPolicyError and an empty balance to a non-retryable quota error', async () => {
    await expect(recraftClient().generateImage({ model: 'recraft-v3', prompt: 'emulator:content-policy' })).rejects.toBeInstanceOf(ContentPolicyError)
    const error = await recraftClient()
      .generateImage({ model: 'recraft-v3', prompt: 'emulator:quota' })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RateLimitError)
    expect(error).toMatchObject({ retryable: false, status: 402, providerCode: 'not_enough_credits' })
    expect((error as Error).message).toContain('quota')
  })

  it('retries a 429 with Retry-After and then succeeds', async () => {
    await injectFault({ pathPrefix: '/recraft/v1/images', status: 429, headers: { 'retry-after': '0' }, body: 'Too Many Requests' })
    const response = await recraftClient().generateImage({ model: 'recraft-v3', prompt: 'p' })
    expect(response.count).toBe(1)
  })

  it('aborts a hanging call', async () => {
    await injectFault({ pathPrefix: '/recraft/v1/images', hang: true })
    const controller = new AbortController()
    const pending = recraftClient().generateImage({ model: 'recraft-v3', prompt: 'p' }, { signal: controller.signal })
    setTimeout(() => controller.abort(), 50)
    await expect(pending).rejects.toBeInstanceOf(AbortError)
  })
})
