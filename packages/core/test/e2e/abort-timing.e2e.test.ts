import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fal } from '@llmkit/provider-fal'
import { openai } from '@llmkit/provider-openai'
import { replicate } from '@llmkit/provider-replicate'
import { AbortError, type ImageGenerationRequestInit, LLMKitClient, type LLMKitClientOptions, LLMKitError, pendingCancellations, type ProgressEvent, systemClock } from 'llmkit'
import { afterEach, describe, expect, inject, it } from 'vitest'

// Abort rejects at once in every phase of a call, and a remote cancel goes on behind it. This is
// asserted by the order of events, not by a duration (the reliability suite measures how long
// an abort takes to settle): the remote cancel is held until the test has seen the rejection,
// so a rejection that waited for the cancel could not come first; once released, the cancel
// still reaches the provider and its answer reaches the client.
const emulator = inject('emulatorUrl')

interface LogEntry {
  method: string
  path: string
  status?: number | undefined
}

async function fault(spec: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${emulator}/__emulator/faults`, { method: 'POST', body: JSON.stringify(spec) })
  expect(res.status).toBe(200)
}

async function log(): Promise<LogEntry[]> {
  const res = await fetch(`${emulator}/__emulator/log`)
  return ((await res.json()) as { entries: LogEntry[] }).entries
}

/** Resolves once the emulator has seen a request matching `method` and `pathPrefix` (after `since` entries). */
async function arrived(method: string, pathPrefix: string, since: number): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if ((await log()).slice(since).some((e) => e.method === method && e.path.startsWith(pathPrefix))) return
    await new Promise((r) => setTimeout(r, 10))
  }
  throw new Error(`no ${method} ${pathPrefix} reached the emulator`)
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 1_000 && !check(); i++) await new Promise((r) => setTimeout(r, 5))
  expect(check()).toBe(true)
}

/**
 * A local proxy in front of the emulator's fal API that holds every remote cancel
 * (`PUT …/cancel`) until {@link CancelGate.release}. `order` records what happened, in order:
 * `cancel-arrived`, `cancel-released`, `cancel-answered` (the emulator's answer was written to
 * the client), `cancel-abandoned` (the client gave up on the cancel before its answer), and the
 * test's own `rejected`.
 */
interface CancelGate {
  readonly baseUrl: string
  readonly order: string[]
  /** Resolves when a cancel reached the proxy (and is held). */
  readonly held: Promise<void>
  release(): void
  close(): Promise<void>
}

async function cancelGate(): Promise<CancelGate> {
  const order: string[] = []
  let release!: () => void
  const released = new Promise<void>((resolve) => (release = resolve))
  let arrive!: () => void
  const held = new Promise<void>((resolve) => (arrive = resolve))
  const upstream = new AbortController()
  const server: Server = createServer((req, res) => {
    void (async () => {
      const chunks: Buffer[] = []
      for await (const chunk of req) chunks.push(chunk as Buffer)
      const isCancel = req.method === 'PUT' && (req.url ?? '').endsWith('/cancel')
      if (isCancel) {
        order.push('cancel-arrived')
        res.on('close', () => void (res.writableEnded || order.push('cancel-abandoned')))
        arrive()
        await released
      }
      const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !['host', 'connection', 'content-length', 'transfer-encoding'].includes(k))) as Record<string, string>
      const answer = await fetch(`${emulator}${req.url}`, { method: req.method, headers, body: chunks.length > 0 ? Buffer.concat(chunks) : undefined, signal: upstream.signal })
      const body = Buffer.from(await answer.arrayBuffer())
      if (res.destroyed) return
      res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' })
      res.end(body, () => void (isCancel && order.push('cancel-answered')))
    })().catch(() => res.destroy())
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    baseUrl: `http://127.0.0.1:${port}/fal`,
    order,
    held,
    release: () => {
      order.push('cancel-released')
      release()
    },
    close: async () => {
      upstream.abort()
      server.closeAllConnections()
      server.close()
      await once(server, 'close')
    },
  }
}

function client(options: LLMKitClientOptions = {}, env: Record<string, string> = {}): LLMKitClient {
  return new LLMKitClient({ providers: [openai(), fal(), replicate()], env: { ...process.env, ...env }, ...options })
}

/** Starts a generation, runs `ready` to reach the phase, aborts, and returns the error (`order` gets `rejected` when it is seen). */
async function abortDuring(
  c: LLMKitClient,
  request: ImageGenerationRequestInit,
  ready: (events: ProgressEvent[]) => Promise<void>,
  order: string[] = [],
): Promise<{ error: unknown; events: ProgressEvent[] }> {
  const controller = new AbortController()
  const events: ProgressEvent[] = []
  const pending = c.generateImage(request, { signal: controller.signal, onProgress: (e) => events.push(e) }).then(
    () => undefined,
    (e: unknown) => e,
  )
  await ready(events)
  controller.abort()
  const error = await pending
  order.push('rejected')
  return { error, events }
}

/**
 * After the rejection: the held cancel is still pending (pendingCancellations() has not settled),
 * then, released, it reaches the emulator and its answer reaches the client.
 */
async function expectCancelAfterRejection(gate: CancelGate, since: number): Promise<void> {
  await gate.held
  let settled = false
  const background = pendingCancellations().then(() => (settled = true))
  await new Promise((r) => setImmediate(r))
  expect(settled).toBe(false)
  gate.release()
  await background
  expect(gate.order.filter((e) => e !== 'cancel-arrived')).toEqual(['rejected', 'cancel-released', 'cancel-answered'])
  // Answered by the emulator (202 for a queued job; 400 when it finished meanwhile).
  const cancels = (await log()).slice(since).filter((e) => e.method === 'PUT' && e.path.endsWith('/cancel'))
  expect(cancels).toHaveLength(1)
  expect(cancels[0]!.status).toBeTypeOf('number')
}

let gate: CancelGate | undefined

afterEach(async () => {
  gate?.release()
  await pendingCancellations()
  await gate?.close()
  gate = undefined
  await fetch(`${emulator}/__emulator/faults`, { method: 'DELETE' })
})

describe('abort rejects at once in every phase, before a slow remote cancel completes', () => {
  it('during a retry wait (Retry-After: 30 s; no second request is sent)', async () => {
    await fault({ pathPrefix: '/openai/v1/images', status: 503, headers: { 'retry-after': '30' }, body: { error: { message: 'overloaded', type: 'server_error' } } })
    let waiting = false
    const since = (await log()).length
    const c = client({ retry: { onRetry: () => (waiting = true) } })
    const { error } = await abortDuring(c, { model: 'dall-e-3', prompt: 'abort in the retry wait' }, () => until(() => waiting))
    expect(error).toBeInstanceOf(AbortError)
    expect((await log()).slice(since).filter((e) => e.path.startsWith('/openai/'))).toHaveLength(1)
  })

  it('during a rate-limit wait (the second request never leaves)', async () => {
    const sleeps: number[] = []
    const clock = { now: () => systemClock.now(), sleep: (ms: number, signal?: AbortSignal) => (sleeps.push(ms), systemClock.sleep(ms, signal)) }
    const c = client({ clock, rateLimit: { limits: { openai: { requests: 1, intervalMs: 60_000 } } } })
    await c.generateImage({ model: 'dall-e-3', prompt: 'takes the only token' })
    const since = (await log()).length
    // Ready once the limiter sleeps for the next slot, about a minute away.
    const { error } = await abortDuring(c, { model: 'dall-e-3', prompt: 'waits for a token' }, () => until(() => sleeps.some((ms) => ms > 30_000)))
    expect(error).toBeInstanceOf(AbortError)
    expect((await log()).slice(since).filter((e) => e.path.startsWith('/openai/'))).toHaveLength(0)
  })

  it('while an async submit is in flight (no job id yet: nothing to cancel, but it may be billed)', async () => {
    await fault({ pathPrefix: '/fal/', method: 'POST', hang: true })
    const since = (await log()).length
    const { error, events } = await abortDuring(client(), { model: 'fal-ai/flux/schnell', prompt: 'abort the submit' }, () => arrived('POST', '/fal/', since))
    expect(error).toBeInstanceOf(AbortError)
    expect(error).toMatchObject({ mayHaveBeenCharged: true })
    expect(events.filter((e) => e.type === 'cancelled')).toHaveLength(0)
    await pendingCancellations()
    expect((await log()).slice(since).filter((e) => e.path.endsWith('/cancel'))).toHaveLength(0)
  })

  it('during a poll wait: the remote cancel, held, completes after the rejection', async () => {
    gate = await cancelGate()
    const since = (await log()).length
    const c = client({}, { FAL_BASE_URL: gate.baseUrl })
    const { error, events } = await abortDuring(c, { model: 'fal-ai/flux/schnell', prompt: 'a fox emulator:never' }, (seen) => until(() => seen.some((e) => e.type === 'queued' || e.type === 'running')), gate.order)
    expect(error).toBeInstanceOf(AbortError)
    const jobId = events.find((e) => e.type === 'submitted')?.jobId
    expect(jobId).toBeDefined()
    expect(error).toMatchObject({ requestId: jobId, mayHaveBeenCharged: true })
    expect(events.at(-1)).toMatchObject({ type: 'cancelled', jobId })
    await expectCancelAfterRejection(gate, since)
  })

  it('while a status request is in flight: the remote cancel, held, completes after the rejection', async () => {
    gate = await cancelGate()
    await fault({ pathPrefix: '/fal/', method: 'GET', hang: true })
    const since = (await log()).length
    const c = client({}, { FAL_BASE_URL: gate.baseUrl })
    const { error } = await abortDuring(c, { model: 'fal-ai/flux/schnell', prompt: 'abort a poll' }, () => arrived('GET', '/fal/', since), gate.order)
    expect(error).toBeInstanceOf(AbortError)
    await expectCancelAfterRejection(gate, since)
  })

  it('while a result download is in flight (the finished job is kept on the error as paid work)', async () => {
    await fault({ pathPrefix: '/files/', method: 'GET', hang: true })
    const since = (await log()).length
    const { error } = await abortDuring(client(), { model: 'black-forest-labs/flux-schnell', prompt: 'abort the download', format: 'b64_json' }, () => arrived('GET', '/files/', since))
    expect(LLMKitError.isInstance(error) && error.code).toBe('LLMKIT_ABORT')
    expect((error as LLMKitError).paid?.images).toHaveLength(1)
    expect((error as LLMKitError).paid?.images[0]?.url).toContain('/files/')
  })
})
