import nock from 'nock'
import { LLMKitClient, modelCapabilitiesSchema } from '@llmkit/core'
import { describe, expect, it } from 'vitest'
import { useNock } from '../../../test/nock.js'
import { openRunwayModel, runway } from './index.js'

const BASE = 'https://api.runway.test'
const TASK = '17f20503-6c24-4c16-946b-35dbbce2af2f'
const OUTPUT = 'https://dnznrvs05pmza.cloudfront.net/output/17f20503.png?_jwt=abc'

function client() {
  return new LLMKitClient({ providers: [runway({ pollIntervalMs: 1 })], env: { RUNWAYML_API_SECRET: `key_${'ab'.repeat(64)}`, RUNWAYML_BASE_URL: BASE } })
}

/** One submitted task that succeeds on its first poll; records the submitted body. */
function expectTask() {
  const seen: { body?: unknown } = {}
  nock(BASE)
    .post('/v1/text_to_image', (body: unknown) => {
      seen.body = body
      return true
    })
    .reply(200, { id: TASK })
    .get(`/v1/tasks/${TASK}`)
    .reply(200, { id: TASK, createdAt: '2025-06-01T12:00:00.000Z', status: 'SUCCEEDED', output: [OUTPUT] })
  return seen
}

useNock()

describe('newer and unlisted Runway model ids (runway:<id>)', () => {
  it('opens a new gen4_* id with gen4_image row (seeded), sends the id as given, and warns that the row is guessed', async () => {
    const seen = expectTask()
    const res = await client().generateImage({ model: 'runway:gen4_image_ultra', prompt: 'a fox', size: '1920x1080', seed: 7 })
    expect(seen.body).toStrictEqual({ model: 'gen4_image_ultra', promptText: 'a fox', ratio: '1920:1080', seed: 7 })
    expect(res.images[0]!.url).toBe(OUTPUT)
    expect(res.warnings).toContainEqual({
      type: 'other',
      setting: 'model',
      message: "runway gen4_image_ultra is not in llmkit's table; its capabilities are guessed from gen4_image (same family): sizes, counts and options may differ",
      requested: 'gen4_image_ultra',
    })
  })

  it('runs any other id on a minimal row: a 1024:1024 ratio always sent, no seed, one image per task', async () => {
    const row = openRunwayModel('new_model_1')!
    expect(modelCapabilitiesSchema.safeParse(row).success).toBe(true)
    expect(row).toMatchObject({ maxImagesPerCall: 1, seed: null, defaultSize: '1024x1024' })
    const seen = expectTask()
    const res = await client().generateImage({ model: 'runway:new_model_1', prompt: 'a fox', seed: 3 })
    expect(seen.body).toStrictEqual({ model: 'new_model_1', promptText: 'a fox', ratio: '1024:1024' })
    expect(res.warnings.map((w) => w.setting)).toEqual(['model', 'seed'])
    expect(res.warnings[0]!.message).toMatch(/^runway new_model_1 is not in llmkit's table; it runs with minimal guessed capabilities/)
  })

  it('gives gpt_image_* and gemini_* ids their family rows', () => {
    expect(openRunwayModel('gpt_image_3')).toMatchObject({ maxImagesPerCall: 10, qualities: ['low', 'medium', 'high', 'auto'] })
    expect(openRunwayModel('gemini_3_flash')?.guessed).toMatch(/guessed from gemini_2.5_flash/)
  })
})
