import nock from 'nock'
import { ImageGenerationRequest, LLMKitClient, OutputFormat, UnsupportedCapabilityError } from '@llmkit/core'
import { describe, expect, it } from 'vitest'
import { useNock } from '../../../test/nock.js'
import { replicate } from './index.js'

const BASE = 'https://api.replicate.test'

function client(unsupported?: 'warn' | 'error') {
  return new LLMKitClient({ providers: [replicate()], env: { REPLICATE_API_TOKEN: 'r8_test0123456789abcdef', REPLICATE_BASE_URL: `${BASE}/v1` }, unsupported, retry: false })
}

/** A finished prediction, as a `Prefer: wait` answer returns it. */
function succeeded(output: unknown): Record<string, unknown> {
  return { id: 'p1', model: 'm/n', version: 'hidden', input: {}, logs: '', output, error: null, status: 'succeeded', created_at: '2026-01-10T12:00:00.000Z', urls: {} }
}

/** Captures the JSON body of the one create call at `path`. */
function expectCreate(path: string, output: unknown) {
  const seen: { body?: unknown } = {}
  nock(BASE)
    .post(path)
    .reply(201, succeeded(output))
    .on('request', (_req: unknown, _interceptor: unknown, body: string) => {
      seen.body = JSON.parse(body)
    })
  return seen
}

useNock()

describe('first-class aspect_ratio, output_format and output_compression on Replicate', () => {
  it('sends flux-schnell the ratio, jpeg spelled jpg, and the compression as output_quality', async () => {
    const seen = expectCreate('/v1/models/black-forest-labs/flux-schnell/predictions', ['https://replicate.delivery/a/out-0.jpg'])
    const request = new ImageGenerationRequest('black-forest-labs/flux-schnell', 'p').with_aspect_ratio('9:16').with_output_format(OutputFormat.Jpeg).with_output_compression(75)
    const response = await client('error').generateImage(request)
    expect(seen.body).toStrictEqual({ input: { prompt: 'p', num_outputs: 1, aspect_ratio: '9:16', output_format: 'jpg', output_quality: 75 } })
    expect(response.first()?.mimeType).toBe('image/jpeg')
    expect(response.warnings).toStrictEqual([])
  })

  it('sends SD 3.5 the ratio directly and webp as asked', async () => {
    const seen = expectCreate('/v1/models/stability-ai/stable-diffusion-3.5-large/predictions', 'https://replicate.delivery/b/out.webp')
    await client('error').generateImage({ model: 'stability-ai/stable-diffusion-3.5-large', prompt: 'p', aspect_ratio: '21:9', output_format: 'webp' })
    expect(seen.body).toStrictEqual({ input: { prompt: 'p', aspect_ratio: '21:9', output_format: 'webp' } })
  })

  it('gives the SDXL version width and height for a ratio (a pixel-range model)', async () => {
    const seen = expectCreate('/v1/predictions', ['https://replicate.delivery/c/out-0.png'])
    await client('error').generateImage({ model: 'stability-ai/sdxl', prompt: 'p', aspect_ratio: '3:2', output_format: 'png' })
    expect(seen.body).toMatchObject({ input: { prompt: 'p', width: 1248, height: 832 } })
    expect((seen.body as { input: Record<string, unknown> }).input).not.toHaveProperty('output_format')
  })

  it("rejects a format Ideogram cannot choose before any call under unsupported: 'error'", async () => {
    await expect(client('error').generateImage({ model: 'ideogram-ai/ideogram-v2', prompt: 'p', output_format: 'webp' })).rejects.toBeInstanceOf(UnsupportedCapabilityError)
    expect(nock.pendingMocks()).toStrictEqual([])
  })
})
