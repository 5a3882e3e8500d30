import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { serialize, mutateImages, writeAnswer } from './answer.js'
import { Chaos, type ChaosOptions, type DrawnFault, FaultQueue } from './faults.js'
import { FileStore } from './files.js'
import { delay, json } from './http-util.js'
import type { JobTiming } from './jobs.js'
import { emulatedProviders } from './providers/index.js'
import { isSubmission, promptOf, RequestLog, type RequestLogEntry } from './request-log.js'
import { seedOf } from './png.js'
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
  void writeAnswer(res, serialize(reply), undefined)
}

/** Writes a streamed answer chunk by chunk; resolves true when it ended with the client still there. */
async function writeStream(res: ServerResponse, reply: EmulatorReply): Promise<boolean> {
  const closed = new AbortController()
  res.once('close', () => closed.abort())
  res.writeHead(reply.status, { ...reply.headers })
  res.flushHeaders()
  try {
    await reply.stream!((chunk) => {
      if (!res.destroyed) res.write(chunk)
    }, closed.signal)
  } catch {
    // A stream that breaks ends the answer; the client sees it cut short.
    res.destroy()
    return false
  }
  if (res.destroyed) return false
  res.end()
  return true
}

/** Header that exempts a request from faults and the log (a harness checking what a call returned). */
const NO_FAULTS_HEADER = 'x-emulator-no-faults'

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
  const log = new RequestLog(options.logLimit)
  const sockets = new Set<Socket>()
  let chaos: Chaos | undefined
  let origin = ''
  let jobTiming: JobTiming = { ...DEFAULT_JOB_TIMING, ...options.jobTiming }
  const keys: Record<string, string> = {}
  for (const provider of emulatedProviders) keys[provider.id] = options.keys?.[provider.id] ?? `emulator-${provider.id}-key`
  const files = new FileStore(() => origin)
  const variety = options.imageVariety
  if (variety !== undefined && !(Number.isInteger(variety) && variety >= 1)) throw new TypeError(`Expected \`imageVariety\` to be a whole number of 1 or more, got ${String(variety)}.`)
  // Rendering is the emulator's main cost (about 70 ms a megapixel); load runs with a unique
  // prompt per call map every key onto a few cached pictures.
  const imageKey = variety === undefined ? (key: string) => key : (key: string) => `variety-${seedOf(key) % variety}`
  const context = (): EmulatorContext => ({ origin, files, latencyMs: options.latencyMs ?? 0, jobTiming, keys, imageKey })
  const setChaos = (next: ChaosOptions | undefined) => {
    chaos = next === undefined ? undefined : new Chaos(next)
  }

  async function control(method: string, path: string, query: URLSearchParams, body: Buffer): Promise<EmulatorReply> {
    const payload = () => JSON.parse(body.toString('utf8') || '{}')
    if (path === '/__emulator/faults') {
      if (method === 'DELETE') faults.clear()
      else faults.inject(payload())
      return json(200, { pending: faults.pending })
    }
    if (path === '/__emulator/chaos') {
      setChaos(method === 'DELETE' ? undefined : payload())
      return json(200, { chaos: chaos?.options ?? null })
    }
    if (path === '/__emulator/log') {
      if (method === 'DELETE') log.clear()
      const entries = query.get('submissions') === '1' ? log.submissions() : log.entries
      return json(200, { entries: method === 'DELETE' ? [] : entries, dropped: log.dropped })
    }
    return json(404, { error: `no emulator control at ${path}` })
  }

  const server = createServer(async (req, res) => {
    let entry: RequestLogEntry | undefined
    try {
      const url = new URL(req.url ?? '/', 'http://emulator')
      const method = req.method ?? 'GET'
      const countKey = `${method} ${url.pathname}`
      requests.set(countKey, (requests.get(countKey) ?? 0) + 1)
      if (url.pathname.startsWith('/__emulator/')) {
        send(res, await control(method, url.pathname, url.searchParams, await readBody(req)))
        return
      }
      const provider = emulatedProviders.find((p) => url.pathname === p.prefix || url.pathname.startsWith(`${p.prefix}/`))
      const providerPath = provider ? url.pathname.slice(provider.prefix.length) || '/' : url.pathname
      const bypass = req.headers[NO_FAULTS_HEADER] !== undefined
      if (!bypass) entry = log.add({ method, path: url.pathname, submission: provider !== undefined && isSubmission(method, providerPath) })
      // One draw per request, made when its head arrives so a reset can come before the body.
      let drawn: DrawnFault | undefined = bypass ? undefined : (faults.takeBeforeBody(method, url.pathname) ?? chaos?.draw(url.pathname))
      if (drawn?.fault.resetBeforeBody) {
        entry!.fault = drawn.name
        req.socket.destroy()
        return
      }
      const body = await readBody(req)
      if (entry?.submission) entry.prompt = await promptOf(String(req.headers['content-type'] ?? ''), body)
      if (!bypass && drawn === undefined) drawn = faults.takeNamed(method, url.pathname, body.toString('utf8'))
      const fault = drawn?.fault
      if (entry && drawn) entry.fault = drawn.name

      // Faults played instead of handling: the provider never sees the request.
      if (fault && !fault.afterHandling) {
        if (fault.delayMs) await delay(fault.delayMs)
        if (fault.reset || fault.resetBeforeBody) {
          req.socket.destroy()
          return
        }
        if (fault.hang) return // the socket is closed by the client's timeout or by close()
        if (fault.status !== undefined) {
          if (entry) entry.status = fault.status
          const complete = await writeAnswer(res, serialize({ status: fault.status, headers: fault.headers, body: fault.body as EmulatorReply['body'] }), fault)
          if (entry) entry.complete = complete
          return
        }
      }

      let reply: EmulatorReply
      if (url.pathname.startsWith('/files/')) {
        const file = files.get(url.pathname.slice('/files/'.length))
        reply = file ? { status: 200, headers: { 'content-type': file.contentType }, body: file.bytes } : { status: 404, headers: { 'content-type': 'text/plain' }, body: 'expired or unknown file' }
      } else if (!provider) {
        reply = json(404, { error: `no emulated provider at ${url.pathname}` })
      } else {
        const request: EmulatorRequest = {
          method,
          path: providerPath,
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
        reply = await provider.handle(request, context())
        if (entry) entry.handled = true
      }

      // Faults played on the handled answer: the work is done.
      if (fault?.afterHandling) {
        if (fault.delayMs) await delay(fault.delayMs)
        if (fault.reset) {
          req.socket.destroy()
          return
        }
        if (fault.hang) return
        if (fault.status !== undefined) reply = { status: fault.status, headers: fault.headers, body: fault.body as EmulatorReply['body'] }
      }
      if (reply.stream && !fault?.afterHandling) {
        if (entry) entry.status = reply.status
        if (entry) entry.complete = await writeStream(res, reply)
        return
      }
      let answer = serialize(reply)
      if (fault?.images) answer = mutateImages(answer, fault.images)
      if (entry) entry.status = answer.status
      const complete = await writeAnswer(res, answer, fault)
      if (entry) entry.complete = complete
    } catch (error) {
      if (!res.headersSent && !res.destroyed) {
        if (entry) entry.status = 500
        send(res, json(500, { error: `emulator error: ${String(error)}` }))
        if (entry) entry.complete = true
      }
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
    log,
    chaos: setChaos,
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
