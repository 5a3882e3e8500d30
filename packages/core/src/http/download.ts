import { isIP } from 'node:net'
import type { Dispatcher } from 'undici'
import { createRequire } from 'node:module'
import type * as Undici from 'undici'
import { InvalidRequestError, LLMKitError, NetworkError } from '../errors.js'
import { parseDataUrl, sniffImageType } from '../media.js'
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

const requireCjs = createRequire(import.meta.url)
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
    const undici = requireCjs('undici') as typeof Undici
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
  const data = parseDataUrl(url)
  if (data !== undefined) {
    const bytes = Buffer.from(data.base64, 'base64')
    return { bytes, mimeType: sniffImageType(bytes) ?? data.mimeType }
  }
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
  let res
  try {
    res = await transport.request({
      method: 'GET',
      url,
      signal: options.signal,
      timeoutMs: options.timeoutMs ?? DEFAULT_DOWNLOAD_TIMEOUT_MS,
      maxBytes: options.maxBytes ?? DEFAULT_MAX_IMAGE_BYTES,
    })
  } catch (error) {
    if (LLMKitError.isInstance(error) && error.retryable && isOverCap(error)) throw new NetworkError(error.message, { cause: error, retryable: false })
    if (LLMKitError.isInstance(error) && hasCode(error.cause, BLOCKED_ADDRESS_CODE)) throw blockedOrUnresolved(url, error.cause)
    throw error
  }
  if (res.status < 200 || res.status >= 300) {
    const redirect = res.status >= 300 && res.status < 400 ? ' (redirects are not followed)' : ''
    throw new NetworkError(`Downloading ${safeOrigin(url)} failed with HTTP ${res.status}${redirect}; provider URLs expire, so download soon after generation`, {
      status: res.status,
      retryable: res.status >= 500 || res.status === 429 || res.status === 408,
      retryAfterMs: parseRetryAfter(res.headers),
    })
  }
  const header = res.headers['content-type']?.split(';')[0]?.trim()
  return { bytes: res.body, mimeType: sniffImageType(res.body) ?? header }
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
