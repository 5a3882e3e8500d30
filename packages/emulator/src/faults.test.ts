import { request as httpRequest } from 'node:http'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { Chaos, FAULT_KINDS, HTML_PAGE } from './faults.js'
import { startEmulator } from './server.js'
import type { RunningEmulator } from './types.js'

let emulator: RunningEmulator
const KEY = 'emulator-openai-key'
const PATH = '/openai/v1/images/generations'

function generate(prompt: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  return fetch(`${emulator.url}${PATH}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model: 'dall-e-2', prompt, size: '256x256', response_format: 'b64_json', ...extra }),
  })
}

/** A raw request that reports what arrived: status, declared length, bytes read, and how it ended. */
function raw(path: string, body: string): Promise<{ status?: number; declared?: number; received: number; error?: string; chunks: number }> {
  return new Promise((resolve) => {
    const out: { status?: number; declared?: number; received: number; error?: string; chunks: number } = { received: 0, chunks: 0 }
    const req = httpRequest(`${emulator.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' } }, (res) => {
      out.status = res.statusCode
      out.declared = Number(res.headers['content-length'])
      res.on('data', (d: Buffer) => {
        out.received += d.length
        out.chunks++
      })
      res.on('end', () => resolve(out))
      res.on('error', (e) => resolve({ ...out, error: e.message }))
      res.on('aborted', () => resolve({ ...out, error: 'aborted' }))
    })
    req.on('error', (e) => resolve({ ...out, error: e.message }))
    req.end(body)
  })
}

beforeAll(async () => {
  emulator = await startEmulator({ imageVariety: 2 })
})
afterEach(() => {
  emulator.faults.clear()
  emulator.chaos(undefined)
  emulator.log.clear()
})
afterAll(() => emulator.close())

describe('fault kinds', () => {
  it('resets before the body is read: the provider never handles it, and the log says so', async () => {
    emulator.faults.inject({ kind: 'reset-before-body', pathPrefix: PATH })
    await expect(generate('before body')).rejects.toThrow()
    expect(emulator.log.entries).toMatchObject([{ method: 'POST', path: PATH, submission: true, handled: false, complete: false, fault: 'reset-before-body' }])
    expect(emulator.log.entries[0]!.status).toBeUndefined()
  })

  it('resets after handling: the work was done and no status came back (ambiguous)', async () => {
    emulator.faults.inject({ kind: 'reset-after-handling', bodyIncludes: 'ambiguous one' })
    await expect(generate('ambiguous one')).rejects.toThrow()
    expect((await generate('ambiguous one')).status).toBe(200)
    const [first, second] = emulator.log.submissions()
    expect(first).toMatchObject({ prompt: 'ambiguous one', handled: true, complete: false, fault: 'reset-after-handling' })
    expect(first!.status).toBeUndefined()
    expect(second).toMatchObject({ prompt: 'ambiguous one', handled: true, complete: true, status: 200 })
  })

  it('truncates the real answer under a content-length promising all of it', async () => {
    emulator.faults.inject({ kind: 'truncated', pathPrefix: PATH })
    const res = await raw(PATH, JSON.stringify({ model: 'dall-e-2', prompt: 'cut', size: '256x256', response_format: 'b64_json' }))
    expect(res.status).toBe(200)
    expect(res.error).toBeDefined()
    expect(res.received).toBeLessThan(res.declared!)
    expect(emulator.log.entries[0]).toMatchObject({ handled: true, status: 200, complete: false, fault: 'truncated' })
  })

  it('drips the real answer in pieces and still delivers all of it', async () => {
    emulator.faults.inject({ pathPrefix: PATH, drip: { chunks: 3, intervalMs: 30 } })
    const started = Date.now()
    const res = await raw(PATH, JSON.stringify({ model: 'dall-e-2', prompt: 'drip', size: '256x256', response_format: 'b64_json' }))
    expect(res).toMatchObject({ status: 200, received: res.declared })
    expect(res.chunks).toBeGreaterThanOrEqual(3)
    expect(Date.now() - started).toBeGreaterThanOrEqual(55)
    expect(emulator.log.entries[0]).toMatchObject({ complete: true })
  })

  it('answers a malformed JSON 200 and a wrong-shape 200 after doing the work', async () => {
    emulator.faults.inject({ kind: 'malformed-json', pathPrefix: PATH })
    emulator.faults.inject({ kind: 'wrong-shape', pathPrefix: PATH })
    const garbled = await generate('garbled')
    expect(garbled.status).toBe(200)
    expect(() => JSON.parse(FAULT_KINDS['malformed-json'].body)).toThrow()
    await expect(garbled.json()).rejects.toThrow()
    expect(await (await generate('shape')).json()).toStrictEqual({ ok: true, result: null })
    expect(emulator.log.submissions().map((e) => [e.prompt, e.handled, e.status, e.complete])).toStrictEqual([
      ['garbled', true, 200, true],
      ['shape', true, 200, true],
    ])
  })

  it('changes the image count and replaces image data with HTML', async () => {
    emulator.faults.inject({ kind: 'extra-image', pathPrefix: PATH })
    emulator.faults.inject({ kind: 'no-image', pathPrefix: PATH })
    emulator.faults.inject({ kind: 'html-image', pathPrefix: PATH })
    const extra = (await (await generate('count', { n: 2 })).json()) as { data: unknown[] }
    expect(extra.data).toHaveLength(3)
    const none = (await (await generate('count')).json()) as { data: unknown[] }
    expect(none.data).toHaveLength(0)
    const html = (await (await generate('count')).json()) as { data: { b64_json: string }[] }
    expect(Buffer.from(html.data[0]!.b64_json, 'base64').toString()).toBe(HTML_PAGE)
  })

  it('serves HTML under an image content type on /files/', async () => {
    const ok = (await (await generate('file', { response_format: 'url' })).json()) as { data: { url: string }[] }
    emulator.faults.inject({ kind: 'html-image', pathPrefix: '/files/' })
    const res = await fetch(ok.data[0]!.url)
    expect(res.headers.get('content-type')).toBe('image/png')
    expect(await res.text()).toBe(HTML_PAGE)
  })

  it('hangs after handling until the client gives up', async () => {
    emulator.faults.inject({ kind: 'hang-after-handling', pathPrefix: PATH })
    const controller = new AbortController()
    const pending = fetch(`${emulator.url}${PATH}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'dall-e-2', prompt: 'hang', size: '256x256' }),
      signal: controller.signal,
    })
    for (let i = 0; i < 200 && !emulator.log.entries[0]?.handled; i++) await new Promise((r) => setTimeout(r, 10))
    expect(emulator.log.entries[0]).toMatchObject({ handled: true, complete: false, fault: 'hang-after-handling' })
    controller.abort()
    await expect(pending).rejects.toThrow()
  })
})

describe('request log outcomes', () => {
  it('logs an answer the client left before as handled but not complete', async () => {
    emulator.faults.inject({ pathPrefix: PATH, delayMs: 150 })
    const controller = new AbortController()
    const pending = fetch(`${emulator.url}${PATH}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'dall-e-2', prompt: 'gone', size: '256x256' }),
      signal: controller.signal,
    })
    setTimeout(() => controller.abort(), 30)
    await expect(pending).rejects.toThrow()
    for (let i = 0; i < 100 && !emulator.log.entries[0]?.handled; i++) await new Promise((r) => setTimeout(r, 10))
    await new Promise((r) => setTimeout(r, 50))
    expect(emulator.log.entries[0]).toMatchObject({ prompt: 'gone', handled: true, complete: false })
  })
})

describe('chaos', () => {
  it('faults every request at probability 1, none at 0, drawing only the given kinds', async () => {
    emulator.chaos({ probability: 1, seed: 7, kinds: ['server-error', 'unavailable'], pathPrefix: PATH })
    const statuses = await Promise.all(Array.from({ length: 20 }, (_, i) => generate(`chaos ${i}`).then((r) => r.status)))
    expect(new Set(statuses)).toStrictEqual(new Set([500, 503]))
    emulator.chaos({ probability: 0, pathPrefix: PATH })
    expect((await generate('calm')).status).toBe(200)
  })

  it('draws the same sequence for the same seed and about p of the requests', () => {
    const draws = (seed: number) => {
      const chaos = new Chaos({ probability: 0.2, seed })
      return Array.from({ length: 5000 }, () => chaos.draw('/x')?.name ?? '-')
    }
    const a = draws(3)
    expect(draws(3)).toStrictEqual(a)
    const faulted = a.filter((n) => n !== '-').length / a.length
    expect(faulted).toBeGreaterThan(0.17)
    expect(faulted).toBeLessThan(0.23)
    expect(new Set(a.filter((n) => n !== '-'))).toStrictEqual(new Set(Object.keys(FAULT_KINDS)))
  })

  it('rejects a probability outside [0, 1] and unknown kinds', () => {
    expect(() => new Chaos({ probability: 2 })).toThrow(TypeError)
    expect(() => new Chaos({ probability: 0.5, kinds: ['nope' as never] })).toThrow(TypeError)
  })

  it('never faults or logs a request carrying x-emulator-no-faults', async () => {
    emulator.chaos({ probability: 1, kinds: ['reset'] })
    expect((await generate('exempt', {}, { 'x-emulator-no-faults': '1' })).status).toBe(200)
    expect(emulator.log.entries).toHaveLength(0)
  })
})

describe('request log and control endpoints', () => {
  it('takes kinds, chaos and log requests over HTTP', async () => {
    const inject = await fetch(`${emulator.url}/__emulator/faults`, { method: 'POST', body: JSON.stringify({ kind: 'rate-limit-retry-after', pathPrefix: PATH }) })
    expect(await inject.json()).toStrictEqual({ pending: 1 })
    const limited = await generate('over http')
    expect([limited.status, limited.headers.get('retry-after')]).toStrictEqual([429, '1'])
    await fetch(`${emulator.url}/__emulator/chaos`, { method: 'POST', body: JSON.stringify({ probability: 1, kinds: ['server-error'], pathPrefix: PATH }) })
    expect((await generate('chaos over http')).status).toBe(500)
    await fetch(`${emulator.url}/__emulator/chaos`, { method: 'DELETE' })
    expect((await generate('chaos over http')).status).toBe(200)
    const log = (await (await fetch(`${emulator.url}/__emulator/log?submissions=1`)).json()) as { entries: { prompt: string; status: number; fault?: string }[] }
    expect(log.entries.map((e) => [e.prompt, e.status, e.fault])).toStrictEqual([
      ['over http', 429, 'rate-limit-retry-after'],
      ['chaos over http', 500, 'server-error'],
      ['chaos over http', 200, undefined],
    ])
    await fetch(`${emulator.url}/__emulator/log`, { method: 'DELETE' })
    expect(emulator.log.entries).toHaveLength(0)
  })

  it('reads the prompt of every provider\'s submit shape, and does not count polls or cancels as submissions', async () => {
    const base = emulator.url
    const post = (path: string, body: unknown, headers: Record<string, string>) => fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })
    await post('/runway/v1/text_to_image', { model: 'gen4_image', promptText: 'runway prompt', ratio: '1024:1024' }, { authorization: 'Bearer emulator-runway-key', 'x-runway-version': '2024-11-06' })
    const form = new FormData()
    form.set('prompt', 'stability prompt')
    await fetch(`${base}/stability/v2beta/stable-image/generate/core`, { method: 'POST', headers: { authorization: 'Bearer emulator-stability-key', accept: 'application/json' }, body: form })
    const fal = (await (await post('/fal/fal-ai/flux/schnell', { prompt: 'fal prompt' }, { authorization: 'Key emulator-fal-key' })).json()) as { status_url: string; cancel_url: string }
    await fetch(fal.status_url, { headers: { authorization: 'Key emulator-fal-key' } })
    await fetch(fal.cancel_url, { method: 'PUT', headers: { authorization: 'Key emulator-fal-key' } })
    await post('/replicate/v1/predictions/abc/cancel', {}, { authorization: 'Bearer emulator-replicate-key' })
    expect(emulator.log.submissions().map((e) => e.prompt)).toStrictEqual(['runway prompt', 'stability prompt', 'fal prompt'])
    expect(emulator.log.entries.length).toBe(6)
  })

  it('renders at most imageVariety pictures per size', async () => {
    const images = new Set<string>()
    for (let i = 0; i < 8; i++) {
      const body = (await (await generate(`variety ${i}`)).json()) as { data: { b64_json: string }[] }
      images.add(body.data[0]!.b64_json)
    }
    expect(images.size).toBeLessThanOrEqual(2)
  })
})
