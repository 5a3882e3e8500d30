import { createHash } from 'node:crypto'
import { LRUCache } from 'lru-cache'
import { AbortError, LLMKitError } from '../errors.js'
import { bindImageDownloads, type ImageDownloadOptions } from '../http/download.js'
import { abortError } from '../http/transport.js'
import { GeneratedImage, type GeneratedImageInit, ImageGenerationResponse, type Usage } from '../response.js'
import type { Warning } from '../warnings.js'
import { type GenerationContext, type Middleware, requireNormalized } from './context.js'
import { checkInteger, checkNumber } from '../option-checks.js'

/** Cache defaults, written as data. */
export const DEFAULT_CACHE_OPTIONS = Object.freeze({
  /** How long an entry lives, in milliseconds. */
  ttlMs: 3_600_000,
  /** Entries kept by the in-memory store. */
  maxEntries: 500,
  /** Bytes kept by the in-memory store (base64 images are large). */
  maxBytes: 100 * 1024 * 1024,
  /**
   * An entry holding provider URLs is dropped this long before the first URL expires, in
   * milliseconds, so a caller has time to download what it was served.
   */
  urlExpiryMarginMs: 300_000,
})

/**
 * A key-value store, in Keyv's store shape, so `new Keyv()` or any Keyv adapter (Redis,
 * SQLite...) can be passed as is. Values are plain JSON. `ttl` is in milliseconds.
 */
export interface CacheStore {
  /** The value, or undefined when missing or expired. */
  get(key: string): Promise<unknown> | unknown
  /** Stores a value for `ttl` milliseconds. */
  set(key: string, value: unknown, ttl?: number): Promise<unknown> | unknown
  /** Removes one entry. */
  delete(key: string): Promise<unknown> | unknown
  /** Removes every entry. */
  clear(): Promise<unknown> | unknown
}

/** A cached response as plain JSON (what the store holds). */
export interface CachedResponse {
  /** Format version; other versions are ignored. */
  v: 1
  /** Milliseconds since the epoch after which the entry must not be served. */
  expiresAt: number
  /** Response fields. */
  created: number
  images: (GeneratedImageInit & { expiresAtMs?: number | undefined })[]
  warnings: Warning[]
  provider: string | undefined
  model: string | undefined
  usage: Usage | undefined
  requestIds: string[]
}

/** What the client shares with {@link cache}. @internal */
export interface CacheShared {
  /** The client's download trust per provider, given to the images of a hit. */
  downloadsFor?: ((ctx: GenerationContext) => ImageDownloadOptions) | undefined
}

/** Options of {@link cache}. */
export interface CacheOptions {
  /** Where entries live. @defaultValue an in-memory LRU ({@link createMemoryCacheStore}) */
  store?: CacheStore | undefined
  /** Entry lifetime, in milliseconds. @defaultValue 3600000 */
  ttlMs?: number | undefined
  /** Entries of the default in-memory store. @defaultValue 500 */
  maxEntries?: number | undefined
  /** Bytes of the default in-memory store. @defaultValue 104857600 */
  maxBytes?: number | undefined
  /** Prefix of every key, to share one store between apps. @defaultValue 'llmkit:' */
  namespace?: string | undefined
}

/**
 * The default store: an LRU bounded by entry count and by bytes (the JSON length), with
 * per-entry TTL.
 */
export function createMemoryCacheStore(options: { maxEntries?: number | undefined; maxBytes?: number | undefined } = {}): CacheStore {
  checkInteger('maxEntries', options.maxEntries, 1)
  checkInteger('maxBytes', options.maxBytes, 1)
  const lru = new LRUCache<string, string>({
    max: options.maxEntries ?? DEFAULT_CACHE_OPTIONS.maxEntries,
    maxSize: options.maxBytes ?? DEFAULT_CACHE_OPTIONS.maxBytes,
    sizeCalculation: (value) => Math.max(1, value.length),
  })
  return {
    // Stored as a string so a caller mutating what it got cannot change the cached entry.
    get: (key) => {
      const raw = lru.get(key)
      return raw === undefined ? undefined : JSON.parse(raw)
    },
    set: (key, value, ttl) => {
      lru.set(key, JSON.stringify(value), ttl === undefined ? {} : { ttl })
      return true
    },
    delete: (key) => lru.delete(key),
    clear: () => lru.clear(),
  }
}

/**
 * The cache key: a hash of the normalized request (what the provider receives: model, prompt,
 * every setting and provider option) plus the requested format. Never the API key.
 */
function digest(image: { readonly bytes: Uint8Array }): string {
  return createHash('sha256').update(image.bytes).digest('hex')
}

export function cacheKey(ctx: GenerationContext): string {
  const r = requireNormalized(ctx, 'cache')
  const sortedOptions = Object.fromEntries(Object.entries(r.providerOptions).sort(([a], [b]) => (a < b ? -1 : 1)))
  const material = JSON.stringify([
    ctx.providerId,
    r.modelId,
    r.wireModel,
    r.prompt,
    r.n,
    r.size ?? null,
    r.aspectRatio ?? null,
    r.quality ?? null,
    r.style ?? null,
    r.format,
    ctx.request.format ?? 'url',
    r.negativePrompt ?? null,
    r.seed ?? null,
    sortedOptions,
    // Appended only when set, so keys of requests without them (already stored) stay the same.
    ...(r.outputFormat !== undefined || r.outputCompression !== undefined || r.background !== undefined
      ? [{ outputFormat: r.outputFormat ?? null, outputCompression: r.outputCompression ?? null, background: r.background ?? null }]
      : []),
    // Inputs by content hash: the same bytes hit, whatever form they came in; bytes never enter the key.
    ...(r.operation !== undefined && r.operation !== 'generate'
      ? [{ operation: r.operation, images: (r.images ?? []).map(digest), mask: r.mask === undefined ? null : digest(r.mask), strength: r.strength ?? null }]
      : []),
  ])
  return createHash('sha256').update(material).digest('hex')
}

function toCached(res: ImageGenerationResponse, expiresAt: number): CachedResponse {
  return {
    v: 1,
    expiresAt,
    created: res.created,
    images: res.images.map((image) => ({ ...image.toJSON(), expiresAtMs: image.expiresAt?.getTime() })),
    warnings: [...res.warnings],
    provider: res.provider,
    model: res.model,
    usage: res.usage,
    requestIds: [...res.requestIds],
  }
}

/**
 * A response from a cache entry. `downloads` is the trust this client gives a fresh response of
 * the same provider (its configuration, looked up now, never read from the entry), so `bytes()`
 * of a hit reaches what `bytes()` of the original response could.
 */
function fromCached(entry: CachedResponse, downloads: ImageDownloadOptions | undefined): ImageGenerationResponse {
  return new ImageGenerationResponse({
    created: entry.created,
    images: entry.images.map(({ expiresAtMs, ...init }) => {
      const image = new GeneratedImage({ ...init, expiresAt: expiresAtMs === undefined ? undefined : new Date(expiresAtMs) })
      bindImageDownloads(image, downloads)
      return image
    }),
    warnings: entry.warnings,
    provider: entry.provider,
    model: entry.model,
    usage: entry.usage,
    timings: { totalMs: 0, providerMs: 0 },
    requestIds: entry.requestIds,
    cached: true,
  })
}

function isCached(value: unknown): value is CachedResponse {
  return typeof value === 'object' && value !== null && (value as CachedResponse).v === 1 && Array.isArray((value as CachedResponse).images)
}

/** Waits for a shared call, but lets this caller's own signal end the wait. */
function waitShared<T>(shared: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(abortError(signal))
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal))
    signal.addEventListener('abort', onAbort, { once: true })
    shared.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}

/**
 * Caches successful responses, keyed on the normalized request (never the key). Entries live
 * `ttlMs`, but never past the first provider URL's expiry (minus a margin): such entries are
 * given a shorter TTL, skipped when too close to expiry, and checked again when read, in case
 * a store ignores TTLs. Ask for `b64_json` to cache the bytes themselves. Concurrent identical
 * requests share one in-flight call. Off by default: an unseeded prompt is expected to give a
 * new image each time.
 *
 * A hit's images carry the download trust of the client (`fromClient.downloadsFor`), as fresh ones
 * do; the store never holds it.
 *
 * @throws TypeError naming the bad option.
 * @example
 * ```ts
 * import Keyv from 'keyv'
 * new LLMKitClient({ cache: { store: new Keyv(), ttlMs: 86_400_000 } })
 * ```
 */
export function cache(options: CacheOptions = {}, fromClient: CacheShared = {}): Middleware {
  checkNumber('ttlMs', options.ttlMs, 1)
  if (options.store !== undefined) {
    for (const method of ['get', 'set', 'delete', 'clear'] as const) {
      if (typeof options.store[method] !== 'function') throw new TypeError(`Expected \`store\` to have a ${method}() method (the Keyv store shape).`)
    }
  }
  const ttlMs = options.ttlMs ?? DEFAULT_CACHE_OPTIONS.ttlMs
  const store = options.store ?? createMemoryCacheStore(options)
  const namespace = options.namespace ?? 'llmkit:'
  const inFlight = new Map<string, Promise<ImageGenerationResponse>>()

  return async function cacheMiddleware(ctx, next) {
    const key = namespace + cacheKey(ctx)
    const log = (result: 'hit' | 'miss' | 'shared' | 'expired' | 'skipped') => {
      ctx.metadata['cache'] = result
      ctx.logger.debug({ event: `cache.${result}`, provider: ctx.providerId, model: ctx.model.modelId }, `cache ${result}`)
    }
    let found: unknown
    try {
      found = await store.get(key)
    } catch (error) {
      // A store outage (Redis down) costs a cache miss, never the generation.
      ctx.logger.warn({ event: 'cache.error', operation: 'get', error: String(error) }, 'cache store get failed')
    }
    if (isCached(found)) {
      if (found.expiresAt > ctx.clock.now()) {
        log('hit')
        return fromCached(found, fromClient.downloadsFor?.(ctx))
      }
      log('expired')
      await Promise.resolve()
        .then(() => store.delete(key))
        .catch(() => {})
    }
    const shared = inFlight.get(key)
    if (shared !== undefined) {
      try {
        const res = await waitShared(shared, ctx.signal)
        log('shared')
        return res
      } catch (error) {
        // The first caller's abort is not this caller's failure: make our own call.
        if (!(LLMKitError.isInstance(error) && error instanceof AbortError) || ctx.signal.aborted) throw error
      }
    }
    const call = next()
    inFlight.set(key, call)
    try {
      const res = await call
      const now = ctx.clock.now()
      const urlExpiry = Math.min(...res.images.map((i) => (i.expiresAt !== undefined && i.b64_json === undefined ? i.expiresAt.getTime() : Number.POSITIVE_INFINITY)))
      const expiresAt = Math.min(now + ttlMs, urlExpiry - DEFAULT_CACHE_OPTIONS.urlExpiryMarginMs)
      if (expiresAt > now) {
        try {
          await store.set(key, toCached(res, expiresAt), expiresAt - now)
        } catch (error) {
          ctx.logger.warn({ event: 'cache.error', operation: 'set', error: String(error) }, 'cache store set failed')
        }
        log('miss')
      } else {
        log('skipped')
      }
      return res
    } finally {
      if (inFlight.get(key) === call) inFlight.delete(key)
    }
  }
}
