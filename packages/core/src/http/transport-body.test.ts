import { randomBytes } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { NetworkError } from '../errors.js'
import { HttpTransport } from './transport.js'

// How the transport reads large bodies (bench/results/latest.md, memory): into one buffer sized
// from content-length, or as chunks when the length is unknown or wrong.
const image = randomBytes(300_000).toString('base64')
const document = JSON.stringify({ created: 1, data: [{ b64_json: image, revised_prompt: 'un chat « noir »' }] })

let server: Server
let base = ''
/** Connections of /huge-declared the server saw closed. */
const hugeClosed: string[] = []

beforeAll(async () => {
  server = createServer((req, res) => {
    const bytes = Buffer.from(document)
    if (req.url === '/declared') {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(bytes.length) })
      // Several writes, so the body arrives in many chunks.
      for (let i = 0; i < bytes.length; i += 50_000) res.write(bytes.subarray(i, i + 50_000))
      res.end()
    } else if (req.url === '/chunked') {
      res.writeHead(200, { 'content-type': 'application/json' })
      for (let i = 0; i < bytes.length; i += 50_000) res.write(bytes.subarray(i, i + 50_000))
      res.end()
    } else if (req.url === '/huge-declared') {
      // Declares far more than the cap, sends a first chunk and keeps the connection open.
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(50 * 1024 * 1024 * 1024) })
      res.write(Buffer.alloc(64 * 1024))
      const timer = setInterval(() => res.write(Buffer.alloc(64 * 1024)), 1)
      res.on('close', () => {
        clearInterval(timer)
        hugeClosed.push(req.url!)
      })
    } else if (req.url === '/endless') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' })
      const timer = setInterval(() => res.write(Buffer.alloc(64 * 1024)), 1)
      res.on('close', () => clearInterval(timer))
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

describe('HttpTransport body reading', () => {
  it.each(['/declared', '/chunked'])('reads a large body whole and parses it (%s)', async (path) => {
    const res = await new HttpTransport().request({ method: 'GET', url: `${base}${path}` })
    expect(res.body.equals(Buffer.from(document))).toBe(true)
    expect(res.json()).toStrictEqual(JSON.parse(document))
    expect(res.text()).toBe(document)
  })

  it('refuses a declared length over the cap before reading, and nothing is left unhandled while the body is torn down', async () => {
    const unhandled: unknown[] = []
    const record = (error: unknown) => unhandled.push(error)
    process.on('uncaughtException', record)
    process.on('unhandledRejection', record)
    try {
      for (let i = 0; i < 3; i++) {
        const error = await new HttpTransport({ maxResponseBytes: 1024 * 1024 })
          .request({ method: 'GET', url: `${base}/huge-declared` })
          .catch((e: unknown) => e)
        expect(error).toBeInstanceOf(NetworkError)
        expect((error as Error).message).toMatch(/is 53687091200 bytes, over the 1048576-byte cap/)
        expect(error).toMatchObject({ retryable: false })
      }
      // The server sees each connection closed: the body was torn down, not left open.
      await expect.poll(() => hugeClosed.length).toBe(3)
      // Errors of a destroyed stream are emitted on later ticks.
      for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve))
      expect(unhandled).toEqual([])
    } finally {
      process.off('uncaughtException', record)
      process.off('unhandledRejection', record)
    }
  })

  it('stops a body without a declared length at the cap', async () => {
    const error = await new HttpTransport({ maxResponseBytes: 1024 * 1024 })
      .request({ method: 'GET', url: `${base}/endless` })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(NetworkError)
    expect((error as Error).message).toMatch(/1048576-byte cap/)
  })
})
