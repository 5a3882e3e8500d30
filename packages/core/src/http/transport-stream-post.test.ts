import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AbortError, NetworkError } from '../errors.js'
import { HttpTransport } from './transport.js'
import { failure } from '../../../../test/failure.js'

// Real sockets on 127.0.0.1: whether a streamed POST was sent in full before its answer broke is
// a property of the connection, which an interceptor cannot reproduce.
let server: Server
let base = ''
/** Body of the last request the server read. */
let lastBody = ''

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      lastBody = Buffer.concat(chunks).toString('utf8')
      const path = req.url ?? ''
      if (path === '/reset-after-body') {
        req.socket.destroy()
        return
      }
      if (path === '/error') {
        res.writeHead(400, { 'content-type': 'application/json' })
        res.end('{"error":"bad"}')
        return
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      res.write('data: one\n\n')
      // '/cut': the stream breaks after its first event; '/slow': it stays open until the client leaves.
      if (path === '/cut') setTimeout(() => req.socket.destroy(), 5)
      else if (path === '/whole') res.end('data: two\n\n')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

/** Reads a streamed body as text. */
async function readText(body: NodeJS.ReadableStream): Promise<string> {
  let text = ''
  for await (const chunk of body) text += String(chunk)
  return text
}

describe('HttpTransport.stream: a POST whose answer is read as it arrives', () => {
  it('sends the JSON body with its content type and streams a whole answer', async () => {
    const text = await new HttpTransport().stream({ method: 'POST', url: `${base}/whole`, json: { stream: true } }, async (res) => {
      expect(res.status).toBe(200)
      expect(res.headers['content-type']).toBe('text/event-stream')
      return readText(res.body)
    })
    expect(text).toBe('data: one\n\ndata: two\n\n')
    expect(JSON.parse(lastBody)).toStrictEqual({ stream: true })
  })

  it('marks a 2xx stream that breaks in the middle as ambiguous (the work may have been charged)', async () => {
    const seen: string[] = []
    const error = await failure(
      new HttpTransport().stream({ method: 'POST', url: `${base}/cut`, json: {} }, async (res) => {
        for await (const chunk of res.body) seen.push(String(chunk))
      }),
    )
    expect(error).toBeInstanceOf(NetworkError)
    expect(error.mayHaveBeenCharged).toBe(true)
    expect(seen.join('')).toBe('data: one\n\n')
  })

  it('marks an abort after the first event as ambiguous, keeping the AbortError', async () => {
    const controller = new AbortController()
    const error = await failure(
      new HttpTransport().stream({ method: 'POST', url: `${base}/slow`, json: {}, signal: controller.signal }, async (res) => {
        for await (const _chunk of res.body) controller.abort()
      }),
    )
    expect(error).toBeInstanceOf(AbortError)
    expect(error.mayHaveBeenCharged).toBe(true)
  })

  it('marks an error thrown by consume after a 2xx as ambiguous', async () => {
    const error = await failure(
      new HttpTransport().stream({ method: 'POST', url: `${base}/whole`, json: {} }, async () => {
        throw new NetworkError('the stream said something else')
      }),
    )
    expect(error.mayHaveBeenCharged).toBe(true)
  })

  it('does not mark a non-2xx answer, nor a GET that breaks', async () => {
    const error = await failure(
      new HttpTransport().stream({ method: 'POST', url: `${base}/error`, json: {} }, async (res) => {
        expect(res.status).toBe(400)
        throw new NetworkError(`status ${res.status}`)
      }),
    )
    expect(error.mayHaveBeenCharged).toBe(false)
    const get = await failure(
      new HttpTransport().stream({ method: 'GET', url: `${base}/cut` }, async (res) => {
        for await (const _chunk of res.body);
      }),
    )
    expect(get).toBeInstanceOf(NetworkError)
    expect(get.mayHaveBeenCharged).toBe(false)
  })

  it('marks a POST reset after its body was sent, before any status, as ambiguous', async () => {
    const error = await failure(new HttpTransport().stream({ method: 'POST', url: `${base}/reset-after-body`, json: {} }, async () => undefined))
    expect(error).toBeInstanceOf(NetworkError)
    expect(error.mayHaveBeenCharged).toBe(true)
  })
})
