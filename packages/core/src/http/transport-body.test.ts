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

  it('stops a body without a declared length at the cap', async () => {
    const error = await new HttpTransport({ maxResponseBytes: 1024 * 1024 })
      .request({ method: 'GET', url: `${base}/endless` })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(NetworkError)
    expect((error as Error).message).toMatch(/1048576-byte cap/)
  })
})
