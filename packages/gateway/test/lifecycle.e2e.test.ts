import { afterEach, describe, expect, it } from 'vitest'
import { GATEWAY_KEY, leakedKeys, post, type Stack, startStack } from './helpers.js'

let stack: Stack | undefined

afterEach(async () => {
  await stack?.close()
  stack = undefined
})

/** Resolves once `check` holds (polled every 20 ms), or fails after `ms`. */
async function until(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe('async providers behind a sync API', () => {
  it("a client that disconnects cancels the provider's job", async () => {
    const s = (stack = await startStack({}, { jobTiming: { queuedMs: 100, runningMs: 20_000 } }))
    const controller = new AbortController()
    const call = fetch(`${s.url}/v1/images/generations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${GATEWAY_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gen4_image', prompt: 'disconnect me' }),
      signal: controller.signal,
    }).catch((e: unknown) => e)
    await until(() => s.emulator.log.submissions().some((e) => e.prompt === 'disconnect me' && e.handled), 'the job to be submitted')
    controller.abort()
    await call
    // The gateway's llmkit client cancels the remote job (Runway: DELETE /v1/tasks/<id>).
    await until(() => s.emulator.log.entries.some((e) => e.method === 'DELETE' && e.path.startsWith('/runway/v1/tasks/')), 'the job to be cancelled')
    const cancels = s.emulator.log.entries.filter((e) => e.method === 'DELETE')
    expect(cancels).toHaveLength(1)
    expect(s.capture.logs.some((l) => l.includes('client disconnected; generation cancelled'))).toBe(true)
  })

  it('waits for the job and answers like OpenAI (an async provider, b64_json)', async () => {
    const s = (stack = await startStack({}, { jobTiming: { queuedMs: 50, runningMs: 300 } }))
    const res = await post(s, '/v1/images/generations', { model: 'gen4_image', prompt: 'a slow job', response_format: 'b64_json' })
    expect(res.status).toBe(200)
    const body = (await res.json()) as { created: number; data: { b64_json: string }[] }
    expect(Number.isInteger(body.created)).toBe(true)
    expect(body.data[0]!.b64_json.length).toBeGreaterThan(100)
  })
})

describe('graceful shutdown', () => {
  it('finishes in-flight generations, then refuses new connections', async () => {
    const s = (stack = await startStack({}, { jobTiming: { queuedMs: 100, runningMs: 1500 } }))
    const inFlight = post(s, '/v1/images/generations', { model: 'gen4_image', prompt: 'finish me at shutdown', response_format: 'b64_json' })
    await until(() => s.emulator.log.submissions().some((e) => e.prompt === 'finish me at shutdown' && e.handled), 'the job to be submitted')
    const closed = s.gateway.close()
    const res = await inFlight
    expect(res.status).toBe(200)
    expect(((await res.json()) as { data: unknown[] }).data).toHaveLength(1)
    await closed
    await expect(fetch(`${s.url}/healthz`)).rejects.toThrow()
    expect(s.emulator.log.entries.filter((e) => e.method === 'DELETE')).toEqual([])
    expect(leakedKeys(s.capture)).toEqual([])
  })
})
