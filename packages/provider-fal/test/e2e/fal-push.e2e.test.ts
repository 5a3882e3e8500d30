import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { AbortError, LLMKitClient, type ProgressEvent, pendingCancellations } from '@llmkit/core'
import { describe, expect, inject, it } from 'vitest'
import { fal, fromFalResponse, verifyFalWebhook } from '../../src/index.js'

interface LogEntry {
  method: string
  path: string
  submission: boolean
  prompt?: string
  status?: number
}

/** The emulator's request log since `from` (its `seq`), to count what the client asked for. */
async function logSince(from: number): Promise<LogEntry[]> {
  const res = await fetch(`${inject('emulatorUrl')}/__emulator/log`)
  const { entries } = (await res.json()) as { entries: (LogEntry & { seq: number })[] }
  return entries.filter((e) => e.seq > from)
}

async function lastSeq(): Promise<number> {
  const res = await fetch(`${inject('emulatorUrl')}/__emulator/log`)
  const { entries } = (await res.json()) as { entries: { seq: number }[] }
  return entries.at(-1)?.seq ?? 0
}

const kinds = (entries: LogEntry[]) => entries.map((e) => `${e.method} ${e.path.replace(/requests\/[^/]+/, 'requests/:id')}`)

describe('fal push channels through the emulator', () => {
  it('delivers a job from the status stream: submit, one stream, the result, and no status polls', async () => {
    const from = await lastSeq()
    const events: ProgressEvent[] = []
    const response = await new LLMKitClient({ providers: [fal()] }).generateImage({ model: 'fal-ai/flux/schnell', prompt: 'streamed fox' }, { onProgress: (e) => events.push(e) })
    expect(response.count).toBe(1)
    expect(kinds(await logSince(from))).toStrictEqual([
      'POST /fal/fal-ai/flux/schnell',
      'GET /fal/fal-ai/flux/requests/:id/status/stream',
      'GET /fal/fal-ai/flux/requests/:id',
    ])
    expect(events.map((e) => e.type)).toContain('running')
    expect(events.at(-1)?.type).toBe('completed')
  })

  it('falls back to polling when the stream fails, and never submits again', async () => {
    const from = await lastSeq()
    const fault = await fetch(`${inject('emulatorUrl')}/__emulator/faults`, {
      method: 'POST',
      body: JSON.stringify({ method: 'GET', pathPrefix: '/fal/fal-ai/flux/requests/', status: 502 }),
    })
    expect(fault.status).toBe(200)
    const response = await new LLMKitClient({ providers: [fal()] }).generateImage({ model: 'fal-ai/flux/schnell', prompt: 'fallback fox' })
    expect(response.count).toBe(1)
    const log = await logSince(from)
    expect(log.filter((e) => e.submission)).toHaveLength(1)
    const seen = kinds(log)
    expect(seen[1]).toBe('GET /fal/fal-ai/flux/requests/:id/status/stream')
    expect(log[1]!.status).toBe(502)
    expect(seen.filter((k) => k === 'GET /fal/fal-ai/flux/requests/:id/status').length).toBeGreaterThanOrEqual(1)
    expect(seen).toContain('GET /fal/fal-ai/flux/requests/:id')
  })

  it('posts the outcome to the webhook, signed with the key the emulator publishes as a JWKS, while the caller stops waiting', async () => {
    const deliveries: { headers: IncomingHttpHeaders; body: string }[] = []
    let arrived: () => void = () => {}
    const delivered = new Promise<void>((resolve) => (arrived = resolve))
    const server = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        deliveries.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') })
        res.end()
        arrived()
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const hook = `http://127.0.0.1:${(server.address() as AddressInfo).port}/fal-hook`
      const controller = new AbortController()
      let jobId: string | undefined
      const error = await new LLMKitClient({ providers: [fal({ webhook: { url: hook } })] })
        .generateImage(
          { model: 'fal-ai/flux/schnell', prompt: 'webhook fox' },
          {
            signal: controller.signal,
            onProgress: (e) => {
              if (e.type !== 'submitted') return
              jobId = e.jobId
              controller.abort()
            },
          },
        )
        .catch((e: unknown) => e)
      await pendingCancellations()
      expect(error).toBeInstanceOf(AbortError)
      expect(error).toMatchObject({ requestId: jobId })
      await delivered
      expect(deliveries).toHaveLength(1)
      const check = await verifyFalWebhook(deliveries[0]!, { jwks: `${inject('emulatorUrl')}/fal/.well-known/jwks.json` })
      if (!check.ok) throw new Error(check.reason)
      expect(check.event).toMatchObject({ request_id: jobId, status: 'OK' })
      // The server completes the call from the webhook: the payload is the queue's result.
      const result = fromFalResponse(check.event.payload, check.event.request_id)
      expect(result.images).toHaveLength(1)
      const image = await fetch(result.images[0]!.url!)
      expect(image.headers.get('content-type')).toBe('image/png')
      // A tampered delivery does not verify.
      const tampered = await verifyFalWebhook({ ...deliveries[0]!, body: deliveries[0]!.body.replace('"OK"', '"ERROR"') }, { jwks: `${inject('emulatorUrl')}/fal/.well-known/jwks.json` })
      expect(tampered.ok).toBe(false)
    } finally {
      await new Promise((resolve) => server.close(resolve))
    }
  })
})
