import nock from 'nock'
import { type Clock, LLMKitClient, systemClock } from '@llmkit/core'
import { describe, expect, it } from 'vitest'
import { useNock } from '../../../test/nock.js'
import { fal, falAppId } from './index.js'

const BASE = 'https://queue.fal.test'
const ID = '764cabcf-b745-4b3e-ae38-1200304cf45b'

/** Runs the core's job waits 200 times faster. */
function fastClock(factor = 200): Clock {
  const start = Date.now()
  return { now: () => start + (Date.now() - start) * factor, sleep: (ms, signal) => systemClock.sleep(ms / factor, signal) }
}

useNock()

describe('unlisted fal applications', () => {
  it('open with a conservative row, send the id as the path, and warn that the row is guessed', async () => {
    const model = 'fal-ai/flux-pro/v1.1'
    const app = falAppId(model)
    const seen: { body?: unknown } = {}
    nock(BASE)
      .post(`/${model}`, (body: unknown) => {
        seen.body = body
        return true
      })
      .reply(200, { status: 'IN_QUEUE', request_id: ID, response_url: `${BASE}/${app}/requests/${ID}`, status_url: `${BASE}/${app}/requests/${ID}/status`, cancel_url: `${BASE}/${app}/requests/${ID}/cancel`, queue_position: 0 })
      .get(`/${app}/requests/${ID}/status`)
      .reply(200, { status: 'COMPLETED', request_id: ID, logs: null })
      .get(`/${app}/requests/${ID}`)
      .reply(200, { images: [{ url: 'https://v3.fal.media/files/koala/a.png', width: 1024, height: 1024, content_type: 'image/png' }], seed: 7, has_nsfw_concepts: [false], prompt: 'p' })
    const client = new LLMKitClient({ providers: [fal()], env: { FAL_KEY: 'fal-key-id:0123456789abcdef0123', FAL_BASE_URL: BASE }, clock: fastClock(), retry: false })
    const res = await client.generateImage({ model: `fal:${model}`, prompt: 'p', seed: 7 })
    expect(seen.body).toStrictEqual({ prompt: 'p', num_images: 1, seed: 7 })
    expect(res.first()?.url).toBe('https://v3.fal.media/files/koala/a.png')
    expect(res.warnings).toStrictEqual([
      {
        type: 'other',
        setting: 'model',
        message: "fal fal-ai/flux-pro/v1.1 is not in llmkit's table; it runs with conservative guessed capabilities (one image per call, FLUX-style inputs): check the app's input schema",
        requested: model,
      },
    ])
  })
})
