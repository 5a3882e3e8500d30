import nock from 'nock'
import { ImageBackground, ImageGenerationRequest, LLMKitClient, UnsupportedCapabilityError } from '@llmkit/core'
import { describe, expect, it } from 'vitest'
import { useNock } from '../../../test/nock.js'
import { runway } from './index.js'

const BASE = 'https://api.runway.test'
const TASK = '17f20503-6c24-4c16-946b-35dbbce2af2f'

function client(unsupported?: 'warn' | 'error') {
  return new LLMKitClient({ providers: [runway({ pollIntervalMs: 1 })], env: { RUNWAYML_API_SECRET: `key_${'ab'.repeat(64)}`, RUNWAYML_BASE_URL: BASE }, unsupported })
}

/** A task that succeeds at the first poll; returns the submit body it saw. */
function quickTask(outputs: number) {
  const seen: { body?: unknown } = {}
  nock(BASE)
    .post('/v1/text_to_image')
    .reply(200, { id: TASK })
    .on('request', (_req: unknown, _interceptor: unknown, body: string) => {
      seen.body = JSON.parse(body)
    })
  nock(BASE)
    .get(`/v1/tasks/${TASK}`)
    .reply(200, { id: TASK, createdAt: '2025-06-01T12:00:00.000Z', status: 'SUCCEEDED', output: Array.from({ length: outputs }, (_, i) => `https://cdn.runway.test/${i}.png`) })
  return seen
}

useNock()

describe('first-class aspect_ratio and background on Runway', () => {
  it('sends gpt_image_2 a ratio at exactly 16:9 and background transparent', async () => {
    const seen = quickTask(1)
    const request = new ImageGenerationRequest('gpt_image_2', 'p').with_aspect_ratio('16:9').with_background(ImageBackground.Transparent)
    const response = await client('error').generateImage(request)
    expect(seen.body).toStrictEqual({ model: 'gpt_image_2', promptText: 'p', ratio: '2560:1440', outputCount: 1, background: 'transparent' })
    expect(response.warnings).toStrictEqual([])
  })

  it('sends gen4_image the listed 16:9 ratio nearest its default 1024x1024 area', async () => {
    const seen = quickTask(1)
    await client('error').generateImage({ model: 'gen4_image', prompt: 'p', aspect_ratio: '16:9' })
    expect((seen.body as Record<string, unknown>)['ratio']).toBe('1280:720')
  })

  it("rejects a background on gen4_image before any call under unsupported: 'error'", async () => {
    await expect(client('error').generateImage({ model: 'gen4_image', prompt: 'p', background: 'opaque' })).rejects.toBeInstanceOf(UnsupportedCapabilityError)
    expect(nock.pendingMocks()).toStrictEqual([])
  })
})
