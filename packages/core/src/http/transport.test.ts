import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AbortError, NetworkError, TimeoutError } from '../errors.js'
import { HttpTransport } from './transport.js'

// A loopback server, not nock: these tests are about sockets (resets, slow bodies, aborts),
// which an interceptor cannot reproduce faithfully.
let server: Server
let base = ''
let lastBody = ''

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      lastBody = Buffer.concat(chunks).toString('utf8')
      if (req.url === '/teapot') {
        res.writeHead(418, { 'content-type': 'application/json', 'X-Request-Id': 'r1' })
        res.end(JSON.stringify({ error: 'teapot', contentType: req.headers['content-type'] }))
      } else if (req.url === '/big') {
        res.writeHead(200)
        res.end(Buffer.alloc(2048))
      } else if (req.url?.startsWith('/reset')) {
        req.socket.destroy()
      } else if (req.url === '/slow') {
        setTimeout(() => res.end('late'), 1_000)
      } else {
        res.writeHead(404)
        res.end()
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

describe('HttpTransport', () => {
  it('sends JSON and returns status, lower-case headers and the body, without throwing on 4xx', async () => {
    const res = await new HttpTransport().request({ method: 'POST', url: `${base}/teapot`, json: { a: 1 } })
    expect(JSON.parse(lastBody)).toStrictEqual({ a: 1 })
    expect(res.status).toBe(418)
    expect(res.headers['x-request-id']).toBe('r1')
    expect(res.json()).toStrictEqual({ error: 'teapot', contentType: 'application/json' })
  })

  it('caps the response size', async () => {
    await expect(new HttpTransport({ maxResponseBytes: 1024 }).request({ method: 'GET', url: `${base}/big` })).rejects.toThrow(/1024-byte cap/)
  })

  it('maps a connection reset to a retryable NetworkError without the query string', async () => {
    const error = await new HttpTransport().request({ method: 'GET', url: `${base}/reset?sig=secret` }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(NetworkError)
    expect((error as NetworkError).retryable).toBe(true)
    expect((error as Error).message).not.toContain('secret')
  })

  it('turns its own deadline into a retryable TimeoutError', async () => {
    const error = await new HttpTransport().request({ method: 'GET', url: `${base}/slow`, timeoutMs: 30 }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TimeoutError)
    expect((error as TimeoutError).retryable).toBe(true)
  })

  it('honors the headers timeout of the agent it builds', async () => {
    await expect(new HttpTransport({ headersTimeoutMs: 30 }).request({ method: 'GET', url: `${base}/slow` })).rejects.toBeInstanceOf(TimeoutError)
  })

  it("turns the caller's abort into a non-retryable AbortError", async () => {
    const controller = new AbortController()
    const pending = new HttpTransport().request({ method: 'GET', url: `${base}/slow`, signal: controller.signal })
    setTimeout(() => controller.abort(), 10)
    const error = await pending.catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AbortError)
    expect((error as AbortError).retryable).toBe(false)
  })

  it('rejects invalid options with a TypeError naming the option', () => {
    expect(() => new HttpTransport({ maxResponseBytes: -1 })).toThrow('Expected `maxResponseBytes` to be a positive number')
  })
})
