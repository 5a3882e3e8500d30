import { InvalidRequestError, NetworkError } from '../errors.js'
import { parseDataUrl, sniffImageType } from '../media.js'
import { HttpTransport, safeOrigin } from './transport.js'

/** Largest single image llmkit downloads. */
export const DEFAULT_MAX_IMAGE_BYTES = 64 * 1024 * 1024
/** Deadline for one image download. */
export const DEFAULT_DOWNLOAD_TIMEOUT_MS = 120_000

/** Options of {@link downloadImage}. */
export interface DownloadOptions {
  /** Transport to use. @defaultValue a transport on the shared agent */
  transport?: HttpTransport | undefined
  /** Cancels the download. */
  signal?: AbortSignal | undefined
  /** @defaultValue 67108864 (64 MiB) */
  maxBytes?: number | undefined
  /** @defaultValue 120000 */
  timeoutMs?: number | undefined
}

/** Bytes of a downloaded image with the MIME type its bytes show. */
export interface DownloadedImage {
  /** The image bytes. */
  bytes: Buffer
  /** From the bytes, else the `Content-Type` header. */
  mimeType: string | undefined
}

let defaultTransport: HttpTransport | undefined

/** Loopback hosts may use plain http: that is where the emulator and test servers live. */
function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || hostname === '::1' || /^127(\.\d{1,3}){3}$/.test(hostname)
}

/**
 * Fetches a generated image (no auth header: provider URLs are signed). Only https, and http on
 * loopback, are fetched; `data:` URLs are decoded in place. The size is capped.
 *
 * @throws {@link InvalidRequestError} for another scheme, {@link NetworkError} on a non-2xx
 * answer or an oversized body, {@link TimeoutError}, {@link AbortError}.
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
    throw new InvalidRequestError(`Cannot download image: "${url.slice(0, 80)}" is not a URL`, { cause })
  }
  if (!(parsed.protocol === 'https:' || (parsed.protocol === 'http:' && isLoopback(parsed.hostname)))) {
    throw new InvalidRequestError(`Refusing to download ${safeOrigin(url)}: only https URLs (and http on loopback) are fetched`)
  }
  defaultTransport ??= new HttpTransport()
  const transport = options.transport ?? defaultTransport
  const res = await transport.request({
    method: 'GET',
    url,
    signal: options.signal,
    timeoutMs: options.timeoutMs ?? DEFAULT_DOWNLOAD_TIMEOUT_MS,
    maxBytes: options.maxBytes ?? DEFAULT_MAX_IMAGE_BYTES,
  })
  if (res.status < 200 || res.status >= 300) {
    throw new NetworkError(`Downloading ${safeOrigin(url)} failed with HTTP ${res.status}; provider URLs expire, so download soon after generation`, {
      status: res.status,
      retryable: res.status >= 500 || res.status === 429,
    })
  }
  const header = res.headers['content-type']?.split(';')[0]?.trim()
  return { bytes: res.body, mimeType: sniffImageType(res.body) ?? header }
}

