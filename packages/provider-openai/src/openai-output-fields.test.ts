import nock from 'nock'
import { ImageBackground, ImageGenerationRequest, LLMKitClient, OutputFormat, UnsupportedCapabilityError } from '@llmkit/core'
import { describe, expect, it } from 'vitest'
import { useNock } from '../../../test/nock.js'
import { openai } from './index.js'

const BASE = 'https://api.openai.test'
/** The first bytes of a JPEG (SOI + APP0 JFIF), enough for the core's type check. */
const JPEG_B64 = '/9j/4AAQSkZJRgABAQ=='

function client(unsupported?: 'warn' | 'error') {
  return new LLMKitClient({ providers: [openai()], env: { OPENAI_API_KEY: 'sk-test-0123456789abcdef', OPENAI_BASE_URL: `${BASE}/v1` }, unsupported, retry: false })
}

/** Captures the JSON body of the one request nock sees. */
function expectCall(reply: unknown) {
  const seen: { body?: unknown } = {}
  nock(BASE)
    .post('/v1/images/generations')
    .reply(200, reply as nock.Body)
    .on('request', (_req: unknown, _interceptor: unknown, body: string) => {
      seen.body = JSON.parse(body)
    })
  return seen
}

useNock()

describe('first-class output_format, output_compression, background and aspect_ratio on OpenAI', () => {
  it('sends output_format, output_compression and background to gpt-image-1 under their wire names', async () => {
    const seen = expectCall({ created: 1, data: [{ b64_json: JPEG_B64 }], output_format: 'jpeg' })
    const request = new ImageGenerationRequest('gpt-image-1', 'p')
      .with_output_format(OutputFormat.Jpeg)
      .with_output_compression(60)
      .with_background(ImageBackground.Opaque)
      .with_aspect_ratio('3:2')
    const response = await client('error').generateImage(request)
    expect(seen.body).toStrictEqual({ model: 'gpt-image-1', prompt: 'p', n: 1, size: '1536x1024', output_format: 'jpeg', output_compression: 60, background: 'opaque' })
    expect(response.first()?.mimeType).toBe('image/jpeg')
    expect(response.warnings).toStrictEqual([])
  })

  it('gives gpt-image-2 an exact 16:9 size from its pixel range', async () => {
    const seen = expectCall({ created: 1, data: [{ b64_json: 'iVBORw0KGgo=' }] })
    await client('error').generateImage({ model: 'gpt-image-2', prompt: 'p', aspect_ratio: '16:9', background: 'transparent', output_format: 'png' })
    expect(seen.body).toStrictEqual({ model: 'gpt-image-2', prompt: 'p', n: 1, size: '1280x720', output_format: 'png', background: 'transparent' })
  })

  it('maps 16:9 to dall-e-3 1792x1024 and drops background with warnings', async () => {
    const seen = expectCall({ created: 1, data: [{ url: 'https://img.openai.test/a.png' }] })
    nock('https://img.openai.test').get('/a.png').reply(200, Buffer.from('89504e470d0a1a0a', 'hex'), { 'content-type': 'image/png' })
    const response = await client().generateImage({ model: 'dall-e-3', prompt: 'p', aspect_ratio: '16:9', background: 'transparent', output_format: 'png' })
    expect(seen.body).toStrictEqual({ model: 'dall-e-3', prompt: 'p', n: 1, size: '1792x1024', response_format: 'url' })
    expect(response.warnings?.map((w) => [w.type, w.setting])).toStrictEqual([
      ['mapped', 'aspect_ratio'],
      ['unsupported', 'background'],
    ])
  })

  it("fails before any call on dall-e-3 with output_format jpeg under unsupported: 'error'", async () => {
    await expect(client('error').generateImage({ model: 'dall-e-3', prompt: 'p', output_format: 'jpeg' })).rejects.toBeInstanceOf(UnsupportedCapabilityError)
    expect(nock.pendingMocks()).toStrictEqual([])
  })
})
