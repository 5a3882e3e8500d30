import { readFileSync } from 'node:fs'
import nock from 'nock'
import { LLMKitClient, modelCapabilitiesSchema } from '@llmkit/core'
import { describe, expect, it } from 'vitest'
import { headersOf, useNock } from '../../../test/nock.js'
import { openStabilityModel, stability } from './index.js'

const BASE = 'https://api.stability.test'
const PNG_B64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=='

function client() {
  return new LLMKitClient({ providers: [stability()], env: { STABILITY_API_KEY: 'sk-stability-test-0123456789', STABILITY_BASE_URL: BASE }, retry: false })
}

/** One reply at `path`; records the raw body and its content type. */
function expectCall(path: string, body: unknown) {
  const seen: { raw?: string; contentType?: string; headers?: Record<string, string> } = {}
  const scope = nock(BASE).post(path).reply(200, body as nock.Body, { 'content-type': 'application/json' })
  scope.on('request', (req: { headers: Record<string, string> | Headers }, _interceptor: unknown, raw: string) => {
    seen.raw = raw
    seen.headers = headersOf(req.headers)
    seen.contentType = seen.headers['content-type']
  })
  return seen
}

useNock()

describe('newer and unlisted Stability model ids (stability:<id>)', () => {
  it('sends a new sd3* id to /generate/sd3 as its model with the SD 3.5 Large row, and warns that the row is guessed', async () => {
    const seen = expectCall('/v2beta/stable-image/generate/sd3', { image: PNG_B64, finish_reason: 'SUCCESS', seed: 9 })
    const res = await client().generateImage({ model: 'stability:sd3.6-large', prompt: 'a fox', size: '1024x1024', seed: 9 })
    const fields = [...(await new Response(seen.raw, { headers: { 'content-type': seen.contentType! } }).formData()).entries()].map(([k, v]) => [k, String(v)])
    expect(fields).toStrictEqual([
      ['model', 'sd3.6-large'],
      ['prompt', 'a fox'],
      ['aspect_ratio', '1:1'],
      ['seed', '9'],
    ])
    expect(res.images[0]!.seed).toBe(9)
    expect(res.warnings).toContainEqual({
      type: 'other',
      setting: 'model',
      message: "stability sd3.6-large is not in llmkit's table; its capabilities are guessed from stability-ai/sd3.5-large (same family): sizes, counts and options may differ",
      requested: 'sd3.6-large',
    })
  })

  it('runs any other v1 engine on a minimal row: 1024x1024 always sent, one sample per call, seeded', async () => {
    const row = openStabilityModel('stable-diffusion-v1-6')!
    expect(modelCapabilitiesSchema.safeParse(row).success).toBe(true)
    const seen = expectCall('/v1/generation/stable-diffusion-v1-6/text-to-image', { artifacts: [{ base64: PNG_B64, seed: 5, finishReason: 'SUCCESS' }] })
    const res = await client().generateImage({ model: 'stability:stable-diffusion-v1-6', prompt: 'a fox', seed: 5 })
    expect(JSON.parse(seen.raw!)).toStrictEqual({ text_prompts: [{ text: 'a fox', weight: 1 }], width: 1024, height: 1024, samples: 1, seed: 5 })
    expect(res.warnings[0]!.message).toMatch(/^stability stable-diffusion-v1-6 is not in llmkit's table; it runs with minimal guessed capabilities/)
  })

  it('gives a new stable-diffusion-xl engine the SDXL row', () => {
    expect(openStabilityModel('stable-diffusion-xl-1024-v2-0')?.guessed).toMatch(/guessed from stability-ai\/stable-diffusion-xl/)
  })
})

describe('headers', () => {
  it("send Stability's client headers on v2beta (not on v1) and a user-agent naming this package", async () => {
    const version = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version
    const v2 = expectCall('/v2beta/stable-image/generate/core', { image: PNG_B64, finish_reason: 'SUCCESS', seed: 1 })
    await client().generateImage({ model: 'stability-ai/stable-image-core', prompt: 'a fox' })
    expect(v2.headers).toMatchObject({ 'stability-client-id': 'llmkit', 'stability-client-version': version })
    expect(v2.headers?.['user-agent']).toMatch(new RegExp(`^llmkit/\\S+ @llmkit/provider-stability/${version.replaceAll('.', '\\.')} node/`))
    const v1 = expectCall('/v1/generation/stable-diffusion-xl-1024-v1-0/text-to-image', { artifacts: [{ base64: PNG_B64, seed: 5, finishReason: 'SUCCESS' }] })
    await client().generateImage({ model: 'stability-ai/stable-diffusion-xl', prompt: 'a fox' })
    expect(Object.keys(v1.headers ?? {}).filter((h) => h.startsWith('stability-client'))).toStrictEqual([])
  })
})
