import { readFileSync } from 'node:fs'
import nock from 'nock'
import { LLMKitClient, ModelNotFoundError, modelCapabilitiesSchema } from '@llmkit/core'
import { describe, expect, it } from 'vitest'
import { headersOf, useNock } from '../../../test/nock.js'
import { openai, openaiModels, openOpenAIModel } from './index.js'

const BASE = 'https://api.openai.test'
const PNG_B64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=='

function client() {
  return new LLMKitClient({ providers: [openai()], env: { OPENAI_API_KEY: 'sk-test-0123456789abcdef', OPENAI_BASE_URL: `${BASE}/v1` }, retry: false })
}

/** One nock reply of `count` base64 images; records the JSON body sent. */
function expectBody(count = 1) {
  const seen: { body?: Record<string, unknown> } = {}
  nock(BASE)
    .post('/v1/images/generations', (body: Record<string, unknown>) => {
      seen.body = body
      return true
    })
    .reply(200, { created: 1_700_000_000, data: Array.from({ length: count }, () => ({ b64_json: PNG_B64 })) })
  return seen
}

useNock()

describe('newer and unlisted OpenAI model ids (openai:<id>)', () => {
  it('opens a dated snapshot with its model row, sends the id as given, and warns that the row is guessed', async () => {
    const seen = expectBody(2)
    const res = await client().generateImage({ model: 'openai:gpt-image-2-2026-04-21', prompt: 'a fox', n: 2, size: '1024x1024', quality: 'high' })
    expect(seen.body).toStrictEqual({ model: 'gpt-image-2-2026-04-21', prompt: 'a fox', n: 2, size: '1024x1024', quality: 'high' })
    expect(res.model).toBe('gpt-image-2-2026-04-21')
    expect(res.count).toBe(2)
    expect(res.warnings).toContainEqual({
      type: 'other',
      setting: 'model',
      message: "openai gpt-image-2-2026-04-21 is not in llmkit's table; its capabilities are those of gpt-image-2, of which it looks like a dated snapshot",
      requested: 'gpt-image-2-2026-04-21',
    })
  })

  it('gives a new gpt-image id the newest GPT image row (gpt-image-2), without response_format', async () => {
    const row = openOpenAIModel('gpt-image-3')!
    const { id: _a, wireId: _b, displayName: _c, guessed, ...borrowed } = row
    const { id: _d, wireId: _e, displayName: _f, ...newest } = openaiModels.find((m) => m.id === 'gpt-image-2')!
    expect(borrowed).toStrictEqual(newest)
    expect(guessed).toMatch(/guessed from gpt-image-2 \(same family\)/)
    const seen = expectBody()
    await client().generateImage({ model: 'openai:gpt-image-3', prompt: 'a fox' })
    expect(seen.body).toStrictEqual({ model: 'gpt-image-3', prompt: 'a fox', n: 1 })
  })

  it('runs any other id on a minimal row: one image per call (n split), 1024x1024 only, no quality, with a warning', async () => {
    const row = openOpenAIModel('image-model-x')!
    expect(modelCapabilitiesSchema.safeParse(row).success).toBe(true)
    expect(row).toMatchObject({ maxImagesPerCall: 1, sizes: { kind: 'list', values: ['1024x1024'] }, qualities: [], seed: null, formats: ['b64_json'] })
    const bodies = [expectBody(), expectBody()]
    const res = await client().generateImage({ model: 'openai:image-model-x', prompt: 'a fox', n: 2, quality: 'hd' })
    expect(bodies.map((s) => s.body)).toStrictEqual([
      { model: 'image-model-x', prompt: 'a fox', n: 1 },
      { model: 'image-model-x', prompt: 'a fox', n: 1 },
    ])
    expect(res.warnings.map((w) => w.setting)).toEqual(['model', 'quality'])
    expect(res.warnings[0]!.message).toMatch(/openai image-model-x is not in llmkit's table; it runs with minimal guessed capabilities/)
  })

  it('does not open an id without the prefix, nor one with characters no model id has', async () => {
    const c = client()
    await expect(c.capabilities('gpt-image-2-2026-04-21')).rejects.toBeInstanceOf(ModelNotFoundError)
    await expect(c.capabilities('openai:gpt image 2')).rejects.toBeInstanceOf(ModelNotFoundError)
    expect((await c.capabilities('openai:gpt-image-2')).guessed).toBeUndefined()
  })
})

describe('user-agent', () => {
  it('names llmkit, this package and Node, with the caller value appended', async () => {
    const seen: string[] = []
    const scope = nock(BASE).post('/v1/images/generations').reply(200, { created: 1, data: [{ url: 'https://img.openai.test/a.png' }] })
    scope.on('request', (req: { headers: Record<string, string> | Headers }) => seen.push(String(headersOf(req.headers)['user-agent'])))
    const c = new LLMKitClient({ providers: [openai()], env: { OPENAI_API_KEY: 'sk-test-0123456789abcdef', OPENAI_BASE_URL: `${BASE}/v1` }, retry: false, transport: { userAgent: 'myapp/1.2' } })
    await c.generateImage({ model: 'dall-e-2', prompt: 'a fox', format: 'url' })
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
    const core = JSON.parse(readFileSync(new URL('../../core/package.json', import.meta.url), 'utf8')) as { version: string }
    expect(seen).toStrictEqual([`llmkit/${core.version} @llmkit/provider-openai/${pkg.version} node/${process.versions.node} myapp/1.2`])
  })
})
