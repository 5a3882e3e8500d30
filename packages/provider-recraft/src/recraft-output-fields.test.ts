import { readFileSync } from 'node:fs'
import nock from 'nock'
import { LLMKitClient, UnsupportedCapabilityError } from '@llmkit/core'
import { describe, expect, it } from 'vitest'
import { useNock } from '../../../test/nock.js'
import { recraft } from './index.js'

const BASE = 'https://external.api.recraft.test'
const fixture = (name: string) => JSON.parse(readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8')) as nock.Body

function client(unsupported?: 'warn' | 'error') {
  return new LLMKitClient({ providers: [recraft()], env: { RECRAFT_API_KEY: 'rc-test-0123456789abcdef', RECRAFT_BASE_URL: `${BASE}/v1` }, unsupported, retry: false })
}

/** Captures the JSON body of the one request nock sees. */
function expectCall(reply: nock.Body) {
  const seen: { body?: Record<string, unknown> } = {}
  nock(BASE)
    .post('/v1/images/generations')
    .reply(200, reply)
    .on('request', (_req: unknown, _interceptor: unknown, body: string) => {
      seen.body = JSON.parse(body) as Record<string, unknown>
    })
  return seen
}

useNock()

describe('first-class aspect_ratio and output_format on Recraft', () => {
  it('sends a raster model the listed size at the ratio, and honors png, the one format it produces', async () => {
    const seen = expectCall(fixture('recraftv3-url.json'))
    const response = await client('error').generateImage({ model: 'recraft-v3', prompt: 'p', aspect_ratio: '2:1', output_format: 'png' })
    expect(seen.body).toMatchObject({ model: 'recraftv3', size: '2048x1024' })
    expect(seen.body).not.toHaveProperty('output_format')
    expect(response.warnings).toStrictEqual([])
  })

  it('sends a vector model the ratio itself as its size', async () => {
    const seen = expectCall(fixture('recraftv3-vector-b64.json'))
    await client('error').generateImage({ model: 'recraft-v3-vector', prompt: 'p', aspect_ratio: '16:9', format: 'b64_json' })
    expect(seen.body?.['size']).toBe('16:9')
  })

  it("rejects jpeg and a transparent background before any call under unsupported: 'error'", async () => {
    await expect(client('error').generateImage({ model: 'recraft-v3', prompt: 'p', output_format: 'jpeg' })).rejects.toBeInstanceOf(UnsupportedCapabilityError)
    await expect(client('error').generateImage({ model: 'recraft-v3', prompt: 'p', background: 'transparent' })).rejects.toMatchObject({ param: 'background' })
    expect(nock.pendingMocks()).toStrictEqual([])
  })
})
