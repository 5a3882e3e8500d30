import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { FaultQueue } from './faults.js'
import { FileStore } from './files.js'
import { delay, json } from './http-util.js'
import type { JobTiming } from './jobs.js'
import { emulatedProviders } from './providers/index.js'
import type { EmulatorContext, EmulatorOptions, EmulatorReply, EmulatorRequest, RunningEmulator } from './types.js'

/** Loopback only: the emulator accepts placeholder keys and must never be reachable from elsewhere. */
const HOST = '127.0.0.1'
/** Largest request body read (Stability multipart uploads stay far below). */
const MAX_BODY_BYTES = 20 * 1024 * 1024

const DEFAULT_JOB_TIMING: JobTiming = { queuedMs: 150, runningMs: 250 }

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY_BYTES) {
        reject(new Error('body too large'))
        req.destroy()
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

function send(res: ServerResponse, reply: EmulatorReply): void {
  const headers = { ...reply.headers }
  let body: Buffer | string | undefined
  if (reply.body === undefined) body = undefined
  else if (Buffer.isBuffer(reply.body) || typeof reply.body === 'string') body = reply.body
  else {
    body = JSON.stringify(reply.body)
    headers['content-type'] ??= 'application/json'
  }
  if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body))
  res.writeHead(reply.status, headers)
  res.end(body)
}

/**
 * Starts the emulator on 127.0.0.1: one server that speaks all six provider APIs under
 * `/openai`, `/fal`, `/stability`, `/recraft`, `/runway` and `/replicate`, serves generated
 * files under `/files`, and takes fault injection through `emulator.faults` (or
 * `POST /__emulator/faults`).
 *
 * @example
 * ```ts
 * const emulator = await startEmulator()
 * Object.assign(process.env, emulator.env)
 * // ... LLMKitClient.fromEnv() now talks to the emulator
 * await emulator.close()
 * ```
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const faults = new FaultQueue()
  const requests = new Map<string, number>()
  const sockets = new Set<Socket>()
  let origin = ''
  let jobTiming: JobTiming = { ...DEFAULT_JOB_TIMING, ...options.jobTiming }
  const keys: Record<string, string> = {}
  for (const provider of emulatedProviders) keys[provider.id] = options.keys?.[provider.id] ?? `emulator-${provider.id}-key`
  const files = new FileStore(() => origin)
  const context = (): EmulatorContext => ({ origin, files, latencyMs: options.latencyMs ?? 0, jobTiming, keys })

  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://emulator')
      const method = req.method ?? 'GET'
      const countKey = `${method} ${url.pathname}`
      requests.set(countKey, (requests.get(countKey) ?? 0) + 1)
      const body = await readBody(req)

      if (url.pathname === '/__emulator/faults') {
        if (method === 'DELETE') faults.clear()
        else faults.inject(JSON.parse(body.toString('utf8') || '{}'))
        send(res, json(200, { pending: faults.pending }))
        return
      }
      const fault = faults.take(method, url.pathname, body.toString('utf8'))
      if (fault) {
        if (fault.delayMs) await delay(fault.delayMs)
        if (fault.reset) {
          req.socket.destroy()
          return
        }
        if (fault.hang) return // the socket is closed by the client's timeout or by close()
        if (fault.status !== undefined) {
          send(res, { status: fault.status, headers: fault.headers, body: fault.body as EmulatorReply['body'] })
          return
        }
      }
      if (url.pathname.startsWith('/files/')) {
        const file = files.get(url.pathname.slice('/files/'.length))
        send(res, file ? { status: 200, headers: { 'content-type': file.contentType }, body: file.bytes } : { status: 404, headers: { 'content-type': 'text/plain' }, body: 'expired or unknown file' })
        return
      }
      const provider = emulatedProviders.find((p) => url.pathname === p.prefix || url.pathname.startsWith(`${p.prefix}/`))
      if (!provider) {
        send(res, json(404, { error: `no emulated provider at ${url.pathname}` }))
        return
      }
      const request: EmulatorRequest = {
        method,
        path: url.pathname.slice(provider.prefix.length) || '/',
        query: url.searchParams,
        headers: req.headers,
        body,
        json: () => {
          try {
            return JSON.parse(body.toString('utf8'))
          } catch {
            return undefined
          }
        },
        formData: () => new Request('http://emulator/', { method: 'POST', headers: { 'content-type': req.headers['content-type'] ?? '' }, body }).formData(),
      }
      send(res, await provider.handle(request, context()))
    } catch (error) {
      if (!res.headersSent) send(res, json(500, { error: `emulator error: ${String(error)}` }))
    }
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, HOST, () => resolve())
  })
  const { port } = server.address() as AddressInfo
  origin = `http://${HOST}:${port}`
  const env: Record<string, string> = {}
  for (const provider of emulatedProviders) Object.assign(env, provider.env(origin, keys[provider.id]!))

  return {
    url: origin,
    env: Object.freeze(env),
    faults,
    requests,
    setJobTiming(timing) {
      jobTiming = { ...jobTiming, ...timing }
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}
