import nock from 'nock'
import { LLMKitClient } from '@llmkit/core'
import { describe, expect, it } from 'vitest'
import { useNock } from '../../../test/nock.js'
import { openai } from './index.js'

const BASE = 'https://api.openai.test'
const PNG_B64 = 'iVBORw0KGgo='

function client(unsupported?: 'warn' | 'error') {
  return new LLMKitClient({ providers: [openai()], env: { OPENAI_API_KEY: 'sk-test-0123456789abcdef', OPENAI_BASE_URL: `${BASE}/v1` }, unsupported, retry: false })
}

/** Captures the JSON body of the one request nock sees. */
function expectCall() {
  const seen: { body?: unknown } = {}
  nock(BASE)
    .post('/v1/images/generations')
    .reply(200, { created: 1, data: [{ b64_json: PNG_B64 }] })
    .on('request', (_req: unknown, _interceptor: unknown, body: string) => {
      seen.body = JSON.parse(body)
    })
  return seen
}

useNock()

// CreateImageRequest.size in the vendored OpenAPI (packages/emulator/src/schemas/openai.json): gpt-image-2 takes
// WIDTHxHEIGHT with both edges divisible by 16, aspect ratio between 1:3 and 3:1, at most 3840x2160 pixels.
describe('gpt-image-2 custom sizes stay within 1:3 to 3:1 and its pixel and edge limits', () => {
  it('sends 3840x1280 (exactly 3:1) as asked, without a warning', async () => {
    const seen = expectCall()
    const response = await client('error').generateImage({ model: 'gpt-image-2', prompt: 'p', size: '3840x1280' })
    expect(seen.body).toStrictEqual({ model: 'gpt-image-2', prompt: 'p', n: 1, size: '3840x1280' })
    expect(response.warnings).toStrictEqual([])
  })

  it('shortens the long edge of 3840x256 (15:1) to 768x256 (3:1) and warns', async () => {
    const seen = expectCall()
    const response = await client().generateImage({ model: 'gpt-image-2', prompt: 'p', size: '3840x256' })
    expect(seen.body).toStrictEqual({ model: 'gpt-image-2', prompt: 'p', n: 1, size: '768x256' })
    expect(response.warnings).toHaveLength(1)
    expect(response.warnings[0]).toMatchObject({ type: 'mapped', setting: 'size', requested: '3840x256', used: '768x256' })
    expect(response.warnings[0]?.message).toContain('aspect ratio within 1:3 to 3:1')
  })

  it("refuses 256x3840 (1:15) before any call under unsupported: 'error'", async () => {
    await expect(client('error').generateImage({ model: 'gpt-image-2', prompt: 'p', size: '256x3840' })).rejects.toMatchObject({
      name: 'UnsupportedCapabilityError',
      param: 'size',
    })
    expect(nock.pendingMocks()).toStrictEqual([])
  })

  it('scales 3840x3840 down under the 3840x2160 pixel cap on the 16 grid', async () => {
    const seen = expectCall()
    await client().generateImage({ model: 'gpt-image-2', prompt: 'p', size: '3840x3840' })
    const [width, height] = String((seen.body as { size: string }).size).split('x').map(Number)
    expect(width! * height!).toBeLessThanOrEqual(3840 * 2160)
    expect(width! % 16).toBe(0)
    expect(height! % 16).toBe(0)
    expect(width).toBe(height)
    expect(seen.body).toStrictEqual({ model: 'gpt-image-2', prompt: 'p', n: 1, size: '2880x2880' })
  })

  it('turns aspect_ratio 4:1 into a size within 3:1 and warns that the ratio was mapped', async () => {
    const seen = expectCall()
    const response = await client().generateImage({ model: 'gpt-image-2', prompt: 'p', aspect_ratio: '4:1' })
    const [width, height] = String((seen.body as { size: string }).size).split('x').map(Number)
    expect(width! / height!).toBeLessThanOrEqual(3)
    expect(width! / height!).toBeGreaterThan(2.9)
    expect(seen.body).toStrictEqual({ model: 'gpt-image-2', prompt: 'p', n: 1, size: '1536x512' })
    expect(response.warnings.map((w) => [w.type, w.setting])).toStrictEqual([['mapped', 'aspect_ratio']])
  })
})
