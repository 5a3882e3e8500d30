import { DeliveryError, LLMKitError, type PaidWork, ProviderError } from '../errors.js'
import {
  bindImageDownloads,
  DEFAULT_DOWNLOAD_TIMEOUT_MS,
  DEFAULT_MAX_IMAGE_BYTES,
  type DownloadedImage,
  type DownloadOptions,
  downloadImage,
  type ImageDownloadOptions,
  imageDownloadsOf,
} from '../http/download.js'
import type { LookupFunction } from '../http/ip-guard.js'
import { abortError, type HttpTransport, rebuild } from '../http/transport.js'
import { isBase64, parseDataUrl, sniffBase64Type, sniffImageType } from '../media.js'
import { checkFunction, checkInteger, checkNumber } from '../option-checks.js'
import { withChildSpan } from './tracing.js'
import type { ProviderImage, ProviderResult } from '../registry/plugin.js'
import type { ProviderRegistry } from '../registry/provider-registry.js'
import { GeneratedImage, type ImageGenerationResponse } from '../response.js'
import type { GenerationContext, Middleware } from './context.js'
import { withDownloadRetry } from '../http/download-retry.js'

/** Download defaults, written as data. */
export const DEFAULT_DOWNLOAD_SETTINGS = Object.freeze({
  /** Tries of one image download (the first included); 429, 5xx, 408, network errors and timeouts are tried again. */
  maxAttempts: 3,
  /** Backoff ceiling of the first retry, in milliseconds (full jitter); a `Retry-After` hint wins. */
  initialDelayMs: 500,
  /** Largest backoff ceiling, in milliseconds. */
  maxDelayMs: 4_000,
  /** Largest image downloaded, in bytes. */
  maxBytes: DEFAULT_MAX_IMAGE_BYTES,
  /** Deadline of one download try, in milliseconds. */
  timeoutMs: DEFAULT_DOWNLOAD_TIMEOUT_MS,
})

/**
 * How the client downloads provider images (to honor `b64_json` from URL-only providers) and
 * what `GeneratedImage.bytes()` / `save()` may reach.
 */
export interface DownloadSettings {
  /**
   * Hosts trusted besides each provider's configured base URL origin, as `host` (any port) or
   * `host:port`, e.g. `['cdn.internal:8443']`: fetched over http or https whatever they resolve
   * to. Every other host must be https and resolve only to public addresses.
   * @defaultValue []
   */
  allowHosts?: readonly string[] | undefined
  /** @defaultValue 3 */
  maxAttempts?: number | undefined
  /** @defaultValue 500 */
  initialDelayMs?: number | undefined
  /** @defaultValue 4000 */
  maxDelayMs?: number | undefined
  /** @defaultValue 67108864 (64 MiB) */
  maxBytes?: number | undefined
  /** @defaultValue 120000 */
  timeoutMs?: number | undefined
  /** DNS lookup for untrusted hosts (tests make names resolve to chosen addresses). @defaultValue dns.lookup */
  lookup?: LookupFunction | undefined
  /** Source of randomness for the backoff jitter, in [0, 1). @defaultValue Math.random */
  random?: (() => number) | undefined
}

/** Checks {@link DownloadSettings} once, when the client is built. @throws TypeError naming the bad option. */
export function checkDownloadSettings(settings: DownloadSettings | undefined): void {
  if (settings === undefined) return
  if (typeof settings !== 'object' || settings === null) throw new TypeError('Expected `downloads` to be an object')
  if (settings.allowHosts !== undefined && (!Array.isArray(settings.allowHosts) || settings.allowHosts.some((h) => typeof h !== 'string' || h === '' || h.includes('/')))) {
    throw new TypeError("Expected `downloads.allowHosts` to be an array of 'host' or 'host:port' strings")
  }
  checkInteger('maxAttempts', settings.maxAttempts, 1)
  checkNumber('initialDelayMs', settings.initialDelayMs)
  checkNumber('maxDelayMs', settings.maxDelayMs)
  checkInteger('maxBytes', settings.maxBytes, 1)
  checkNumber('timeoutMs', settings.timeoutMs, 1)
  checkFunction('lookup', settings.lookup)
  checkFunction('random', settings.random)
}

/** What {@link downloadTrust} builds on: the client's configuration, never stored data. */
export interface DownloadTrustOptions {
  /** Registry holding the providers' configured base URLs. */
  readonly registry: Pick<ProviderRegistry, 'baseUrlOf'>
  /** The client's transport. */
  readonly transport: HttpTransport
  /** The client's `downloads` option. */
  readonly downloads?: DownloadSettings | undefined
  /** The transport was built on a caller's own dispatcher (proxy, mock). */
  readonly customDispatcher?: boolean | undefined
}

/**
 * The download settings a client gives the images of one provider: its configured base URL's
 * origin is trusted as the API is, plus `downloads.allowHosts`, with the client's transport and
 * limits. Used by the terminal for fresh responses and by the cache for hits, so an image is
 * trusted the same way however it was obtained. One frozen object per provider.
 */
export function downloadTrust(options: DownloadTrustOptions): (ctx: Pick<GenerationContext, 'providerId' | 'model'>) => ImageDownloadOptions {
  const settings = options.downloads ?? {}
  const byProvider = new Map<string, ImageDownloadOptions>()
  return (ctx) => {
    let found = byProvider.get(ctx.providerId)
    if (found === undefined) {
      found = Object.freeze({
        transport: options.transport,
        maxBytes: settings.maxBytes ?? DEFAULT_DOWNLOAD_SETTINGS.maxBytes,
        timeoutMs: settings.timeoutMs ?? DEFAULT_DOWNLOAD_SETTINGS.timeoutMs,
        guard: Object.freeze({
          trustedOrigins: originOf(options.registry.baseUrlOf(ctx.model.plugin)),
          allowHosts: settings.allowHosts,
          lookup: settings.lookup,
          customDispatcher: options.customDispatcher,
        }),
      })
      byProvider.set(ctx.providerId, found)
    }
    return found
  }
}

function originOf(baseUrl: string): readonly string[] {
  try {
    return Object.freeze([new URL(baseUrl).origin])
  } catch {
    return Object.freeze([])
  }
}

/** Everything a later download of one provider call needs, recorded by the terminal. */
export interface DeliveryPlan {
  /** What the provider was paid for. */
  readonly paid: PaidWork
  /** The API's transport (trusted origins, and untrusted ones on a caller's dispatcher). */
  readonly transport: HttpTransport
  /** Download guard and limits. */
  readonly download: Pick<DownloadOptions, 'guard' | 'maxBytes' | 'timeoutMs'>
  /** Retry of one download. */
  readonly retry: { maxAttempts: number; initialDelayMs: number; maxDelayMs: number; random: () => number }
}

interface PendingDownload {
  readonly url: string
  readonly image: ProviderImage
  readonly plan: DeliveryPlan
}

/**
 * Images the terminal returned that still need their bytes downloaded (`b64_json` asked of a
 * URL-only provider). Keyed by the image object, which the middleware between the terminal and
 * `deliver` (concurrency, retry, rate limit, attempt timeout) pass through untouched.
 */
const pending = new WeakMap<GeneratedImage, PendingDownload>()

/** Marks a placeholder image whose bytes {@link deliver} downloads. @internal */
export function markPendingDownload(image: GeneratedImage, url: string, source: ProviderImage, plan: DeliveryPlan): void {
  pending.set(image, { url, image: source, plan })
}

/** Where the paid work of one provider call is recorded, for errors that must not lose it. */
export function paidWorkOf(result: ProviderResult, ctx: GenerationContext): PaidWork {
  return Object.freeze({
    provider: ctx.providerId,
    model: ctx.model.modelId,
    // Async providers report their job id as the request id (prediction, task, queue request).
    jobId: ctx.normalized?.capabilities.mode === 'async' ? result.requestId : undefined,
    requestId: result.requestId,
    images: Object.freeze(
      (Array.isArray(result.images) ? result.images : []).map((i) =>
        Object.freeze({ url: i?.url !== undefined && !i.url.startsWith('data:') ? i.url : undefined, seed: i?.seed, mimeType: i?.mimeType }),
      ),
    ),
  })
}

/**
 * The paid work behind a delivered response (a split part that succeeded), so an error that ends
 * the whole call still says what was bought. `async`: its request ids are job ids.
 */
export function paidWorkOfResponse(res: ImageGenerationResponse, async: boolean): PaidWork {
  return Object.freeze({
    provider: res.provider ?? '',
    model: res.model ?? '',
    jobId: async ? res.requestIds[0] : undefined,
    requestId: res.requestIds[0],
    images: Object.freeze(res.images.map((i) => Object.freeze({ url: i.url?.startsWith('data:') ? undefined : i.url, seed: i.seed, mimeType: i.mimeType }))),
    ...(res.requestIds.length > 1 ? { requestIds: res.requestIds, jobIds: async ? res.requestIds : undefined } : {}),
  })
}

/**
 * Paid work of several provider calls as one: every image in order, the first call's ids in
 * `jobId` / `requestId` and all of them in `jobIds` / `requestIds`. Undefined for none; the
 * work itself for one.
 */
export function mergePaidWork(works: readonly PaidWork[]): PaidWork | undefined {
  if (works.length <= 1) return works[0]
  const all = (one: (w: PaidWork) => string | undefined, many: (w: PaidWork) => readonly string[] | undefined) => [
    ...new Set(works.flatMap((w) => many(w) ?? (one(w) === undefined ? [] : [one(w)!]))),
  ]
  const jobIds = all((w) => w.jobId, (w) => w.jobIds)
  const requestIds = all((w) => w.requestId, (w) => w.requestIds)
  return Object.freeze({
    provider: works[0]!.provider,
    model: works[0]!.model,
    jobId: jobIds[0],
    requestId: requestIds[0],
    images: Object.freeze(works.flatMap((w) => w.images)),
    jobIds: jobIds.length > 0 ? Object.freeze(jobIds) : undefined,
    requestIds: requestIds.length > 0 ? Object.freeze(requestIds) : undefined,
  })
}

function outputError(ctx: GenerationContext, paid: PaidWork, what: string): ProviderError {
  return new ProviderError(`${ctx.providerId} ${ctx.model.modelId}: ${what}. The provider may have charged for this call, so it is not retried; what it returned is in error.paid`, {
    provider: ctx.providerId,
    model: ctx.model.modelId,
    requestId: paid.requestId,
    retryable: false,
    paid,
  })
}

/**
 * Checks what a provider returned before anything is made of it: as many images as asked for
 * this call, each with data (a URL or base64), base64 that is base64 and decodes to an image
 * (PNG, JPEG, WebP, GIF or SVG). Failures are non-retryable {@link ProviderError}s carrying
 * `paid`: the work was done and billed, and asking again would pay again.
 */
export function checkProviderResult(result: ProviderResult, expected: number, ctx: GenerationContext, paid: PaidWork): void {
  if (!Array.isArray(result?.images)) throw outputError(ctx, paid, 'the provider result has no image list')
  if (result.images.length !== expected) {
    throw outputError(ctx, paid, `asked for ${expected} image(s), the provider returned ${result.images.length}`)
  }
  result.images.forEach((image, i) => {
    const which = `image ${i + 1} of ${expected}`
    const data = image?.url === undefined ? undefined : parseDataUrl(image.url)
    const b64 = image?.b64 ?? data?.base64
    if (b64 === undefined && (typeof image?.url !== 'string' || image.url === '')) throw outputError(ctx, paid, `${which} has neither a URL nor base64 data`)
    if (image.url !== undefined && image.url.startsWith('data:') && data === undefined) throw outputError(ctx, paid, `${which} is a data: URL that is not base64`)
    if (b64 === undefined) return
    if (!isBase64(b64)) throw outputError(ctx, paid, `${which}: its base64 data is not base64`)
    if (sniffBase64Type(b64) === undefined) throw outputError(ctx, paid, `${which}: its data is not a PNG, JPEG, WebP, GIF or SVG image`)
  })
}

/**
 * One image download with its own bounded retry: 429, 5xx, 408, network errors and timeouts are
 * tried again (after `Retry-After` when the host sends one), a 4xx, a refused address or an
 * oversized body are not. Never re-enters the generation.
 */
async function downloadWithRetry(job: PendingDownload, ctx: GenerationContext, signal: AbortSignal, index: number): Promise<DownloadedImage> {
  // One `llmkit.download` span when the generation is traced.
  return withChildSpan(ctx, 'llmkit.download', { 'llmkit.image.index': index, 'llmkit.part': ctx.part }, () => downloadWithRetryUntraced(job, ctx, signal, index))
}

async function downloadWithRetryUntraced(job: PendingDownload, ctx: GenerationContext, signal: AbortSignal, index: number): Promise<DownloadedImage> {
  const { plan } = job
  return withDownloadRetry(() => downloadImage(job.url, { transport: plan.transport, signal, ...plan.download }), plan.retry, {
    signal,
    clock: ctx.clock,
    onRetry: ({ attempt, delayMs, error }) =>
      ctx.logger.warn(
        { event: 'delivery.retry', provider: ctx.providerId, model: ctx.model.modelId, part: ctx.part, image: index, attempt, delayMs, code: error.code, status: error.status },
        `${ctx.providerId} ${ctx.model.modelId}: downloading image ${index + 1} failed (${error.code}); trying the download again in ${delayMs} ms`,
      ),
  })
}

function deliveryError(ctx: GenerationContext, paid: PaidWork, index: number, cause: LLMKitError): DeliveryError {
  return new DeliveryError(
    `${ctx.providerId} ${ctx.model.modelId}: the provider finished (and billed) ${paid.images.length} image(s), but image ${index + 1} could not be downloaded: ${cause.message}. ` +
      'The generation is not run again; the image URLs and ids are in error.paid (URLs expire, fetch them soon)',
    { provider: ctx.providerId, model: ctx.model.modelId, requestId: paid.requestId, status: cause.status, cause, paid },
  )
}

/**
 * Delivers what the provider finished: downloads the images whose bytes were asked for
 * (`b64_json` from a URL-only provider), each with its own bounded retry, and checks that every
 * body is an image. It sits above `retry` (inside `splitN`, once per part, and below `cache`, so
 * the cache stores delivered responses): a failed download never submits the generation again.
 * A download that still fails is a {@link DeliveryError} whose `paid` holds the URLs, job id and
 * seeds; a body that is not an image is a non-retryable {@link ProviderError}. Responses with
 * nothing to download pass through unchanged.
 */
export function deliver(): Middleware {
  return async function deliverMiddleware(ctx, next) {
    const res = await next()
    const jobs = res.images.map((image) => pending.get(image))
    if (jobs.every((job) => job === undefined)) return withFormatWarning(res, ctx)
    const started = ctx.clock.now()
    // The first failure stops the other downloads of this response: its error carries every URL.
    const stop = new AbortController()
    const signal = AbortSignal.any([ctx.signal, stop.signal])
    try {
      const images = await Promise.all(res.images.map((image, i) => deliverImage(image, jobs[i], ctx, signal, i)))
      return withFormatWarning(res.with({ images, timings: { totalMs: res.timings?.totalMs ?? 0, ...res.timings, downloadMs: ctx.clock.now() - started } }), ctx)
    } catch (error) {
      stop.abort(error)
      // Aborted (by the caller or the total deadline) while downloading: the generation was paid
      // for all the same, so the error says what it bought.
      if (ctx.signal.aborted) {
        const abort = abortError(ctx.signal)
        throw abort.paid !== undefined ? abort : rebuild(abort, { paid: jobs.find((job) => job !== undefined)!.plan.paid })
      }
      throw error
    }
  }
}

async function deliverImage(image: GeneratedImage, job: PendingDownload | undefined, ctx: GenerationContext, signal: AbortSignal, index: number): Promise<GeneratedImage> {
  if (job === undefined) return image
  const paid = job.plan.paid
  let downloaded: DownloadedImage
  try {
    downloaded = await downloadWithRetry(job, ctx, signal, index)
  } catch (error) {
    if (ctx.signal.aborted || !LLMKitError.isInstance(error)) throw error
    throw deliveryError(ctx, paid, index, error)
  }
  const type = sniffImageType(downloaded.bytes)
  if (type === undefined) {
    const header = downloaded.mimeType === undefined ? '' : ` (served as ${downloaded.mimeType})`
    throw outputError(ctx, paid, `image ${index + 1} downloaded from ${new URL(job.url).origin} is not a PNG, JPEG, WebP, GIF or SVG image${header}`)
  }
  return withData(image, downloaded.bytes.toString('base64'), type)
}

const FORMAT_MIME = Object.freeze({ png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp' })

/** Image types by the file extension of a URL's path (lower-cased), for images that are never downloaded. */
const EXTENSION_MIME: Readonly<Record<string, string>> = Object.freeze({
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
  svg: 'image/svg+xml',
})

/**
 * The type of an image whose bytes are not here (a URL the caller did not ask to download): the
 * provider's stated mime type, else the extension of the URL's path; undefined when neither says.
 */
function statedType(image: GeneratedImage): string | undefined {
  const stated = image.mimeType?.split(';')[0]?.trim().toLowerCase()
  if (stated?.startsWith('image/')) return stated === 'image/jpg' ? 'image/jpeg' : stated
  if (image.url === undefined) return undefined
  let path: string
  try {
    path = new URL(image.url).pathname
  } catch {
    return undefined
  }
  const extension = /\.([a-z0-9]+)$/i.exec(path)?.[1]?.toLowerCase()
  return extension === undefined ? undefined : EXTENSION_MIME[extension]
}

/**
 * Adds a warning when images came back in another format than the `output_format` sent (asked
 * webp, got PNG bytes): never silent. Judged from the bytes (sniffed base64) when they are here;
 * an image known only by URL is judged by the mime type the provider stated, else by its URL's
 * file extension, and the warning says so.
 */
function withFormatWarning(res: ImageGenerationResponse, ctx: GenerationContext): ImageGenerationResponse {
  const asked = ctx.normalized?.outputFormat
  if (asked === undefined) return res
  const fromBytes = res.images.map((image) => {
    const b64 = image.b64_json ?? (image.url === undefined ? undefined : parseDataUrl(image.url)?.base64)
    return b64 === undefined ? undefined : sniffBase64Type(b64)
  })
  const byUrl = res.images.map((image, i) => (fromBytes[i] === undefined && image.b64_json === undefined && image.url?.startsWith('data:') !== true ? statedType(image) : undefined))
  const got = fromBytes.map((type, i) => type ?? byUrl[i])
  const wrong = got.flatMap((type, i) => (type !== undefined && type !== FORMAT_MIME[asked] ? [i] : []))
  if (wrong.length === 0) return res
  const used = [...new Set(wrong.map((i) => got[i]!))]
  const which = wrong.length === res.images.length ? 'every image' : `image(s) ${wrong.map((i) => i + 1).join(', ')} of ${res.images.length}`
  const notDownloaded = wrong.some((i) => byUrl[i] !== undefined) ? ' (judged by the stated type or the URL’s file extension: not downloaded)' : ''
  return res.with({
    warnings: [
      ...res.warnings,
      {
        type: 'other',
        setting: 'output_format',
        message: `${ctx.providerId} ${ctx.model.modelId}: asked for output_format '${asked}' (${FORMAT_MIME[asked]}), but ${which} came back as ${used.join(', ')}${notDownloaded}; the bytes are delivered as they came`,
        requested: asked,
        used: used.length === 1 ? used[0] : used,
      },
    ],
  })
}

function withData(image: GeneratedImage, b64: string, mimeType: string): GeneratedImage {
  const delivered = new GeneratedImage({ ...image.toJSON(), b64_json: b64, mimeType, expiresAt: image.expiresAt })
  bindImageDownloads(delivered, imageDownloadsOf(image))
  return delivered
}
