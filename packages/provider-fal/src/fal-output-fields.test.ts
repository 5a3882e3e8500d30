import nock from 'nock'
import { ImageGenerationRequest, LLMKitClient, OutputFormat, UnsupportedCapabilityError, type Clock, systemClock } from '@llmkit/core'
import { describe, expect, it } from 'vitest'
import { useNock } from '../../../test/nock.js'
import { fal } from './index.js'

const BASE = 'https://queue.fal.test'
const ID = '764cabcf-b745-4b3e-ae38-1200304cf45b'

/** Runs the core's job waits 200 times faster, so the poll takes milliseconds. */
function fastClock(factor = 200): Clock {
  const start = Date.now()
  return { now: () => start + (Date.now() - start) * factor, sleep: (ms, signal) => systemClock.sleep(ms / factor, signal) }
}

function client(unsupported?: 'warn' | 'error') {
  return new LLMKitClient({ providers: [fal()], env: { FAL_KEY: 'fal-key-id:0123456789abcdef0123', FAL_BASE_URL: BASE }, clock: fastClock(), unsupported, retry: false })
}

/** A FLUX job done at the first poll; returns the submit body it saw. */
function quickFluxJob() {
  const seen: { body?: unknown } = {}
  nock(BASE)
    .post('/fal-ai/flux/dev')
    .reply(200, { status: 'IN_QUEUE', request_id: ID, response_url: `${BASE}/fal-ai/flux/requests/${ID}`, status_url: `${BASE}/fal-ai/flux/requests/${ID}/status`, cancel_url: `${BASE}/fal-ai/flux/requests/${ID}/cancel` })
    .on('request', (_req: unknown, _interceptor: unknown, body: string) => {
      seen.body = JSON.parse(body)
    })
  nock(BASE)
    .get(`/fal-ai/flux/requests/${ID}/status`)
    .reply(200, { status: 'COMPLETED', request_id: ID })
    .get(`/fal-ai/flux/requests/${ID}`)
    .reply(200, { images: [{ url: 'https://v3.fal.media/files/koala/a.jpg', width: 1280, height: 720, content_type: 'image/jpeg' }], seed: 7, has_nsfw_concepts: [false] })
  return seen
}

useNock()

describe('first-class aspect_ratio and output_format on fal', () => {
  it('sends FLUX an image_size at the exact ratio and output_format jpeg', async () => {
    const seen = quickFluxJob()
    const request = new ImageGenerationRequest('fal-ai/flux/dev', 'p').with_aspect_ratio('16:9').with_output_format(OutputFormat.Jpeg)
    const response = await client('error').generateImage(request)
    expect(seen.body).toStrictEqual({ prompt: 'p', num_images: 1, image_size: { width: 1280, height: 720 }, output_format: 'jpeg' })
    expect(response.first()?.mimeType).toBe('image/jpeg')
    expect(response.warnings).toStrictEqual([])
  })

  it("rejects webp on FLUX and any format choice on SD3 before any call under unsupported: 'error'", async () => {
    await expect(client('error').generateImage({ model: 'fal-ai/flux/dev', prompt: 'p', output_format: 'webp' })).rejects.toThrow(/does not produce webp \(output formats: jpeg, png\)/)
    await expect(client('error').generateImage({ model: 'fal-ai/stable-diffusion-3', prompt: 'p', output_format: 'png' })).rejects.toBeInstanceOf(UnsupportedCapabilityError)
    expect(nock.pendingMocks()).toStrictEqual([])
  })
})
