import { once } from 'node:events'
import { createWriteStream } from 'node:fs'
import { mkdir, rename, rm, writeFile } from 'node:fs/promises'
import { isIP } from 'node:net'
import { dirname, extname } from 'node:path'
import { Transform, type TransformCallback } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { Dispatcher } from 'undici'
import { loadUndici } from './load-undici.js'
import { InvalidRequestError, LLMKitError, NetworkError, ProviderError } from '../errors.js'
import { IMAGE_EXTENSIONS, type ImageMimeType, parseDataUrl, sniffImageType } from '../media.js'
import { BLOCKED_ADDRESS_CODE, blockedRange, checkResolvedHost, guardedLookup, type LookupFunction } from './ip-guard.js'
import { parseRetryAfter } from './retry-after.js'
import { HttpTransport, safeOrigin } from './transport.js'

/** Largest single image llmkit downloads. */
export const DEFAULT_MAX_IMAGE_BYTES = 64 * 1024 * 1024
/** Deadline for one image download. */
export const DEFAULT_DOWNLOAD_TIMEOUT_MS = 120_000

/**
 * Which URLs a download may reach. Without one, only https URLs whose host resolves to public
 * addresses are fetched.
 */
export interface DownloadGuard {
  /**
   * Origins trusted as the provider's API is (`http://127.0.0.1:4010`): the client passes the
   * origin of each provider's configured base URL, so the emulator and gateways work. Any scheme
   * and address.
   */
  readonly trustedOrigins?: readonly string[] | undefined
  /**
   * Other trusted hosts, `host` (any port) or `host:port` (`cdn.internal:8443`): http or https,
   * any address. There is no switch that turns the guard off for every host.
   */
  readonly allowHosts?: readonly string[] | undefined
  /** DNS lookup used for untrusted hosts (tests inject one). @defaultValue dns.lookup */
  readonly lookup?: LookupFunction | undefined
  /**
   * The download transport was built on a caller's own dispatcher (a proxy, a mock), which
   * connects by itself: untrusted hosts are then resolved and checked once before the request,
   * since the check cannot sit inside that dispatcher's sockets.
   */
  readonly customDispatcher?: boolean | undefined
}

/** Options of {@link downloadImage}. */
export interface DownloadOptions {
  /** Transport for trusted URLs (and for untrusted ones with {@link DownloadGuard.customDispatcher}). @defaultValue a transport on the shared agent */
  transport?: HttpTransport | undefined
  /** Cancels the download. */
  signal?: AbortSignal | undefined
  /** @defaultValue 67108864 (64 MiB) */
  maxBytes?: number | undefined
  /** @defaultValue 120000 */
  timeoutMs?: number | undefined
  /** Which URLs may be reached. @defaultValue public https only */
  guard?: DownloadGuard | undefined
}

/** Bytes of a downloaded image with the MIME type its bytes show. */
export interface DownloadedImage {
  /** The image bytes. */
  bytes: Buffer
  /** From the bytes, else the `Content-Type` header. */
  mimeType: string | undefined
}

let defaultTransport: HttpTransport | undefined
const guardedTransports = new Map<LookupFunction | undefined, HttpTransport>()

/** True when the environment routes requests through a proxy (which then resolves names itself). */
function proxied(): boolean {
  const env = process.env
  return Boolean(env['HTTPS_PROXY'] || env['https_proxy'] || env['HTTP_PROXY'] || env['http_proxy'])
}

/**
 * A transport whose sockets connect only to addresses the guarded lookup let through: the check
 * and the connect use one DNS answer (no re-resolution in between). One per lookup function; the
 * default one is shared by the process, as the keep-alive pool of the API transport is.
 */
function guardedTransport(lookup: LookupFunction | undefined): HttpTransport {
  let transport = guardedTransports.get(lookup)
  if (transport === undefined) {
    const undici = loadUndici()
    const dispatcher: Dispatcher = new undici.Agent({ connect: { timeout: 10_000, lookup: guardedLookup(lookup) }, keepAliveTimeout: 30_000 })
    transport = new HttpTransport({ dispatcher })
    // Tests inject lookups; a few entries at most, but never an unbounded map.
    if (guardedTransports.size > 16) guardedTransports.clear()
    guardedTransports.set(lookup, transport)
  }
  return transport
}

/** `host` entries match any port; `host:port` entries match that port (the scheme's default when the URL has none). */
function allowed(url: URL, allowHosts: readonly string[] | undefined): boolean {
  if (allowHosts === undefined || allowHosts.length === 0) return false
  const port = url.port || (url.protocol === 'https:' ? '443' : '80')
  const host = url.hostname.toLowerCase()
  return allowHosts.some((entry) => {
    const e = entry.toLowerCase()
    return e === host || e === `${host}:${port}`
  })
}

function refuse(url: string, why: string): InvalidRequestError {
  const where = /^https?:/i.test(url) ? safeOrigin(url) : `a ${url.slice(0, url.indexOf(':') + 1)} URL`
  return new InvalidRequestError(`Refusing to download ${where}: ${why}`, { param: 'url' })
}

/** Whether an error of the transport is its size cap (a second read of the same URL would hit it again). */
function isOverCap(error: LLMKitError): boolean {
  return /-byte cap\b/.test(error.message)
}

/**
 * Fetches a generated image (no auth header: provider URLs are signed). `data:` URLs are decoded
 * in place. A URL on a trusted origin (the provider's configured base URL) or an allowed host is
 * fetched as the API is. Any other URL must be https, and its host must resolve only to public
 * addresses (no loopback, private, link-local, CGNAT, multicast, unspecified or reserved address,
 * IPv4 or IPv6, v4-mapped included); the check runs inside the socket's own DNS lookup, so the
 * address checked is the address connected to. Redirects are never followed (a 3xx is a failed
 * download). The size is capped while reading.
 *
 * @throws {@link InvalidRequestError} for a refused URL or address (`param: 'url'`);
 * {@link NetworkError} on a non-2xx answer (retryable for 408, 429 and 5xx, with `retryAfterMs`
 * from `Retry-After`) or an oversized body (not retryable); {@link TimeoutError}; {@link AbortError}.
 */
export async function downloadImage(url: string, options: DownloadOptions = {}): Promise<DownloadedImage> {
  const source = await prepareDownload(url, options)
  if (source.data !== undefined) return { bytes: source.data, mimeType: sniffImageType(source.data) ?? source.dataMimeType }
  let res
  try {
    res = await source.transport.request({ method: 'GET', url, signal: options.signal, timeoutMs: timeoutOf(options), maxBytes: maxBytesOf(options) })
  } catch (error) {
    throw downloadFailure(url, error)
  }
  if (res.status < 200 || res.status >= 300) throw statusFailure(url, res.status, res.headers)
  const header = res.headers['content-type']?.split(';')[0]?.trim()
  return { bytes: res.body, mimeType: sniffImageType(res.body) ?? header }
}

/** Options of {@link downloadImageToFile}. */
export interface DownloadToFileOptions extends DownloadOptions {
  /**
   * When `path` has no extension, add the one of the image type the bytes show (`.png`, `.jpg`,
   * `.webp`, `.gif`, `.svg`). A path with an extension is kept exactly as given.
   * @defaultValue false
   */
  addExtension?: boolean | undefined
}

/** An image written to disk. */
export interface SavedImage {
  /** The path written (with the added extension, if any). */
  path: string
  /** Size of the file in bytes. */
  bytes: number
  /** The type the bytes show; the provider's word only for base64 data that matches no known signature. */
  mimeType: string | undefined
}

/**
 * Downloads an image straight to a file, so memory does not grow with its size: the body is
 * streamed to a temporary file next to `path`, which is renamed into place only once the whole
 * image arrived and its first bytes showed an image (PNG, JPEG, WebP, GIF or SVG). On any failure
 * (refused URL, HTTP error, cap, timeout, abort, not an image, disk) no file is left at `path` or
 * beside it. The same URLs are reached, refused and capped as by {@link downloadImage}; folders
 * are created.
 *
 * @throws {@link InvalidRequestError} for a refused URL or address (`param: 'url'`);
 * {@link NetworkError} on a non-2xx answer or an oversized body (not retryable);
 * {@link ProviderError} when the bytes are not an image (not retryable); {@link TimeoutError};
 * {@link AbortError}; the file system's error when writing fails.
 */
export async function downloadImageToFile(url: string, path: string, options: DownloadToFileOptions = {}): Promise<SavedImage> {
  const source = await prepareDownload(url, options)
  await mkdir(dirname(path), { recursive: true })
  const tmp = `${path}.${process.pid}-${++tempCounter}.tmp`
  try {
    let written: { bytes: number; mimeType: string }
    if (source.data !== undefined) {
      const mimeType = sniffImageType(source.data)
      if (mimeType === undefined) throw notAnImage(url)
      await writeFile(tmp, source.data)
      written = { bytes: source.data.length, mimeType }
    } else {
      written = await streamToFile(source.transport, url, tmp, options)
    }
    const target = options.addExtension === true && extname(path) === '' ? `${path}.${IMAGE_EXTENSIONS[written.mimeType as ImageMimeType]}` : path
    await rename(tmp, target)
    return { path: target, ...written }
  } catch (error) {
    await rm(tmp, { force: true })
    throw error
  }
}

let tempCounter = 0

async function streamToFile(transport: HttpTransport, url: string, tmp: string, options: DownloadOptions): Promise<{ bytes: number; mimeType: string }> {
  try {
    return await transport.stream({ method: 'GET', url, signal: options.signal, timeoutMs: timeoutOf(options), maxBytes: maxBytesOf(options) }, async (res) => {
      if (res.status < 200 || res.status >= 300) throw statusFailure(url, res.status, res.headers)
      const check = new ImageCheck(url)
      const file = createWriteStream(tmp)
      try {
        await pipeline(res.body, check, file)
      } finally {
        // The temporary file is removed after a failure: its descriptor must be closed first.
        if (!file.closed) await once(file, 'close')
      }
      return { bytes: check.size, mimeType: check.mimeType! }
    })
  } catch (error) {
    throw downloadFailure(url, error)
  }
}

/** Bytes read before the type is decided: every binary signature, and the head of an SVG's text. */
const SNIFF_BYTES = 1024

/**
 * Passes the body through once its first bytes showed an image; until then it holds at most
 * {@link SNIFF_BYTES} plus one chunk. Counts the bytes.
 */
class ImageCheck extends Transform {
  size = 0
  mimeType: string | undefined
  #head: Buffer[] = []
  #headSize = 0
  readonly #url: string

  constructor(url: string) {
    super()
    this.#url = url
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.size += chunk.length
    if (this.mimeType !== undefined) return callback(null, chunk)
    this.#head.push(chunk)
    this.#headSize += chunk.length
    if (this.#headSize < SNIFF_BYTES) return callback()
    this.#decide(callback)
  }

  override _flush(callback: TransformCallback): void {
    if (this.mimeType !== undefined) return callback()
    this.#decide(callback)
  }

  #decide(callback: TransformCallback): void {
    const head = Buffer.concat(this.#head, this.#headSize)
    this.#head = []
    this.mimeType = sniffImageType(head)
    if (this.mimeType === undefined) return callback(notAnImage(this.#url))
    callback(null, head)
  }
}

/**
 * The error for bytes that are not an image: an HTML error page or JSON served under an image
 * URL, whatever its content-type says. @internal
 */
export function notAnImage(url: string): ProviderError {
  const where = parseDataUrl(url) === undefined ? safeOrigin(url) : 'The data: URL'
  return new ProviderError(`${where} did not serve an image (not PNG, JPEG, WebP, GIF or SVG); the URL may have expired`, { retryable: false })
}

function timeoutOf(options: DownloadOptions): number {
  return options.timeoutMs ?? DEFAULT_DOWNLOAD_TIMEOUT_MS
}

function maxBytesOf(options: DownloadOptions): number {
  return options.maxBytes ?? DEFAULT_MAX_IMAGE_BYTES
}

/** Where one download's bytes come from, once the URL passed the guard. */
type DownloadSource = { data: Buffer; dataMimeType: string | undefined; transport?: undefined } | { data?: undefined; transport: HttpTransport }

/**
 * The guard both downloads share: decodes a `data:` URL, or checks the URL (scheme, trusted
 * origin or allowed host, literal or resolved address) and picks the transport whose sockets
 * connect only where the guard allows. Throws before any connection for a refused URL.
 */
async function prepareDownload(url: string, options: DownloadOptions): Promise<DownloadSource> {
  const data = parseDataUrl(url)
  if (data !== undefined) return { data: Buffer.from(data.base64, 'base64'), dataMimeType: data.mimeType }
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch (cause) {
    throw new InvalidRequestError(`Cannot download image: "${url.slice(0, 80)}" is not a URL`, { cause, param: 'url' })
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw refuse(url, `the ${parsed.protocol} scheme is not fetched`)
  defaultTransport ??= new HttpTransport()
  const guard = options.guard ?? {}
  const trusted = guard.trustedOrigins?.includes(parsed.origin) === true || allowed(parsed, guard.allowHosts)
  let transport = options.transport ?? defaultTransport
  if (!trusted) {
    if (parsed.protocol !== 'https:') throw refuse(url, 'only https URLs are fetched outside the provider\'s own origin (add the host to downloads.allowHosts if it is trusted)')
    // The WHATWG parser has already normalised `127.1`, `2130706433` and `0x7f.1` to `127.0.0.1`.
    const literal = parsed.hostname.startsWith('[') ? parsed.hostname.slice(1, -1) : parsed.hostname
    if (isIP(literal) !== 0) {
      const range = blockedRange(literal)
      if (range !== undefined) throw refuse(url, `${literal} is a ${range} address (add the host to downloads.allowHosts if it is trusted)`)
    } else if (guard.customDispatcher === true || proxied()) {
      // A proxy (or a caller's dispatcher) connects by itself: check the name once here, then
      // send through it, so a network that needs its proxy still gets its images.
      try {
        await checkResolvedHost(literal, guard.lookup)
      } catch (cause) {
        throw blockedOrUnresolved(url, cause)
      }
    } else {
      transport = guardedTransport(guard.lookup)
    }
  }
  return { transport }
}

/** A transport failure as a download failure: an over-cap body is final, a blocked address a refusal. */
function downloadFailure(url: string, error: unknown): unknown {
  if (LLMKitError.isInstance(error) && error.retryable && isOverCap(error)) return new NetworkError(error.message, { cause: error, retryable: false })
  if (LLMKitError.isInstance(error) && hasCode(error.cause, BLOCKED_ADDRESS_CODE)) return blockedOrUnresolved(url, error.cause)
  return error
}

function statusFailure(url: string, status: number, headers: Readonly<Record<string, string>>): NetworkError {
  const redirect = status >= 300 && status < 400 ? ' (redirects are not followed)' : ''
  return new NetworkError(`Downloading ${safeOrigin(url)} failed with HTTP ${status}${redirect}; provider URLs expire, so download soon after generation`, {
    status,
    retryable: status >= 500 || status === 429 || status === 408,
    retryAfterMs: parseRetryAfter(headers),
  })
}

function hasCode(error: unknown, code: string): boolean {
  for (let e = error, depth = 0; e !== undefined && e !== null && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if ((e as { code?: unknown }).code === code) return true
  }
  return false
}

function blockedOrUnresolved(url: string, cause: unknown): LLMKitError {
  if (hasCode(cause, BLOCKED_ADDRESS_CODE)) {
    return new InvalidRequestError(`Refusing to download ${safeOrigin(url)}: ${(cause as Error).message}`, { cause, param: 'url' })
  }
  const message = cause instanceof Error ? cause.message : String(cause)
  return new NetworkError(`Downloading ${safeOrigin(url)} failed: ${message}`, { cause, retryable: true })
}

/** What an image remembers about where it may be downloaded from: the client that produced it. */
export type ImageDownloadOptions = Pick<DownloadOptions, 'transport' | 'guard' | 'maxBytes' | 'timeoutMs'>

/**
 * Download settings of images a client produced, so `GeneratedImage.bytes()` and `save()` trust
 * the provider's origin (and the client's allowed hosts) as the client did. A cache hit gets the
 * serving client's settings (never the store's). Images built by hand have none: they get the
 * default guard (public https only).
 */
const imageDownloads = new WeakMap<object, ImageDownloadOptions>()

/** Binds a client's download settings to an image. @internal */
export function bindImageDownloads(image: object, options: ImageDownloadOptions | undefined): void {
  if (options !== undefined) imageDownloads.set(image, options)
}

/** The download settings bound to an image, if any. @internal */
export function imageDownloadsOf(image: object): ImageDownloadOptions | undefined {
  return imageDownloads.get(image)
}
