import nock from 'nock'
import { LLMKitClient, modelCapabilitiesSchema } from '@llmkit/core'
import { describe, expect, it } from 'vitest'
import { useNock } from '../../../test/nock.js'
import { openRecraftModel, recraft } from './index.js'

const BASE = 'https://external.api.recraft.test'
const URL_IMAGE = 'https://img.recraft.ai/Zk2Q8mT0vX1yR3sL5nP7qW9eA1bC3dE5fG7hJ9kL1mN/raw.png'

function client() {
  return new LLMKitClient({ providers: [recraft()], env: { RECRAFT_API_KEY: 'rc-test-0123456789abcdef', RECRAFT_BASE_URL: `${BASE}/v1` }, retry: false })
}

/** One reply of `count` URL images; records the body sent. */
function expectBody(count = 1) {
  const seen: { body?: unknown } = {}
  nock(BASE)
    .post('/v1/images/generations', (body: unknown) => {
      seen.body = body
      return true
    })
    .reply(200, { created: 1_767_225_600, data: Array.from({ length: count }, (_, i) => ({ image_id: `img-${i}`, url: URL_IMAGE })) })
  return seen
}

useNock()

describe('newer and unlisted Recraft model ids (recraft:<id>)', () => {
  it('opens a new recraft* id with the V4 row, sends the id as given, and warns that the row is guessed', async () => {
    const seen = expectBody(2)
    const res = await client().generateImage({ model: 'recraft:recraftv5', prompt: 'a fox', n: 2, size: '1024x1024', format: 'url' })
    expect(seen.body).toStrictEqual({ model: 'recraftv5', prompt: 'a fox', n: 2, response_format: 'url', size: '1024x1024' })
    expect(res.count).toBe(2)
    expect(res.warnings).toContainEqual({
      type: 'other',
      setting: 'model',
      message: "recraft recraftv5 is not in llmkit's table; its capabilities are guessed from recraft-v4 (same family): sizes, counts and options may differ",
      requested: 'recraftv5',
    })
  })

  it('picks the vector and pro families by name, and a minimal row for anything else', () => {
    expect(openRecraftModel('recraftv4_1_vector')).toMatchObject({ sizes: { kind: 'aspect' }, outputMimeTypes: ['image/svg+xml'] })
    expect(openRecraftModel('recraftv4_1_pro')).toMatchObject({ defaultSize: '2048x2048' })
    const other = openRecraftModel('other-model')!
    expect(modelCapabilitiesSchema.safeParse(other).success).toBe(true)
    expect(other).toMatchObject({ maxImagesPerCall: 1, sizes: { kind: 'list', values: ['1024x1024'] }, negativePrompt: false })
    expect(other.guessed).toMatch(/minimal guessed capabilities/)
  })
})
