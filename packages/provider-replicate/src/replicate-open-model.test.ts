import nock from 'nock'
import { LLMKitClient } from '@llmkit/core'
import { describe, expect, it } from 'vitest'
import { useNock } from '../../../test/nock.js'
import { SDXL_VERSION, openReplicateModel, replicate, replicateModels } from './index.js'

const BASE = 'https://api.replicate.test'
const PINNED = 'b'.repeat(64)

function client() {
  return new LLMKitClient({ providers: [replicate()], env: { REPLICATE_API_TOKEN: 'r8_test0123456789abcdef', REPLICATE_BASE_URL: `${BASE}/v1` }, retry: false })
}

/** One finished prediction at `path`; records the body sent. */
function expectCreate(path: string) {
  const seen: { body?: unknown } = {}
  nock(BASE)
    .post(path, (body: unknown) => {
      seen.body = body
      return true
    })
    .reply(201, { id: 'p1', model: 'm/n', version: 'hidden', input: {}, logs: '', output: ['https://replicate.delivery/g/out-0.png'], error: null, status: 'succeeded', created_at: '2026-01-10T12:00:00.000Z', urls: {} })
  return seen
}

useNock()

describe('pinned versions and unlisted Replicate models', () => {
  it('keeps the table row for a pinned version of a table model: SDXL takes its negative prompt, with no warning', async () => {
    const id = `stability-ai/sdxl:${PINNED}`
    const { id: _a, wireId: _b, ...row } = openReplicateModel(id)!
    const { id: _c, wireId: _d, ...sdxl } = replicateModels.find((m) => m.id === 'stability-ai/sdxl')!
    expect(row).toStrictEqual(sdxl)
    const seen = expectCreate('/v1/predictions')
    const res = await client().generateImage({ model: id, prompt: 'An astronaut', size: '1024x1024', negative_prompt: 'blurry', seed: 9 })
    expect(seen.body).toStrictEqual({ version: PINNED, input: { prompt: 'An astronaut', num_outputs: 1, width: 1024, height: 1024, negative_prompt: 'blurry', seed: 9 } })
    expect(res.warnings).toStrictEqual([])
    expect(SDXL_VERSION).not.toBe(PINNED)
  })

  it('opens any other model with a conservative row and a warning that it is guessed', async () => {
    const seen = expectCreate('/v1/models/someone/model/predictions')
    const res = await client().generateImage({ model: 'replicate:someone/model', prompt: 'p' })
    expect(seen.body).toStrictEqual({ input: { prompt: 'p' } })
    expect(res.warnings).toStrictEqual([
      {
        type: 'other',
        setting: 'model',
        message: "replicate someone/model is not in llmkit's table; it runs with conservative guessed capabilities (one image per call, width/height, no negative prompt): check the model's input schema",
        requested: 'someone/model',
      },
    ])
  })
})
