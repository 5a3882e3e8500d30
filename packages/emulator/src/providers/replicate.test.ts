import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pngSize } from '../png.js'
import { startEmulator } from '../server.js'
import type { RunningEmulator } from '../types.js'
import { REPLICATE_TRIGGERS } from './replicate.js'

let emulator: RunningEmulator
let base: string
const KEY = 'emulator-replicate-key'
const SDXL = '7762fd07cf82c948538e41f63f77d685e02b063e37e496e96eefd46c929f9bdc'

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  return { status: res.status, headers: res.headers, json: (await res.json()) as Record<string, unknown> }
}

beforeAll(async () => {
  emulator = await startEmulator({ jobTiming: { queuedMs: 300, runningMs: 100 } })
  base = emulator.env['REPLICATE_BASE_URL']!
})
afterAll(() => emulator.close())

describe('replicate emulator', () => {
  it('serves the API under /replicate/v1 with the token in REPLICATE_API_TOKEN', () => {
    expect(emulator.env['REPLICATE_BASE_URL']).toBe(`${emulator.url}/replicate/v1`)
    expect(emulator.env['REPLICATE_API_TOKEN']).toBe(KEY)
  })

  it('creates an official-model prediction (201, starting, absolute urls) and moves it to succeeded with a list of PNG URLs', async () => {
    const created = await call('POST', '/models/black-forest-labs/flux-schnell/predictions', { input: { prompt: 'p', num_outputs: 2, aspect_ratio: '16:9', seed: 3 } })
    expect(created.status).toBe(201)
    expect(created.json).toMatchObject({ status: 'starting', model: 'black-forest-labs/flux-schnell', output: null, error: null })
    const id = created.json['id'] as string
    expect(id).toMatch(/^[a-z2-7]{26}$/)
    expect(created.json['urls']).toMatchObject({ get: `${base}/predictions/${id}`, cancel: `${base}/predictions/${id}/cancel` })
    expect(created.headers.get('location')).toBe(`${base}/predictions/${id}`)
    await new Promise((r) => setTimeout(r, 500))
    const done = await call('GET', `/predictions/${id}`)
    expect(done.json).toMatchObject({ status: 'succeeded', error: null })
    expect(done.json['logs']).toContain('Using seed: 3')
    const output = done.json['output'] as string[]
    expect(output).toHaveLength(2)
    const png = Buffer.from(await (await fetch(output[0]!)).arrayBuffer())
    expect(pngSize(png)).toStrictEqual({ width: 1344, height: 768 })
  })

  it('holds a Prefer: wait create until the job ends and answers it finished; a single URL for one-image models', async () => {
    const res = await call('POST', '/models/black-forest-labs/flux-1.1-pro/predictions', { input: { prompt: 'p' } }, { prefer: 'wait=5' })
    expect(res.status).toBe(201)
    expect(res.json['status']).toBe('succeeded')
    expect(typeof res.json['output']).toBe('string')
  })

  it('returns an unfinished prediction when the wait runs out', async () => {
    const res = await call('POST', '/models/black-forest-labs/flux-schnell/predictions', { input: { prompt: REPLICATE_TRIGGERS.never } }, { prefer: 'wait=1' })
    expect(res.json['status']).toBe('processing')
    expect(res.json['logs']).toMatch(/50%\|/)
  })

  it('runs a version prediction with width/height', async () => {
    const res = await call('POST', '/predictions', { version: SDXL, input: { prompt: 'p', width: 320, height: 256 } }, { prefer: 'wait' })
    expect(res.json).toMatchObject({ status: 'succeeded', model: 'stability-ai/sdxl', version: SDXL })
    const png = Buffer.from(await (await fetch((res.json['output'] as string[])[0]!)).arrayBuffer())
    expect(pngSize(png)).toStrictEqual({ width: 320, height: 256 })
  })

  it('cancels a running prediction', async () => {
    const created = await call('POST', '/models/black-forest-labs/flux-dev/predictions', { input: { prompt: REPLICATE_TRIGGERS.never } })
    const canceled = await call('POST', `/predictions/${created.json['id'] as string}/cancel`)
    expect(canceled.status).toBe(200)
    expect(canceled.json['status']).toBe('canceled')
    expect((await call('GET', `/predictions/${created.json['id'] as string}`)).json['status']).toBe('canceled')
  })

  it.each([
    [REPLICATE_TRIGGERS.fail, /out of memory/],
    [REPLICATE_TRIGGERS.nsfw, /NSFW/],
  ])('fails a prediction whose prompt has %s', async (prompt, error) => {
    const res = await call('POST', '/models/black-forest-labs/flux-schnell/predictions', { input: { prompt } }, { prefer: 'wait=5' })
    expect(res.json['status']).toBe('failed')
    expect(res.json['error']).toMatch(error)
  })

  it.each([
    ['num_outputs above 4', '/models/black-forest-labs/flux-schnell/predictions', { input: { prompt: 'p', num_outputs: 5 } }, 422, 'input.num_outputs'],
    ['a bad aspect ratio', '/models/black-forest-labs/flux-dev/predictions', { input: { prompt: 'p', aspect_ratio: '7:3' } }, 422, 'input.aspect_ratio'],
    ['a bad output format', '/models/black-forest-labs/flux-dev/predictions', { input: { prompt: 'p', output_format: 'gif' } }, 422, 'input.output_format'],
    ['a missing prompt', '/models/black-forest-labs/flux-dev/predictions', { input: {} }, 422, 'input.prompt'],
  ])('answers %s with a 422 problem+json', async (_name, path, body, status, field) => {
    const res = await call('POST', path, body)
    expect(res.status).toBe(status)
    expect(res.headers.get('content-type')).toBe('application/problem+json')
    expect(res.json['title']).toBe('Input validation failed')
    expect(res.json['detail']).toContain(field)
    expect((res.json['invalid_fields'] as { field: string }[])[0]!.field).toBe(field)
  })

  it('answers an unknown version with 422, an unknown model or prediction with 404, and a bad token with 401', async () => {
    expect((await call('POST', '/predictions', { version: 'f'.repeat(64), input: { prompt: 'p' } })).status).toBe(422)
    expect((await call('POST', '/models/nobody/nothing/predictions', { input: { prompt: 'p' } })).status).toBe(404)
    expect((await call('GET', '/predictions/unknown')).status).toBe(404)
    const res = await call('POST', '/models/black-forest-labs/flux-dev/predictions', { input: { prompt: 'p' } }, { authorization: 'Bearer wrong' })
    expect(res.status).toBe(401)
    expect(res.json).toMatchObject({ title: 'Unauthenticated', status: 401 })
  })
})
