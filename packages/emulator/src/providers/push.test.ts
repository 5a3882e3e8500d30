import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEmulator } from '../server.js'
import type { RunningEmulator } from '../types.js'
import { EMULATOR_REPLICATE_WEBHOOK_SECRET, falJwks } from '../webhooks.js'
import { RUNWAY_TRIGGERS } from './runway.js'

let emulator: RunningEmulator

beforeAll(async () => {
  emulator = await startEmulator({ jobTiming: { queuedMs: 60, runningMs: 60 } })
})
afterAll(() => emulator.close())

describe('push channels of the emulated APIs', () => {
  it("fal: GET …/status/stream answers server-sent events, one JSON queue status per change, ending after COMPLETED", async () => {
    const fal = emulator.env['FAL_BASE_URL']!
    const auth = { authorization: `Key ${emulator.env['FAL_KEY']}` }
    const submit = (await (await fetch(`${fal}/fal-ai/flux/schnell`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{"prompt":"p"}' })).json()) as { status_url: string; request_id: string }
    const res = await fetch(`${submit.status_url}/stream?logs=0`, { headers: { ...auth, accept: 'text/event-stream' } })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
    const text = await res.text()
    const events = text.split('\n\n').filter(Boolean)
    for (const event of events) expect(event).toMatch(/^data: \{.*\}$/)
    const statuses = events.map((e) => JSON.parse(e.slice('data: '.length)) as { status: string; request_id: string })
    expect(statuses.at(-1)).toMatchObject({ status: 'COMPLETED', request_id: submit.request_id })
    expect(statuses.map((s) => s.status)).toContain('IN_PROGRESS')
    // Only changes are sent.
    for (let i = 1; i < events.length; i++) expect(events[i]).not.toBe(events[i - 1])
  })

  it('fal: serves its webhook signing key as a public JWKS', async () => {
    const res = await fetch(`${emulator.url}/fal/.well-known/jwks.json`)
    expect(res.status).toBe(200)
    const body = (await res.json()) as { keys: { kty: string; crv: string; x: string }[] }
    expect(body).toStrictEqual(falJwks())
    expect(body.keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', x: expect.stringMatching(/^[\w-]{43}$/) })
  })

  it('replicate: answers the webhook signing secret at GET /v1/webhooks/default/secret', async () => {
    const res = await fetch(`${emulator.env['REPLICATE_BASE_URL']}/webhooks/default/secret`, { headers: { authorization: `Bearer ${emulator.env['REPLICATE_API_TOKEN']}` } })
    expect(await res.json()).toStrictEqual({ key: EMULATOR_REPLICATE_WEBHOOK_SECRET })
    expect(EMULATOR_REPLICATE_WEBHOOK_SECRET).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/)
  })

  it('runway: a task with the instant trigger has SUCCEEDED by its first status request', async () => {
    const base = emulator.env['RUNWAYML_BASE_URL']!
    const headers = { authorization: `Bearer ${emulator.env['RUNWAYML_API_SECRET']}`, 'x-runway-version': '2024-11-06', 'content-type': 'application/json' }
    const { id } = (await (await fetch(`${base}/v1/text_to_image`, { method: 'POST', headers, body: JSON.stringify({ model: 'gen4_image', promptText: `now ${RUNWAY_TRIGGERS.instant}`, ratio: '1920:1080' }) })).json()) as { id: string }
    const task = (await (await fetch(`${base}/v1/tasks/${id}`, { headers })).json()) as { status: string; output: string[] }
    expect(task.status).toBe('SUCCEEDED')
    expect(task.output).toHaveLength(1)
  })
})
