import { createHash, generateKeyPairSync, sign } from 'node:crypto'
import nock from 'nock'
import { AbortError, type Clock, LLMKitClient, type ProgressEvent, pendingCancellations, systemClock } from '@llmkit/core'
import { describe, expect, it } from 'vitest'
import { headersOf, useNock } from '../../../test/nock.js'
import { type FalJwks, fal, fromFalResponse, verifyFalWebhook } from './index.js'

const BASE = 'https://queue.fal.test'
const KEY = 'fal-key-id:0123456789abcdef0123'
const ID = '764cabcf-b745-4b3e-ae38-1200304cf45b'
const APP = `/fal-ai/flux/requests/${ID}`
const WEBHOOK = 'https://hooks.example.com/fal?call=42'

function fastClock(factor = 200): Clock {
  const start = Date.now()
  return { now: () => start + (Date.now() - start) * factor, sleep: (ms, signal) => systemClock.sleep(ms / factor, signal) }
}

function client(options: Parameters<typeof fal>[0] = {}) {
  return new LLMKitClient({ providers: [fal(options)], env: { FAL_KEY: KEY, FAL_BASE_URL: BASE }, clock: fastClock(), retry: false })
}

interface Call {
  method: string
  path: string
  search: string
  headers: Record<string, string>
}

function record(scope: nock.Scope): Call[] {
  const calls: Call[] = []
  scope.on('request', (req: { method: string; url: string; headers: Record<string, string> | Headers }) => {
    const url = new URL(req.url)
    calls.push({ method: req.method, path: url.pathname, search: url.search, headers: headersOf(req.headers) })
  })
  return calls
}

const submitted = {
  status: 'IN_QUEUE',
  request_id: ID,
  response_url: `${BASE}${APP}`,
  status_url: `${BASE}${APP}/status`,
  cancel_url: `${BASE}${APP}/cancel`,
  queue_position: 2,
}
const result = { images: [{ url: 'https://v3.fal.media/files/koala/a.png', width: 1024, height: 768, content_type: 'image/png' }], seed: 7, has_nsfw_concepts: [false] }
const sse = (...statuses: object[]) => statuses.map((s) => `data: ${JSON.stringify(s)}\n\n`).join('')

useNock()

describe('fal status stream', () => {
  it('follows GET …/status/stream (SSE, Key header) and reads the result the moment COMPLETED arrives, without polling', async () => {
    const scope = nock(BASE)
      .post('/fal-ai/flux/dev')
      .reply(200, submitted, { 'x-fal-request-id': ID })
      .get(`${APP}/status/stream`)
      .query({ logs: '0' })
      .reply(
        200,
        sse(
          { status: 'IN_QUEUE', request_id: ID, queue_position: 1 },
          { status: 'IN_PROGRESS', request_id: ID, logs: null },
          { status: 'COMPLETED', request_id: ID, logs: null, metrics: { inference_time: 0.4 } },
        ),
        { 'content-type': 'text/event-stream; charset=utf-8' },
      )
      .get(APP)
      .reply(200, result, { 'x-fal-request-id': ID })
    const calls = record(scope)
    const events: ProgressEvent[] = []
    const response = await client().generateImage({ model: 'fal-ai/flux/dev', prompt: 'a koala', size: '1024x768' }, { onProgress: (e) => events.push(e) })
    expect(calls.map((c) => `${c.method} ${c.path}${c.search}`)).toStrictEqual(['POST /fal-ai/flux/dev', `GET ${APP}/status/stream?logs=0`, `GET ${APP}`])
    expect(calls[1]!.headers).toMatchObject({ authorization: `Key ${KEY}`, accept: 'text/event-stream' })
    expect(events.map((e) => [e.type, e.position])).toStrictEqual([
      ['submitted', undefined],
      ['queued', 2],
      ['queued', 1],
      ['running', undefined],
      ['completed', undefined],
    ])
    expect(response.first()).toMatchObject({ url: 'https://v3.fal.media/files/koala/a.png', seed: 7 })
    expect(scope.isDone()).toBe(true)
  })

  it('falls back to polling at once when the stream answers an error, never submitting again', async () => {
    const scope = nock(BASE)
      .post('/fal-ai/flux/dev')
      .once()
      .reply(200, submitted, { 'x-fal-request-id': ID })
      .get(`${APP}/status/stream`)
      .query(true)
      .reply(503, { detail: 'stream unavailable' })
      .get(`${APP}/status`)
      .reply(200, { status: 'COMPLETED', request_id: ID })
      .get(APP)
      .reply(200, result, { 'x-fal-request-id': ID })
    const calls = record(scope)
    const response = await client().generateImage({ model: 'fal-ai/flux/dev', prompt: 'a koala' })
    expect(calls.map((c) => `${c.method} ${c.path}`)).toStrictEqual(['POST /fal-ai/flux/dev', `GET ${APP}/status/stream`, `GET ${APP}/status`, `GET ${APP}`])
    expect(response.count).toBe(1)
  })

  it('falls back to polling when the stream is cut before COMPLETED', async () => {
    const scope = nock(BASE)
      .post('/fal-ai/flux/dev')
      .reply(200, submitted, { 'x-fal-request-id': ID })
      .get(`${APP}/status/stream`)
      .query(true)
      .reply(200, sse({ status: 'IN_PROGRESS', request_id: ID }), { 'content-type': 'text/event-stream' })
      .get(`${APP}/status`)
      .reply(200, { status: 'COMPLETED', request_id: ID })
      .get(APP)
      .reply(200, result, { 'x-fal-request-id': ID })
    const calls = record(scope)
    await client().generateImage({ model: 'fal-ai/flux/dev', prompt: 'a koala' })
    expect(calls.map((c) => `${c.method} ${c.path}`)).toStrictEqual(['POST /fal-ai/flux/dev', `GET ${APP}/status/stream`, `GET ${APP}/status`, `GET ${APP}`])
  })
})

describe('fal status stream failures in logs', () => {
  it('logs why the stream failed without the key, then polls', async () => {
    // No stream interceptor: nock's "no match" error names the request, authorization header included.
    const scope = nock(BASE)
      .post('/fal-ai/flux/dev')
      .reply(200, submitted, { 'x-fal-request-id': ID })
      .get(`${APP}/status`)
      .reply(200, { status: 'COMPLETED', request_id: ID })
      .get(APP)
      .reply(200, result, { 'x-fal-request-id': ID })
    const lines: string[] = []
    const logger = { debug: () => {}, info: () => {}, error: () => {}, warn: (fields: object, message: string) => void lines.push(`${message} ${JSON.stringify(fields)}`) }
    const client = new LLMKitClient({ providers: [fal()], env: { FAL_KEY: KEY, FAL_BASE_URL: BASE }, clock: fastClock(), retry: false, logger })
    await client.generateImage({ model: 'fal-ai/flux/dev', prompt: 'a koala' })
    expect(scope.isDone()).toBe(true)
    const fallback = lines.find((l) => l.includes('job.stream_fallback'))
    expect(fallback).toBeDefined()
    expect(lines.join('\n')).not.toContain(KEY)
    expect(lines.join('\n')).not.toContain('0123456789abcdef0123')
  })
})

describe('fal webhook option', () => {
  it('sends fal_webhook on the submit and, when the caller stops waiting, leaves the job running and names its id', async () => {
    const scope = nock(BASE)
      .post('/fal-ai/flux/dev')
      .query({ fal_webhook: WEBHOOK })
      .reply(200, submitted, { 'x-fal-request-id': ID })
      .get(`${APP}/status/stream`)
      .query(true)
      .reply(200, sse({ status: 'IN_PROGRESS', request_id: ID }), { 'content-type': 'text/event-stream' })
      .get(`${APP}/status`)
      .times(1000)
      .optionally()
      .reply(202, { status: 'IN_PROGRESS', request_id: ID })
    const calls = record(scope)
    const controller = new AbortController()
    let jobId: string | undefined
    const error = await client({ webhook: { url: WEBHOOK } })
      .generateImage(
        { model: 'fal-ai/flux/dev', prompt: 'a koala' },
        {
          signal: controller.signal,
          // A server that lets the webhook deliver: it keeps the job id and stops waiting.
          onProgress: (e) => {
            if (e.type === 'submitted') {
              jobId = e.jobId
              controller.abort()
            }
          },
        },
      )
      .catch((e: unknown) => e)
    await pendingCancellations()
    expect(jobId).toBe(ID)
    expect(error).toBeInstanceOf(AbortError)
    expect(error).toMatchObject({ requestId: ID, mayHaveBeenCharged: true })
    expect((error as Error).message).toMatch(/goes on and reports to its webhook/)
    expect(calls[0]!.search).toBe(`?fal_webhook=${encodeURIComponent(WEBHOOK)}`)
    expect(calls.some((c) => c.method === 'PUT')).toBe(false)
  })

  it('refuses a webhook URL that is not http(s) when the plugin is made', () => {
    expect(() => fal({ webhook: { url: 'hooks.example.com/fal' } })).toThrow(/webhook\.url/)
  })
})

describe('verifyFalWebhook', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const other = generateKeyPairSync('ed25519')
  const jwks = (key = publicKey): FalJwks => ({ keys: [{ ...(key.export({ format: 'jwk' }) as { x: string }), kid: 'k1' }] })
  const NOW = 1_760_000_000_000
  const body = JSON.stringify({ request_id: ID, gateway_request_id: ID, status: 'OK', payload: result })

  function delivery(options: { timestamp?: number; key?: typeof privateKey; requestId?: string; payload?: string } = {}) {
    const timestamp = String(Math.floor((options.timestamp ?? NOW) / 1000))
    const requestId = options.requestId ?? ID
    const message = [requestId, 'user-1', timestamp, createHash('sha256').update(body).digest('hex')].join('\n')
    const signature = sign(null, Buffer.from(message), options.key ?? privateKey).toString('hex')
    return {
      headers: { 'x-fal-webhook-request-id': requestId, 'X-Fal-Webhook-User-Id': 'user-1', 'x-fal-webhook-timestamp': timestamp, 'x-fal-webhook-signature': signature },
      body: options.payload ?? body,
    }
  }

  it('accepts a delivery signed by a key of the set and returns the event, whose payload maps to images', async () => {
    const check = await verifyFalWebhook(delivery(), { jwks: jwks(), now: NOW })
    expect(check).toMatchObject({ ok: true, event: { request_id: ID, status: 'OK' } })
    if (!check.ok) throw new Error(check.reason)
    expect(fromFalResponse(check.event.payload, check.event.request_id).images[0]).toMatchObject({ url: 'https://v3.fal.media/files/koala/a.png' })
  })

  it('accepts fetch Headers and a byte body too', async () => {
    const d = delivery()
    const check = await verifyFalWebhook({ headers: new Headers(d.headers), body: new TextEncoder().encode(d.body) }, { jwks: jwks(), now: NOW })
    expect(check.ok).toBe(true)
  })

  it('refuses another key, a changed body, a missing header and a timestamp more than 5 minutes away', async () => {
    expect(await verifyFalWebhook(delivery({ key: other.privateKey }), { jwks: jwks(), now: NOW })).toStrictEqual({ ok: false, reason: 'signature does not match any fal public key' })
    expect(await verifyFalWebhook({ ...delivery(), body: body.replace('"OK"', '"ERROR"') }, { jwks: jwks(), now: NOW })).toMatchObject({ ok: false })
    const { 'x-fal-webhook-signature': _dropped, ...unsigned } = delivery().headers
    expect(await verifyFalWebhook({ headers: unsigned, body }, { jwks: jwks(), now: NOW })).toMatchObject({ ok: false, reason: expect.stringMatching(/missing/) })
    expect(await verifyFalWebhook(delivery({ timestamp: NOW - 301_000 }), { jwks: jwks(), now: NOW })).toMatchObject({ ok: false, reason: expect.stringMatching(/300 s away/) })
    expect(await verifyFalWebhook(delivery({ timestamp: NOW + 301_000 }), { jwks: jwks(), now: NOW })).toMatchObject({ ok: false })
    expect((await verifyFalWebhook(delivery({ timestamp: NOW - 299_000 }), { jwks: jwks(), now: NOW })).ok).toBe(true)
  })

  it('refuses a signed header naming another request than the body', async () => {
    expect(await verifyFalWebhook(delivery({ requestId: 'another-request' }), { jwks: jwks(), now: NOW })).toStrictEqual({ ok: false, reason: 'body request_id differs from X-Fal-Webhook-Request-Id' })
  })

  it('fetches the key set from a JWKS URL once and reuses it', async () => {
    const scope = nock('https://keys.fal.test').get('/.well-known/jwks.json').once().reply(200, jwks())
    const options = { jwks: 'https://keys.fal.test/.well-known/jwks.json', now: NOW }
    expect((await verifyFalWebhook(delivery(), options)).ok).toBe(true)
    expect((await verifyFalWebhook(delivery(), options)).ok).toBe(true)
    expect(scope.isDone()).toBe(true)
  })
})
