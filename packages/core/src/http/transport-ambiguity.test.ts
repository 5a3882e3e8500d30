import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { AbortError, NetworkError, TimeoutError } from '../errors.js'
import { HttpTransport } from './transport.js'
import { failure } from '../../../../test/failure.js'

// Real sockets on 127.0.0.1: whether a request was written in full before it failed is a
// property of the connection, which an interceptor cannot reproduce.
let server: Server
let base = ''
/** Resolves when the server has read a whole request body (the request was sent). */
let bodyReceived: () => void = () => {}
const received = () => new Promise<void>((resolve) => (bodyReceived = resolve))

function readAll(req: IncomingMessage, then: () => void): void {
  req.on('data', () => {})
  req.on('end', () => {
    bodyReceived()
    then()
  })
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = req.url ?? ''
    readAll(req, () => {
      if (path === '/reset-after-body') req.socket.destroy()
      else if (path === '/hang') {
        // never answers
      } else if (path === '/ok-truncated' || path === '/error-truncated') {
        res.writeHead(path === '/ok-truncated' ? 200 : 500, { 'content-length': '1000' })
        res.write('{"partial":')
        setTimeout(() => req.socket.destroy(), 5)
      } else if (path === '/lying-length') {
        res.writeHead(200, { 'content-length': String(100 * 1024 * 1024) })
        res.write(Buffer.alloc(1024))
        setTimeout(() => req.socket.destroy(), 5)
      } else if (path === '/big') {
        res.writeHead(200)
        res.end(Buffer.alloc(4096))
      } else {
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end('{"ok":true}')
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

afterEach(() => {
  vi.restoreAllMocks()
})

describe('HttpTransport: ambiguous outcomes (sent in full, no status back)', () => {
  it('marks a POST reset after its body was sent as ambiguous, still retryable', async () => {
    const error = await failure(new HttpTransport().request({ method: 'POST', url: `${base}/reset-after-body`, json: { prompt: 'a cat' } }))
    expect(error).toBeInstanceOf(NetworkError)
    expect(error.mayHaveBeenCharged).toBe(true)
    expect(error.retryable).toBe(true)
  })

  it('does not mark a GET reset after sending (GET creates nothing)', async () => {
    const error = await failure(new HttpTransport().request({ method: 'GET', url: `${base}/reset-after-body` }))
    expect(error).toBeInstanceOf(NetworkError)
    expect(error.mayHaveBeenCharged).toBe(false)
  })

  it('marks a headers timeout after sending as ambiguous', async () => {
    const error = await failure(new HttpTransport({ headersTimeoutMs: 50 }).request({ method: 'POST', url: `${base}/hang`, json: {} }))
    expect(error).toBeInstanceOf(TimeoutError)
    expect(error.mayHaveBeenCharged).toBe(true)
  })

  it('marks its own deadline firing after sending as ambiguous', async () => {
    const error = await failure(new HttpTransport().request({ method: 'POST', url: `${base}/hang`, json: {}, timeoutMs: 50 }))
    expect(error).toBeInstanceOf(TimeoutError)
    expect(error.mayHaveBeenCharged).toBe(true)
  })

  it('marks an attempt deadline (an llmkit reason on the signal) firing after sending, keeping its class', async () => {
    const controller = new AbortController()
    const gotBody = received()
    const pending = failure(new HttpTransport().request({ method: 'POST', url: `${base}/hang`, json: {}, signal: controller.signal }))
    await gotBody
    const reason = new TimeoutError('attempt 1 did not finish within 50 ms')
    controller.abort(reason)
    const error = await pending
    expect(error).toBeInstanceOf(TimeoutError)
    expect(error.message).toBe(reason.message)
    expect(error.mayHaveBeenCharged).toBe(true)
    expect(reason.mayHaveBeenCharged).toBe(false)
  })

  it("marks the caller's abort after sending, but not an abort before sending", async () => {
    const controller = new AbortController()
    const gotBody = received()
    const pending = failure(new HttpTransport().request({ method: 'POST', url: `${base}/hang`, json: {}, signal: controller.signal }))
    await gotBody
    controller.abort()
    const after = await pending
    expect(after).toBeInstanceOf(AbortError)
    expect(after.mayHaveBeenCharged).toBe(true)

    const before = await failure(new HttpTransport().request({ method: 'POST', url: `${base}/hang`, json: {}, signal: AbortSignal.abort() }))
    expect(before).toBeInstanceOf(AbortError)
    expect(before.mayHaveBeenCharged).toBe(false)
  })

  it('does not mark a refused connection (nothing was sent)', async () => {
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise((resolve) => closed.close(resolve))
    const error = await failure(new HttpTransport().request({ method: 'POST', url: `http://127.0.0.1:${port}/x`, json: {} }))
    expect(error).toBeInstanceOf(NetworkError)
    expect(error.mayHaveBeenCharged).toBe(false)
  })

  it('marks a 2xx whose body broke off (the work was done), not a 5xx whose body broke off', async () => {
    const ok = await failure(new HttpTransport().request({ method: 'POST', url: `${base}/ok-truncated`, json: {} }))
    expect(ok.mayHaveBeenCharged).toBe(true)
    const failed = await failure(new HttpTransport().request({ method: 'POST', url: `${base}/error-truncated`, json: {} }))
    expect(failed.mayHaveBeenCharged).toBe(false)
  })

  it('does not mark a request that succeeded', async () => {
    const res = await new HttpTransport().request({ method: 'POST', url: `${base}/ok`, json: {} })
    expect(res.json()).toStrictEqual({ ok: true })
  })
})

describe('HttpTransport: the size cap holds while reading', () => {
  it('does not allocate what a lying content-length declares before the bytes arrive', async () => {
    const allocations: number[] = []
    const allocUnsafe = Buffer.allocUnsafe.bind(Buffer)
    vi.spyOn(Buffer, 'allocUnsafe').mockImplementation((size: number) => {
      allocations.push(size)
      return allocUnsafe(size)
    })
    const error = await failure(new HttpTransport().request({ method: 'GET', url: `${base}/lying-length` }))
    expect(error).toBeInstanceOf(NetworkError)
    expect(Math.max(0, ...allocations)).toBeLessThan(1024 * 1024)
  })

  it('makes an over-cap body a non-retryable error, so no retry downloads it again', async () => {
    const error = await failure(new HttpTransport({ maxResponseBytes: 1024 }).request({ method: 'GET', url: `${base}/big` }))
    expect(error).toBeInstanceOf(NetworkError)
    expect(error.message).toMatch(/1024-byte cap/)
    expect(error.retryable).toBe(false)
  })
})
