import { createHmac } from 'node:crypto'
import nock from 'nock'
import { AbortError, type Clock, LLMKitClient, pendingCancellations, systemClock } from '@llmkit/core'
import { describe, expect, it } from 'vitest'
import { headersOf, useNock } from '../../../test/nock.js'
import { replicate, verifyReplicateWebhook } from './index.js'

const BASE = 'https://api.replicate.test'
const TOKEN = 'r8_test0123456789abcdef'
const ID = 'gm3qorzdhgbfurvjtvhg6dckhu'
const CREATE = '/v1/models/black-forest-labs/flux-schnell/predictions'
const WEBHOOK = 'https://hooks.example.com/replicate?call=7'

/** Waits the core asked for, in order (the real clock keeps time, so held requests behave as on the wire). */
const sleeps: number[] = []
const recordingClock: Clock = { now: () => systemClock.now(), sleep: (ms, signal) => (sleeps.push(ms), systemClock.sleep(ms, signal)) }

function client(plugin = replicate()) {
  return new LLMKitClient({ providers: [plugin], env: { REPLICATE_API_TOKEN: TOKEN, REPLICATE_BASE_URL: `${BASE}/v1` }, clock: recordingClock, retry: false })
}

function prediction(status: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id: ID, model: 'black-forest-labs/flux-schnell', version: 'hidden', input: {}, logs: '', output: null, error: null, status, created_at: '2026-01-10T12:00:00.000Z', urls: {}, ...extra }
}

interface Seen {
  method: string
  path: string
  headers: Record<string, string>
  body: unknown
}

function record(scope: nock.Scope): Seen[] {
  const seen: Seen[] = []
  scope.on('request', (req: { method: string; url: string; headers: Record<string, string> | Headers }, _interceptor: unknown, body: string) => {
    seen.push({ method: req.method, path: new URL(req.url).pathname, headers: headersOf(req.headers), body: body ? JSON.parse(body) : undefined })
  })
  return seen
}

useNock()

describe('Replicate Prefer: wait and cancels', () => {
  it('an abort during a held create returns at once, learns the prediction id in the background and cancels it', async () => {
    let answer: () => void = () => {}
    const held = new Promise<void>((resolve) => (answer = resolve))
    const scope = nock(BASE)
      .post(CREATE)
      .reply(async () => {
        await held
        return [201, prediction('processing')]
      })
      .post(`/v1/predictions/${ID}/cancel`)
      .reply(200, prediction('canceled'))
    const seen = record(scope)
    const controller = new AbortController()
    const pending = client()
      .generateImage({ model: 'black-forest-labs/flux-schnell', prompt: 'a lighthouse' }, { signal: controller.signal })
      .catch((e: unknown) => e)
    await new Promise((r) => setTimeout(r, 20))
    controller.abort()
    const error = await pending
    expect(error).toBeInstanceOf(AbortError)
    // The caller is not kept waiting for the held create...
    expect(seen.map((s) => `${s.method} ${s.path}`)).toStrictEqual([`POST ${CREATE}`])
    expect(seen[0]!.headers['prefer']).toBe('wait=5')
    // ...which still answers: its prediction is cancelled before pendingCancellations() resolves.
    let drained = false
    const draining = pendingCancellations().then(() => (drained = true))
    await new Promise((r) => setTimeout(r, 20))
    expect(drained).toBe(false)
    answer()
    await draining
    expect(seen.map((s) => `${s.method} ${s.path}`)).toStrictEqual([`POST ${CREATE}`, `POST /v1/predictions/${ID}/cancel`])
    expect(scope.isDone()).toBe(true)
  })

  it('polls right after a held create that answers unfinished (the wait ran out)', async () => {
    const output = 'https://replicate.delivery/xezq/out-0.webp'
    const scope = nock(BASE).post(CREATE).reply(201, prediction('processing')).get(`/v1/predictions/${ID}`).reply(200, prediction('succeeded', { output: [output] }))
    const seen = record(scope)
    sleeps.length = 0
    const response = await client().generateImage({ model: 'black-forest-labs/flux-schnell', prompt: 'a lighthouse' })
    expect(response.first()).toMatchObject({ url: output })
    expect(seen.map((s) => `${s.method} ${s.path}`)).toStrictEqual([`POST ${CREATE}`, `GET /v1/predictions/${ID}`])
    // Only the job deadline's own timer: no poll interval between the create and the first status request.
    expect(sleeps).toStrictEqual([600_000])
  })
})

describe('Replicate webhook option', () => {
  it('sends webhook and webhook_events_filter next to input, and an abort leaves the prediction running', async () => {
    const scope = nock(BASE)
      .post(CREATE)
      .reply(201, prediction('starting'))
      .get(`/v1/predictions/${ID}`)
      .times(1000)
      .optionally()
      .reply(200, prediction('processing'))
    const seen = record(scope)
    const controller = new AbortController()
    const error = await client(replicate({ webhook: { url: WEBHOOK, events: ['completed'] }, waitSeconds: false }))
      .generateImage({ model: 'black-forest-labs/flux-schnell', prompt: 'a lighthouse' }, { signal: controller.signal, onProgress: (e) => e.type === 'submitted' && controller.abort() })
      .catch((e: unknown) => e)
    await pendingCancellations()
    expect(seen[0]!.body).toStrictEqual({ input: { prompt: 'a lighthouse', num_outputs: 1, output_format: 'png' }, webhook: WEBHOOK, webhook_events_filter: ['completed'] })
    expect(error).toMatchObject({ requestId: ID, mayHaveBeenCharged: true })
    expect((error as Error).message).toMatch(/goes on and reports to its webhook/)
    expect(seen.some((s) => s.path.endsWith('/cancel'))).toBe(false)
  })

  it('refuses a webhook URL that is not http(s) or an unknown event when the plugin is made', () => {
    expect(() => replicate({ webhook: { url: 'ftp://hooks.example.com' } })).toThrow(TypeError)
    expect(() => replicate({ webhook: { url: WEBHOOK, events: ['finished' as 'completed'] } })).toThrow(/webhook.events/)
  })
})

describe('verifyReplicateWebhook', () => {
  const key = Buffer.from('replicate-emulated-signing-key-32b')
  const secret = `whsec_${key.toString('base64')}`
  const NOW = 1_760_000_000_000
  const body = JSON.stringify(prediction('succeeded', { output: ['https://replicate.delivery/a.png'] }))
  const sign = (id: string, timestamp: string, payload: string, with_ = key) => createHmac('sha256', with_).update(`${id}.${timestamp}.${payload}`).digest('base64')
  const delivery = (options: { timestamp?: number; signature?: string; payload?: string } = {}) => {
    const timestamp = String(Math.floor((options.timestamp ?? NOW) / 1000))
    return {
      headers: { 'webhook-id': 'msg_2x', 'webhook-timestamp': timestamp, 'webhook-signature': options.signature ?? `v1,${sign('msg_2x', timestamp, body)}` },
      body: options.payload ?? body,
    }
  }

  it('accepts a delivery signed with the secret and returns the prediction', () => {
    expect(verifyReplicateWebhook(delivery(), { secret, now: NOW })).toMatchObject({ ok: true, webhookId: 'msg_2x', prediction: { id: ID, status: 'succeeded' } })
    const d = delivery()
    expect(verifyReplicateWebhook({ headers: new Headers(d.headers), body: new TextEncoder().encode(d.body) }, { secret, now: NOW }).ok).toBe(true)
  })

  it('accepts when one of several space-separated signatures matches (a secret rotation)', () => {
    const timestamp = String(NOW / 1000)
    const signature = `v1,${sign('msg_2x', timestamp, body, Buffer.from('old-key'))} v1,${sign('msg_2x', timestamp, body)}`
    expect(verifyReplicateWebhook(delivery({ signature }), { secret, now: NOW }).ok).toBe(true)
  })

  it('refuses a changed body, another secret, a missing header and a timestamp more than 5 minutes away', () => {
    expect(verifyReplicateWebhook(delivery({ payload: body.replace('succeeded', 'failed') }), { secret, now: NOW })).toStrictEqual({ ok: false, reason: 'no v1 signature matches the secret' })
    expect(verifyReplicateWebhook(delivery(), { secret: `whsec_${Buffer.from('another').toString('base64')}`, now: NOW }).ok).toBe(false)
    const { 'webhook-signature': _dropped, ...unsigned } = delivery().headers
    expect(verifyReplicateWebhook({ headers: unsigned, body }, { secret, now: NOW })).toMatchObject({ ok: false, reason: expect.stringMatching(/missing/) })
    expect(verifyReplicateWebhook(delivery({ timestamp: NOW - 301_000 }), { secret, now: NOW })).toMatchObject({ ok: false, reason: expect.stringMatching(/300 s away/) })
    expect(verifyReplicateWebhook(delivery({ timestamp: NOW - 301_000 }), { secret, now: NOW - 301_000 }).ok).toBe(true)
  })

  it('refuses a secret that is not whsec_ base64 with a TypeError', () => {
    expect(() => verifyReplicateWebhook(delivery(), { secret: 'r8_not-a-secret' })).toThrow(TypeError)
  })
})
