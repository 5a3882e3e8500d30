import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PNG } from 'pngjs'
import { pngSize } from '../png.js'
import { startEmulator } from '../server.js'
import type { RunningEmulator } from '../types.js'
import { FAL_TRIGGERS } from './fal.js'

let emulator: RunningEmulator
let base: string
const KEY = 'emulator-fal-key'

async function call(method: string, url: string, body?: unknown, headers: Record<string, string> = { authorization: `Key ${KEY}` }) {
  const res = await fetch(url.startsWith('http') ? url : `${base}${url}`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  return { status: res.status, headers: res.headers, json: (await res.json()) as Record<string, unknown> }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Polls a job's status URL until COMPLETED, as fal's clients do. */
async function completed(statusUrl: string) {
  for (;;) {
    const res = await call('GET', statusUrl)
    if (res.json['status'] === 'COMPLETED') return res
    await sleep(20)
  }
}

beforeAll(async () => {
  emulator = await startEmulator({ jobTiming: { queuedMs: 80, runningMs: 80 } })
  base = emulator.env['FAL_BASE_URL']!
})
afterAll(() => emulator.close())

describe('fal emulator', () => {
  it('exposes FAL_BASE_URL with the key under both FAL_KEY and FAL_API_KEY', () => {
    expect(base).toBe(`${emulator.url}/fal`)
    expect(emulator.env).toMatchObject({ FAL_KEY: KEY, FAL_API_KEY: KEY })
  })

  it('queues a job with absolute subpath-free URLs, moves it through IN_QUEUE, IN_PROGRESS and COMPLETED, and serves real PNGs', async () => {
    // The slow trigger (ten times the timing) keeps each state long enough to be seen on a loaded machine.
    const submit = await call('POST', '/fal-ai/flux/dev', { prompt: `p ${FAL_TRIGGERS.slow}`, num_images: 2, image_size: 'landscape_16_9', seed: 5 })
    expect(submit.status).toBe(200)
    const id = submit.json['request_id'] as string
    expect(submit.headers.get('x-fal-request-id')).toBe(id)
    expect(submit.json).toMatchObject({
      status: 'IN_QUEUE',
      queue_position: expect.any(Number),
      status_url: `${base}/fal-ai/flux/requests/${id}/status`,
      response_url: `${base}/fal-ai/flux/requests/${id}`,
      cancel_url: `${base}/fal-ai/flux/requests/${id}/cancel`,
    })
    const early = await call('GET', submit.json['response_url'] as string)
    expect(early).toMatchObject({ status: 400, json: { detail: 'Request is still in progress' } })
    const seen = new Set<string>()
    for (;;) {
      const res = await call('GET', submit.json['status_url'] as string)
      seen.add(`${res.status} ${String(res.json['status'])}`)
      if (res.json['status'] === 'COMPLETED') break
      await sleep(10)
    }
    expect([...seen]).toStrictEqual(['202 IN_QUEUE', '202 IN_PROGRESS', '200 COMPLETED'])
    const result = await call('GET', submit.json['response_url'] as string)
    expect(result.json).toMatchObject({ seed: 5, has_nsfw_concepts: [false, false], prompt: `p ${FAL_TRIGGERS.slow}` })
    const images = result.json['images'] as { url: string; width: number; height: number; content_type: string }[]
    expect(images).toHaveLength(2)
    expect(images[0]).toMatchObject({ width: 1024, height: 576, content_type: 'image/png' })
    const png = Buffer.from(await (await fetch(images[0]!.url)).arrayBuffer())
    expect(pngSize(png)).toStrictEqual({ width: 1024, height: 576 })
  })

  it('answers data URIs under sync_mode and takes custom width/height', async () => {
    const submit = await call('POST', '/fal-ai/stable-diffusion-v3-medium', { prompt: 'p', image_size: { width: 320, height: 240 }, sync_mode: true })
    await completed(submit.json['status_url'] as string)
    const result = await call('GET', submit.json['response_url'] as string)
    const url = (result.json['images'] as { url: string }[])[0]!.url
    expect(url).toMatch(/^data:image\/png;base64,/)
    expect(pngSize(Buffer.from(url.split(',')[1]!, 'base64'))).toStrictEqual({ width: 320, height: 240 })
    expect(result.json['num_images']).toBe(1)
  })

  it('finds jobs only under the subpath-free application', async () => {
    const submit = await call('POST', '/fal-ai/flux/schnell', { prompt: 'p' })
    const id = submit.json['request_id'] as string
    expect((await call('GET', `/fal-ai/flux/schnell/requests/${id}/status`)).status).toBe(404)
    expect((await call('GET', `/fal-ai/flux/requests/${id}/status`)).status).toBe(202)
  })

  it.each([
    [{ prompt: 'p', num_images: 5 }, ['body', 'num_images'], 'less_than_equal'],
    [{ prompt: 'p', num_images: 0 }, ['body', 'num_images'], 'greater_than_equal'],
    [{ prompt: 'p', image_size: 'huge' }, ['body', 'image_size'], 'enum'],
    [{ prompt: 'p', image_size: { width: 20000, height: 512 } }, ['body', 'image_size', 'width'], 'less_than_equal'],
    [{ num_images: 1 }, ['body', 'prompt'], 'missing'],
    [{ prompt: 'p', output_format: 'gif' }, ['body', 'output_format'], 'enum'],
    [{ prompt: 'p', num_inference_steps: 13 }, ['body', 'num_inference_steps'], 'less_than_equal'],
  ])('rejects %j with a 422 detail at %j', async (body, loc, type) => {
    const res = await call('POST', '/fal-ai/flux/schnell', body)
    expect(res.status).toBe(422)
    expect((res.json['detail'] as unknown[])[0]).toMatchObject({ loc, type, msg: expect.any(String) })
  })

  it('checks the Key scheme and the key', async () => {
    expect((await call('POST', '/fal-ai/flux/dev', { prompt: 'p' }, { authorization: `Bearer ${KEY}` })).status).toBe(401)
    expect((await call('POST', '/fal-ai/flux/dev', { prompt: 'p' }, { authorization: 'Key nope' })).status).toBe(401)
    expect((await call('POST', '/fal-ai/flux/unknown-app', { prompt: 'p' })).status).toBe(404)
  })

  it('cancels a queued job (202) and refuses to cancel a finished one (400); the cancelled result is a 499', async () => {
    const never = await call('POST', '/fal-ai/flux/dev', { prompt: FAL_TRIGGERS.never })
    const cancel = await call('PUT', never.json['cancel_url'] as string)
    expect(cancel).toMatchObject({ status: 202, json: { status: 'CANCELLATION_REQUESTED' } })
    expect((await call('GET', never.json['status_url'] as string)).json['status']).toBe('COMPLETED')
    expect(await call('GET', never.json['response_url'] as string)).toMatchObject({ status: 499, json: { error_type: 'client_cancelled' } })
    expect(await call('PUT', never.json['cancel_url'] as string)).toMatchObject({ status: 400, json: { status: 'ALREADY_COMPLETED' } })
    expect(await call('PUT', '/fal-ai/flux/requests/nope/cancel')).toMatchObject({ status: 404, json: { status: 'NOT_FOUND' } })
  })

  it('plays a failed job, a hard moderation block and a flagged (black) image', async () => {
    const fail = await call('POST', '/fal-ai/flux/dev', { prompt: FAL_TRIGGERS.fail })
    await completed(fail.json['status_url'] as string)
    const failed = await call('GET', fail.json['response_url'] as string)
    expect(failed).toMatchObject({ status: 500, json: { error_type: 'runner_server_error' } })
    expect(failed.headers.get('x-fal-retryable')).toBe('false')

    const blocked = await call('POST', '/fal-ai/flux/dev', { prompt: FAL_TRIGGERS.contentPolicy })
    await completed(blocked.json['status_url'] as string)
    const policy = await call('GET', blocked.json['response_url'] as string)
    expect(policy.status).toBe(422)
    expect((policy.json['detail'] as unknown[])[0]).toMatchObject({ type: 'content_policy_violation' })

    const nsfw = await call('POST', '/fal-ai/flux/dev', { prompt: FAL_TRIGGERS.nsfw, num_images: 2, image_size: 'square' })
    await completed(nsfw.json['status_url'] as string)
    const flagged = await call('GET', nsfw.json['response_url'] as string)
    expect(flagged.json['has_nsfw_concepts']).toStrictEqual([true, false])
    const black = PNG.sync.read(Buffer.from(await (await fetch((flagged.json['images'] as { url: string }[])[0]!.url)).arrayBuffer()))
    expect(black.data.every((v, i) => (i % 4 === 3 ? v === 255 : v === 0))).toBe(true)
  })
})
