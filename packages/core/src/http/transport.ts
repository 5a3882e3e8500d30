import { pipeline, type Readable, Transform } from 'node:stream'
import type { Dispatcher } from 'undici'
import { AbortError, LLMKitError, type LLMKitErrorOptions, NetworkError, TimeoutError } from '../errors.js'
import { checkPositive } from '../option-checks.js'
import { parseJsonBody } from './parse-json-body.js'
import { loadUndici } from './load-undici.js'
import { userAgent } from './user-agent.js'

/** undici, loaded on first use (see {@link loadUndici}). */
const undici = loadUndici

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
  /**
   * Appended to llmkit's own `user-agent` (`llmkit/<version> <provider package>/<version>
   * node/<version>`) on every request, e.g. `myapp/1.2`. A request's own `user-agent` header
   * replaces the whole value.
   */
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
  /** Product token of the provider package making the request, put in the `user-agent` (`@llmkit/provider-openai/0.1.0`). */
  userAgentProduct?: string | undefined
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
 * A POST/PUT/DELETE that was written in full and then got no status (reset, headers timeout,
 * deadline or abort after sending), or a 2xx whose body did not arrive whole, throws with
 * `mayHaveBeenCharged: true`: the provider may have done the work. A body over the cap throws a
 * non-retryable NetworkError.
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
    return this.#dispatch(req, async (res, headers, declared, maxBytes) => makeResponse(res.statusCode, headers, await readBody(res.body, declared, maxBytes, req), req.url))
  }

  /**
   * Sends a request and hands its body to `consume` as a stream, so a large body goes where it is
   * written without being held in memory, and a streamed answer (server-sent events) is read as
   * it arrives. The cap, deadline, signal and error mapping are those of
   * {@link HttpTransport.request}: an error while `consume` reads (abort, timeout, reset, cap, or
   * one `consume` throws) is thrown as the same typed error, and for a request that can create
   * paid work (POST, PUT, DELETE) it is marked `mayHaveBeenCharged` by the same rule (sent in
   * full, then no status or a 2xx). A body `consume` leaves unread is discarded.
   */
  async stream<T>(req: HttpRequest, consume: (res: HttpStreamResponse) => Promise<T>): Promise<T> {
    return this.#dispatch(req, (res, headers, _declared, maxBytes) => consume({ status: res.statusCode, headers, body: pipeline(res.body, capped(req, maxBytes), ignore) }))
  }

  /**
   * What {@link HttpTransport.request} and {@link HttpTransport.stream} share: headers and body
   * encoded, deadline and signal combined, the send tracked for ambiguity, a declared length over
   * the cap refused before reading, every failure mapped to a typed error (marked
   * `mayHaveBeenCharged` when ambiguous), and a body `read` left unread discarded.
   */
  async #dispatch<T>(
    req: HttpRequest,
    read: (res: Dispatcher.ResponseData, headers: Record<string, string>, declared: number, maxBytes: number) => Promise<T>,
  ): Promise<T> {
    const headers: Record<string, string> = {}
    headers['user-agent'] = userAgent(req.userAgentProduct, this.#userAgent)
    for (const [k, v] of Object.entries(req.headers ?? {})) headers[k.toLowerCase()] = v
    const requestBody = await encodeBody(req, headers)
    const maxBytes = req.maxBytes ?? this.#maxBytes
    const deadline = req.timeoutMs === undefined ? undefined : AbortSignal.timeout(req.timeoutMs)
    const signal = combineSignals(req.signal, deadline)
    if (req.signal?.aborted) throw abortError(req.signal)
    const progress: SendProgress = { sent: false, status: undefined }
    const dispatcher = this.#dispatcher ?? getSharedDispatcher()
    let body: Dispatcher.ResponseData['body'] | undefined
    try {
      const res = await undici().request(req.url, {
        method: req.method,
        headers,
        body: requestBody as Dispatcher.DispatchOptions['body'],
        signal,
        // Only a request that can create paid work needs to know when it was sent in full.
        dispatcher: SAFE_METHODS.has(req.method) ? dispatcher : trackSending(dispatcher, progress),
        headersTimeout: this.#headersTimeoutMs,
        bodyTimeout: this.#bodyTimeoutMs,
      })
      progress.status = res.statusCode
      body = res.body
      const flat = flattenHeaders(res.headers)
      const declared = Number(flat['content-length'])
      if (Number.isFinite(declared) && declared > maxBytes) throw overCap(req, `is ${declared} bytes, over`, maxBytes)
      return await read(res, flat, declared, maxBytes)
    } catch (error) {
      const mapped = toTransportError(error, req, deadline)
      throw isAmbiguous(req, progress) ? markMayHaveBeenCharged(mapped) : mapped
    } finally {
      if (body !== undefined && !body.readableEnded && !body.destroyed) discardBody(body)
    }
  }
}

/** Status and headers of a response whose body is read as a stream, by {@link HttpTransport.stream}. */
export interface HttpStreamResponse {
  /** HTTP status. */
  readonly status: number
  /** Response headers, lower-case names, repeated values joined with `, `. */
  readonly headers: Readonly<Record<string, string>>
  /** The body, capped: more than the cap in bytes errors the stream with a non-retryable NetworkError. */
  readonly body: Readable
}

/** What the transport knows about one request while it runs. */
interface SendProgress {
  /** undici finished writing the whole request (headers and body) to the socket. */
  sent: boolean
  /** Status of the response, once its headers arrived. */
  status: number | undefined
}

/** GET and HEAD are safe (RFC 9110 §9.2.1): nothing is created, so nothing can be charged twice. */
const SAFE_METHODS = new Set<HttpRequest['method']>(['GET', 'HEAD'])

/**
 * An outcome is ambiguous when a request that can create paid work was written in full and
 * then failed with no status (a reset, a headers timeout, a deadline or an abort after the
 * body was sent), or with a 2xx status whose body never arrived whole: the provider may have
 * done, and billed, the work. A failure before the request was fully written (DNS, refused,
 * connect timeout, reset mid-body) or after a non-2xx status is not: nothing was accepted.
 */
function isAmbiguous(req: HttpRequest, progress: SendProgress): boolean {
  if (SAFE_METHODS.has(req.method) || !progress.sent) return false
  return progress.status === undefined || (progress.status >= 200 && progress.status < 300)
}

/**
 * A dispatcher that forwards to `base` and records when undici has written the whole request.
 * This is undici's own signal (the dispatch handler's `onRequestSent`, called by the h1 and h2
 * clients once the last body byte was handed to the socket), not a guess from error codes: a
 * reset reports the same `UND_ERR_SOCKET` whether it came before or after the body. "Handed to
 * the socket" can precede the kernel flushing a large upload, so a reset in that window counts
 * as ambiguous: the error errs towards "may have been charged", never towards paying twice.
 */
function trackSending(base: Dispatcher, progress: SendProgress): Dispatcher {
  return {
    dispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
      return base.dispatch(opts, sentObserver(handler, progress))
    },
  } as unknown as Dispatcher
}

/**
 * Wraps a dispatch handler: every hook goes to the original, called on the original (undici's
 * request handler keeps state on itself and the abort wiring holds the original object), and
 * `onRequestSent` also marks the request as sent.
 */
function sentObserver(handler: Dispatcher.DispatchHandler, progress: SendProgress): Dispatcher.DispatchHandler {
  const target = handler as unknown as Record<PropertyKey, unknown>
  // Bound once per method: undici calls onResponseData for every chunk.
  const bound = new Map<PropertyKey, { value: unknown; fn: unknown }>()
  const onRequestSent = (...args: unknown[]) => {
    progress.sent = true
    return (target['onRequestSent'] as ((...a: unknown[]) => unknown) | undefined)?.apply(target, args)
  }
  return new Proxy(target, {
    get(object, key) {
      if (key === 'onRequestSent') return onRequestSent
      const value = object[key]
      if (typeof value !== 'function') return value
      let entry = bound.get(key)
      // A handler may replace a function field (its `abort`): bind the current one.
      if (entry?.value !== value) bound.set(key, (entry = { value, fn: (value as (...a: unknown[]) => unknown).bind(object) }))
      return entry!.fn
    },
    has(object, key) {
      return key === 'onRequestSent' || key in object
    },
  }) as unknown as Dispatcher.DispatchHandler
}

/**
 * A copy of `error` marked {@link LLMKitError.mayHaveBeenCharged}, same class, code and fields;
 * `error` itself when it is marked already.
 */
export function markMayHaveBeenCharged(error: LLMKitError): LLMKitError {
  if (error.mayHaveBeenCharged) return error
  return rebuild(error, { mayHaveBeenCharged: true })
}

/**
 * A copy of an llmkit error with some fields (or its message) changed; class, code, stack and
 * every other field stay. Copied field by field rather than through the constructor, so a
 * subclass with its own constructor (BudgetExceededError, a plugin's) is copied faithfully.
 */
export function rebuild(
  error: LLMKitError,
  changes: Pick<LLMKitErrorOptions, 'retryable' | 'mayHaveBeenCharged' | 'cause' | 'paid' | 'partial'> & { message?: string | undefined },
): LLMKitError {
  const copy = Object.create(Object.getPrototypeOf(error) as object) as LLMKitError
  Object.defineProperties(copy, Object.getOwnPropertyDescriptors(error))
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) continue
    // message and cause are not enumerable on an Error; the llmkit fields are.
    Object.defineProperty(copy, key, { value, enumerable: key !== 'message' && key !== 'cause', writable: true, configurable: true })
  }
  return copy
}

/**
 * The error for a body over the cap. Not retryable: a retry would download the same body again
 * (and, for a generation, pay for it again).
 */
function overCap(req: HttpRequest, what: string, maxBytes: number): NetworkError {
  return new NetworkError(`Response from ${safeOrigin(req.url)} ${what} the ${maxBytes}-byte cap (raise maxResponseBytes)`, { retryable: false })
}

/** A pass-through that errors once more than `maxBytes` went through it (memory stays one chunk). */
function capped(req: HttpRequest, maxBytes: number): Transform {
  let size = 0
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      size += chunk.length
      if (size > maxBytes) callback(overCap(req, 'exceeded', maxBytes))
      else callback(null, chunk)
    },
  })
}

/**
 * Tears down a body we will not read. undici turns a destroy without an error into a
 * `UND_ERR_ABORTED` 'error' event on a later tick; with nobody listening any more it would be an
 * uncaught exception, so a listener is attached first.
 */
function discardBody(body: Dispatcher.ResponseData['body']): void {
  body.on('error', ignore)
  body.destroy()
}

function ignore(): void {}

/** First buffer of a body, in bytes; it doubles as data arrives. */
const INITIAL_BODY_BYTES = 64 * 1024

/**
 * Reads a whole body, capped while reading. Chunks are copied into one buffer that doubles as
 * bytes arrive (never beyond the cap, nor beyond a declared length the body keeps to), so a
 * 5 MB image does not sit in memory twice (chunks, then their concatenation), and a server
 * declaring 100 MB and sending 1 KB costs 64 KB, not 100 MB: memory follows the bytes received.
 * Events rather than `for await`: no promise per chunk on the hot path.
 */
function readBody(body: Dispatcher.ResponseData['body'], declared: number, maxBytes: number, req: HttpRequest): Promise<Buffer> {
  const expected = Number.isFinite(declared) && declared >= 0 ? declared : undefined
  return new Promise<Buffer>((resolve, reject) => {
    let into: Buffer | undefined
    let size = 0
    const onData = (chunk: Buffer): void => {
      const needed = size + chunk.length
      if (needed > maxBytes) {
        body.off('data', onData)
        discardBody(body)
        reject(overCap(req, 'exceeded', maxBytes))
        return
      }
      if (into === undefined || needed > into.length) {
        let capacity = Math.max(INITIAL_BODY_BYTES, (into?.length ?? 0) * 2, needed)
        // Room for exactly the declared length when the body keeps to it; a longer body just grows.
        if (expected !== undefined && needed <= expected) capacity = Math.min(capacity, expected)
        capacity = Math.min(capacity, maxBytes)
        const grown = Buffer.allocUnsafe(capacity)
        if (into !== undefined) into.copy(grown, 0, 0, size)
        into = grown
      }
      chunk.copy(into, size)
      size = needed
    }
    let ended = false
    body.on('data', onData)
    body.once('error', reject)
    body.once('end', () => {
      ended = true
      if (into === undefined) resolve(Buffer.alloc(0))
      else if (size === into.length) resolve(into)
      // Up to half the buffer can be spare after a doubling: copy out rather than keep it alive.
      else resolve(into.length - size > INITIAL_BODY_BYTES ? Buffer.from(into.subarray(0, size)) : into.subarray(0, size))
    })
    // A stream destroyed without an error would otherwise leave the call waiting forever.
    body.once('close', () => {
      if (!ended) reject(new Error('the response body closed before its end'))
    })
  })
}

/**
 * The body of a request as undici sends it: `json` serialised (with its content type), a FormData
 * encoded with its multipart boundary, anything else as it is. Sets the content type in `headers`.
 */
async function encodeBody(req: HttpRequest, headers: Record<string, string>): Promise<HttpBody | undefined> {
  if (req.json !== undefined) {
    headers['content-type'] ??= 'application/json'
    return JSON.stringify(req.json)
  }
  const body = req.body
  if (!(body instanceof FormData)) return body
  // undici 8 rejects the global FormData ("must be a FormData created by this undici package
  // instance"), so it is encoded here, with the boundary in the content type it sets.
  const encoded = new Response(body)
  headers['content-type'] = encoded.headers.get('content-type') ?? 'multipart/form-data'
  return new Uint8Array(await encoded.arrayBuffer())
}

/**
 * An {@link HttpResponse} over bytes already read: for a streamed answer whose status says it
 * is an error, read whole so the provider's error parser sees it like any other.
 */
export function bufferedResponse(status: number, headers: Readonly<Record<string, string>>, body: Buffer, url: string): HttpResponse {
  return makeResponse(status, { ...headers }, body, url)
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
