import { createRequire } from 'node:module'
import type * as Undici from 'undici'
import type { Dispatcher } from 'undici'
import { AbortError, LLMKitError, NetworkError, TimeoutError } from '../errors.js'
import { checkPositive } from '../option-checks.js'
import { parseJsonBody } from './parse-json-body.js'

const requireCjs = createRequire(import.meta.url)
let undiciModule: typeof Undici | undefined

/**
 * undici, loaded on first use: it takes longer to load than the rest of llmkit together
 * (bench/results/latest.md, cold import), and a CLI that only lists models never needs it.
 * It is CommonJS, so a synchronous require gives the very module instance `import` would.
 */
function undici(): typeof Undici {
  undiciModule ??= requireCjs('undici') as typeof Undici
  return undiciModule
}

/** Transport defaults, written as data. */
export const DEFAULT_TRANSPORT_OPTIONS = Object.freeze({
  /** TCP + TLS connect deadline. */
  connectTimeoutMs: 10_000,
  /** Wait for response headers. GPT image at high quality can take minutes (OpenAI's SDK allows 600 s). */
  headersTimeoutMs: 600_000,
  /** Longest silence between two body chunks. */
  bodyTimeoutMs: 120_000,
  /** Idle keep-alive sockets are closed after this. */
  keepAliveTimeoutMs: 30_000,
  /** Largest response body read into memory: ten 4 MB images in base64 fit with room. */
  maxResponseBytes: 128 * 1024 * 1024,
})

/** Options of {@link HttpTransport}. */
export interface TransportOptions {
  /** A custom undici dispatcher (proxy, mock agent, ...). @defaultValue one shared keep-alive Agent */
  dispatcher?: Dispatcher | undefined
  /** @defaultValue 10000 */
  connectTimeoutMs?: number | undefined
  /** @defaultValue 600000 */
  headersTimeoutMs?: number | undefined
  /** @defaultValue 120000 */
  bodyTimeoutMs?: number | undefined
  /** @defaultValue 134217728 (128 MiB) */
  maxResponseBytes?: number | undefined
  /** Sent on every request. */
  userAgent?: string | undefined
}

/** Body types the transport sends as they are. */
export type HttpBody = string | Uint8Array | FormData

/** One HTTP request. */
export interface HttpRequest {
  /** HTTP method. */
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'HEAD'
  /** Absolute URL. */
  url: string
  /** Request headers (lower- or mixed-case). */
  headers?: Record<string, string> | undefined
  /** A value serialised as JSON with `content-type: application/json`. */
  json?: unknown
  /** A raw body; FormData gets its multipart boundary set by undici. */
  body?: HttpBody | undefined
  /** Cancels the request. */
  signal?: AbortSignal | undefined
  /** Deadline for the whole request, headers and body, in milliseconds. */
  timeoutMs?: number | undefined
  /** Cap on the response body for this request, in bytes. */
  maxBytes?: number | undefined
}

/** A fully read HTTP response. */
export interface HttpResponse {
  /** HTTP status. */
  readonly status: number
  /** Response headers, lower-case names, repeated values joined with `, `. */
  readonly headers: Readonly<Record<string, string>>
  /** The raw body. */
  readonly body: Buffer
  /** The URL that was requested. */
  readonly url: string
  /** The body as UTF-8 text. */
  text(): string
  /** The body parsed as JSON; `undefined` when it is not JSON. */
  json(): unknown
}

let sharedDispatcher: Dispatcher | undefined

/**
 * The process-wide keep-alive dispatcher: one connection pool per origin for every client, so
 * a thousand calls reuse sockets instead of opening new ones. Honors HTTP(S)_PROXY / NO_PROXY.
 */
export function getSharedDispatcher(): Dispatcher {
  if (sharedDispatcher === undefined) {
    const opts = {
      connect: { timeout: DEFAULT_TRANSPORT_OPTIONS.connectTimeoutMs },
      headersTimeout: DEFAULT_TRANSPORT_OPTIONS.headersTimeoutMs,
      bodyTimeout: DEFAULT_TRANSPORT_OPTIONS.bodyTimeoutMs,
      keepAliveTimeout: DEFAULT_TRANSPORT_OPTIONS.keepAliveTimeoutMs,
    }
    const env = process.env
    const proxied = Boolean(env['HTTPS_PROXY'] || env['https_proxy'] || env['HTTP_PROXY'] || env['http_proxy'])
    sharedDispatcher = proxied ? new (undici().EnvHttpProxyAgent)(opts) : new (undici().Agent)(opts)
  }
  return sharedDispatcher
}

/**
 * The one HTTP client of llmkit, on undici. It never throws for an HTTP status (the caller
 * maps statuses); it throws {@link NetworkError}, {@link TimeoutError} or {@link AbortError}.
 */
export class HttpTransport {
  readonly #dispatcher: Dispatcher | undefined
  readonly #maxBytes: number
  readonly #headersTimeoutMs: number
  readonly #bodyTimeoutMs: number
  readonly #userAgent: string | undefined

  constructor(options: TransportOptions = {}) {
    for (const key of ['connectTimeoutMs', 'headersTimeoutMs', 'bodyTimeoutMs', 'maxResponseBytes'] as const) checkPositive(key, options[key])
    this.#maxBytes = options.maxResponseBytes ?? DEFAULT_TRANSPORT_OPTIONS.maxResponseBytes
    this.#headersTimeoutMs = options.headersTimeoutMs ?? DEFAULT_TRANSPORT_OPTIONS.headersTimeoutMs
    this.#bodyTimeoutMs = options.bodyTimeoutMs ?? DEFAULT_TRANSPORT_OPTIONS.bodyTimeoutMs
    this.#userAgent = options.userAgent
    this.#dispatcher =
      options.dispatcher ??
      (options.connectTimeoutMs === undefined && options.headersTimeoutMs === undefined && options.bodyTimeoutMs === undefined
        ? undefined
        : new (undici().Agent)({
            connect: { timeout: options.connectTimeoutMs ?? DEFAULT_TRANSPORT_OPTIONS.connectTimeoutMs },
            headersTimeout: this.#headersTimeoutMs,
            bodyTimeout: this.#bodyTimeoutMs,
            keepAliveTimeout: DEFAULT_TRANSPORT_OPTIONS.keepAliveTimeoutMs,
          }))
  }

  /** Sends a request and reads the whole body (capped). */
  async request(req: HttpRequest): Promise<HttpResponse> {
    const headers: Record<string, string> = {}
    if (this.#userAgent) headers['user-agent'] = this.#userAgent
    for (const [k, v] of Object.entries(req.headers ?? {})) headers[k.toLowerCase()] = v
    let body: HttpBody | undefined = req.body
    if (req.json !== undefined) {
      body = JSON.stringify(req.json)
      headers['content-type'] ??= 'application/json'
    } else if (body instanceof FormData) {
      // undici 8 rejects the global FormData ("must be a FormData created by this undici package
      // instance"), so it is encoded here, with the boundary in the content type it sets.
      const encoded = new Response(body)
      headers['content-type'] = encoded.headers.get('content-type') ?? 'multipart/form-data'
      body = new Uint8Array(await encoded.arrayBuffer())
    }
    const maxBytes = req.maxBytes ?? this.#maxBytes
    const deadline = req.timeoutMs === undefined ? undefined : AbortSignal.timeout(req.timeoutMs)
    const signal = combineSignals(req.signal, deadline)
    if (req.signal?.aborted) throw abortError(req.signal)
    try {
      const res = await undici().request(req.url, {
        method: req.method,
        headers,
        body: body as Dispatcher.DispatchOptions['body'],
        signal,
        dispatcher: this.#dispatcher ?? getSharedDispatcher(),
        headersTimeout: this.#headersTimeoutMs,
        bodyTimeout: this.#bodyTimeoutMs,
      })
      const flat = flattenHeaders(res.headers)
      const declared = Number(flat['content-length'])
      if (Number.isFinite(declared) && declared > maxBytes) {
        res.body.destroy()
        throw new NetworkError(`Response from ${safeOrigin(req.url)} is ${declared} bytes, over the ${maxBytes}-byte cap (raise maxResponseBytes)`)
      }
      const received = await readBody(res.body, declared, maxBytes, req.url)
      return makeResponse(res.statusCode, flat, received, req.url)
    } catch (error) {
      throw toTransportError(error, req, deadline)
    }
  }
}

/** Bodies at least this large are copied into one buffer sized from content-length as they arrive. */
const PREALLOCATE_FROM_BYTES = 64 * 1024

/**
 * Reads a whole body, capped. With a large declared length the chunks are copied into one
 * buffer as they arrive, so a 5 MB image never sits in memory twice (chunks, then their
 * concatenation). Events rather than `for await`: no promise per chunk on the hot path.
 */
function readBody(body: Dispatcher.ResponseData['body'], declared: number, maxBytes: number, url: string): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = []
    let into = Number.isFinite(declared) && declared >= PREALLOCATE_FROM_BYTES ? Buffer.allocUnsafe(declared) : undefined
    let size = 0
    const onData = (chunk: Buffer): void => {
      if (size + chunk.length > maxBytes) {
        body.off('data', onData)
        body.destroy()
        reject(new NetworkError(`Response from ${safeOrigin(url)} exceeded the ${maxBytes}-byte cap (raise maxResponseBytes)`))
        return
      }
      if (into !== undefined && size + chunk.length <= into.length) chunk.copy(into, size)
      else {
        // Longer than declared (a lying server): collect chunks instead.
        if (into !== undefined) chunks.push(into.subarray(0, size))
        into = undefined
        chunks.push(chunk)
      }
      size += chunk.length
    }
    let ended = false
    body.on('data', onData)
    body.once('error', reject)
    body.once('end', () => {
      ended = true
      if (into !== undefined) resolve(size === into.length ? into : into.subarray(0, size))
      else resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size))
    })
    // A stream destroyed without an error would otherwise leave the call waiting forever.
    body.once('close', () => {
      if (!ended) reject(new Error('the response body closed before its end'))
    })
  })
}

function makeResponse(status: number, headers: Record<string, string>, body: Buffer, url: string): HttpResponse {
  let parsed: { value: unknown } | undefined
  return {
    status,
    headers,
    body,
    url,
    text: () => body.toString('utf8'),
    json: () => {
      if (parsed === undefined) {
        try {
          parsed = { value: parseJsonBody(body) }
        } catch {
          parsed = { value: undefined }
        }
      }
      return parsed.value
    },
  }
}

function flattenHeaders(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(raw)) {
    if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v
  }
  return out
}

/** Origin only: URLs can carry signed query strings that must not land in error messages. */
export function safeOrigin(url: string): string {
  try {
    const u = new URL(url)
    return `${u.origin}${u.pathname}`
  } catch {
    return '<invalid url>'
  }
}

/** Both signals, either of which aborts; undefined when neither is given. */
export function combineSignals(a: AbortSignal | undefined, b: AbortSignal | undefined): AbortSignal | undefined {
  if (a === undefined) return b
  if (b === undefined) return a
  return AbortSignal.any([a, b])
}

/** The {@link AbortError} for a fired signal, keeping its reason as the cause. */
export function abortError(signal: AbortSignal | undefined): LLMKitError {
  const reason: unknown = signal?.reason
  if (LLMKitError.isInstance(reason)) return reason
  return new AbortError('The operation was aborted by the caller', { cause: reason })
}

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT'])

function toTransportError(error: unknown, req: HttpRequest, deadline: AbortSignal | undefined): LLMKitError {
  if (LLMKitError.isInstance(error)) return error
  if (req.signal?.aborted) return abortError(req.signal)
  const where = `${req.method} ${safeOrigin(req.url)}`
  if (deadline?.aborted) return new TimeoutError(`${where} timed out after ${req.timeoutMs} ms`, { cause: error })
  const code = (error as { code?: string } | undefined)?.code
  if (code !== undefined && TIMEOUT_CODES.has(code)) {
    return new TimeoutError(`${where} timed out (${code}); the server is slow or unreachable`, { cause: error })
  }
  const message = error instanceof Error ? error.message : String(error)
  return new NetworkError(`${where} failed: ${message}${code ? ` (${code})` : ''}; check the network or the base URL`, { cause: error })
}
