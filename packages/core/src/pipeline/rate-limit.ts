import { createHash } from 'node:crypto'
import { LLMKitError } from '../errors.js'
import { MAX_RETRY_AFTER_MS, parseRetryAfter } from '../http/retry-after.js'
import { abortError } from '../http/transport.js'
import { type Clock, systemClock } from '../logger.js'
import type { ProviderPlugin, RateLimit } from '../registry/plugin.js'
import type { Middleware } from './context.js'
import { checkInteger, checkNumber } from '../option-checks.js'

/** Rate-limit defaults, written as data: no limit unless the plugin or the user declares one. */
export const DEFAULT_RATE_LIMIT_OPTIONS = Object.freeze({
  /** Limits by provider id; a plugin's own `rateLimit` applies to providers not listed. */
  limits: Object.freeze({}) as Readonly<Record<string, RateLimit>>,
  /**
   * Added to every interval, in milliseconds: requests spaced exactly `intervalMs` apart at the
   * client can arrive closer together at the provider (network and timer jitter).
   */
  marginMs: 0,
  /** What a store failure (Redis down) does: `'open'` sends unpaced (logged), `'closed'` fails the call. */
  onStoreError: 'open' as 'open' | 'closed',
})

/**
 * Where request slots are counted. The in-memory store ({@link createMemoryRateLimitStore})
 * paces one process; a shared store (e.g. `@llmkit/redis`) paces a fleet. Both keep, per
 * bucket, the times of the last `requests` slots: a new slot goes no earlier than `intervalMs`
 * after the slot `requests` places before it, so no window of `intervalMs` holds more than
 * `requests` slots, and slots are handed out in arrival order (fair across processes).
 */
export interface RateLimitStore {
  /**
   * Reserves the next slot of `bucket` and returns how long to wait for it, in milliseconds
   * (0: now). Atomic: concurrent callers, in any process sharing the store, get distinct slots.
   * With no `limit`, nothing is counted and only a {@link RateLimitStore.block | block} waits.
   */
  reserve(bucket: string, limit: RateLimit | undefined): Promise<number>
  /** Holds every later slot of `bucket` until `forMs` from now (a provider said to slow down). */
  block(bucket: string, forMs: number): Promise<void>
}

/** Options of {@link rateLimit} and {@link RateLimiter}. */
export interface RateLimitOptions {
  /**
   * Requests per interval by provider id, e.g. `{ openai: { requests: 5, intervalMs: 60_000 } }`.
   * Beats the plugin's documented `rateLimit`.
   * @defaultValue {} (plugins' own limits only)
   */
  limits?: Readonly<Record<string, RateLimit>> | undefined
  /** Where slots are counted; share one store between processes to limit them together. @defaultValue in memory */
  store?: RateLimitStore | undefined
  /** Safety margin added to every interval, in milliseconds. @defaultValue 0 */
  marginMs?: number | undefined
  /** A store failure sends the request unpaced (`'open'`, logged) or fails the call (`'closed'`). @defaultValue 'open' */
  onStoreError?: 'open' | 'closed' | undefined
  /**
   * The bucket of a provider. The client passes one keyed by provider id plus a hash of the API
   * key (providers limit per key). @defaultValue the provider id
   * @internal
   */
  bucketOf?: ((plugin: ProviderPlugin) => string) | undefined
}

/**
 * A token bucket of `requests` tokens refilled evenly over `intervalMs` (GCRA form: one
 * timestamp instead of a refill timer). A full bucket lets a burst of `requests` through,
 * then one call per `intervalMs / requests`. Each caller reserves its slot when it asks, so
 * waiters leave in arrival order. (The limiter itself uses {@link RateLimitStore}, whose window
 * never holds more than `requests` slots.)
 */
export class TokenBucket {
  readonly #emissionMs: number
  readonly #burstMs: number
  #theoreticalArrival = Number.NEGATIVE_INFINITY

  constructor(limit: RateLimit) {
    this.#emissionMs = limit.intervalMs / limit.requests
    this.#burstMs = (limit.requests - 1) * this.#emissionMs
  }

  /** Reserves a token and returns how long to wait for it, in milliseconds. */
  reserve(now: number): number {
    const start = Math.max(this.#theoreticalArrival, now)
    this.#theoreticalArrival = start + this.#emissionMs
    return Math.max(0, start - this.#burstMs - now)
  }

  /** Waits for a token; the wait ends when `signal` aborts. */
  async take(clock: Clock, signal: AbortSignal): Promise<void> {
    const wait = this.reserve(clock.now())
    if (wait === 0) return
    try {
      await clock.sleep(wait, signal)
    } catch {
      throw abortError(signal)
    }
  }
}

/**
 * The in-memory {@link RateLimitStore}: per bucket, the last `requests` slot times and a
 * "blocked until" time. Each method runs without an `await` inside, so it is atomic in-process.
 */
export function createMemoryRateLimitStore(clock: Clock = systemClock): RateLimitStore {
  const buckets = new Map<string, { slots: number[]; blockedUntil: number }>()
  const bucketOf = (name: string) => {
    let bucket = buckets.get(name)
    if (bucket === undefined) buckets.set(name, (bucket = { slots: [], blockedUntil: Number.NEGATIVE_INFINITY }))
    return bucket
  }
  return {
    reserve(name, limit) {
      const now = clock.now()
      const bucket = bucketOf(name)
      let slot = Math.max(now, bucket.blockedUntil)
      if (limit === undefined) return Promise.resolve(slot - now)
      if (bucket.slots.length >= limit.requests) slot = Math.max(slot, bucket.slots[bucket.slots.length - limit.requests]! + limit.intervalMs)
      bucket.slots.push(slot)
      if (bucket.slots.length > limit.requests) bucket.slots.splice(0, bucket.slots.length - limit.requests)
      return Promise.resolve(slot - now)
    },
    block(name, forMs) {
      const bucket = bucketOf(name)
      bucket.blockedUntil = Math.max(bucket.blockedUntil, clock.now() + forMs)
      return Promise.resolve()
    },
  }
}

/** The bucket of a provider and key: the provider id plus a short one-way hash of the key (never the key). */
export function rateLimitBucket(providerId: string, apiKey: string | undefined): string {
  if (apiKey === undefined) return providerId
  return `${providerId}:${createHash('sha256').update(`llmkit-rate-limit\0${apiKey}`).digest('hex').slice(0, 16)}`
}

/** Parses a rate-limit reset value: `1s`, `6m0s`, `20ms`, `1h2m3.5s`, or plain seconds. */
export function parseResetDuration(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined) return undefined
  const text = value.trim()
  if (text === '') return undefined
  if (/^\d+(\.\d+)?$/.test(text)) {
    const seconds = Number(text)
    // Above ~30 years of seconds it is a Unix time (some APIs send the reset instant).
    return seconds > 1e9 ? Math.max(0, seconds * 1000 - now) : seconds * 1000
  }
  const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 }
  let total = 0
  let rest = text
  // Bounded: each iteration consumes at least one character.
  while (rest !== '') {
    const match = /^(\d+(?:\.\d+)?)(ms|h|m|s)/.exec(rest)
    if (match === null) return undefined
    total += Number(match[1]) * units[match[2]!]!
    rest = rest.slice(match[0].length)
  }
  return total
}

/** Header pairs providers use to say "no requests left until ...", checked in order (as data). */
export const RATE_LIMIT_HEADERS = Object.freeze([
  { remaining: 'x-ratelimit-remaining-requests', reset: 'x-ratelimit-reset-requests' },
  { remaining: 'x-ratelimit-remaining', reset: 'x-ratelimit-reset' },
  { remaining: 'ratelimit-remaining', reset: 'ratelimit-reset' },
] as const)

/**
 * How long a provider's answer asks every process to hold off, in milliseconds: a 429's
 * `Retry-After`, or an exhausted `x-ratelimit-remaining-*` with its reset. Undefined: no hint.
 */
export function providerHoldMs(status: number, headers: Readonly<Record<string, string | undefined>>, now: number = Date.now()): number | undefined {
  if (status === 429) {
    const retryAfter = parseRetryAfter(headers, now)
    if (retryAfter !== undefined) return retryAfter
  }
  for (const pair of RATE_LIMIT_HEADERS) {
    const remaining = headers[pair.remaining]
    if (remaining === undefined || Number(remaining) > 0) continue
    const reset = parseResetDuration(headers[pair.reset], now)
    if (reset !== undefined) return Math.min(reset, MAX_RETRY_AFTER_MS)
  }
  return undefined
}

/**
 * Paces requests per provider (and per key) through a {@link RateLimitStore}, so batch code never
 * needs sleeps, and learns from the provider: {@link RateLimiter.observe} turns a 429's
 * `Retry-After` or an exhausted `x-ratelimit-remaining-*` into a hold on the shared bucket, so
 * every process sharing the store slows down, not only the one that saw it.
 */
export class RateLimiter {
  readonly #limits: Readonly<Record<string, RateLimit>>
  readonly #marginMs: number
  readonly #onStoreError: 'open' | 'closed'
  readonly #bucketOf: (plugin: ProviderPlugin) => string
  #store: RateLimitStore | undefined

  /** @throws TypeError naming the bad option. */
  constructor(options: RateLimitOptions = {}) {
    const limits = options.limits ?? DEFAULT_RATE_LIMIT_OPTIONS.limits
    if (typeof limits !== 'object' || limits === null) throw new TypeError('Expected `limits` to be an object of { requests, intervalMs } by provider id.')
    for (const [id, limit] of Object.entries(limits)) {
      checkInteger(`limits.${id}.requests`, limit?.requests ?? Number.NaN, 1)
      checkNumber(`limits.${id}.intervalMs`, limit?.intervalMs ?? Number.NaN, 1)
    }
    checkNumber('marginMs', options.marginMs, 0)
    if (options.onStoreError !== undefined && options.onStoreError !== 'open' && options.onStoreError !== 'closed') {
      throw new TypeError(`Expected \`onStoreError\` to be 'open' or 'closed', got ${String(options.onStoreError)}.`)
    }
    if (options.store !== undefined && (typeof options.store.reserve !== 'function' || typeof options.store.block !== 'function')) {
      throw new TypeError('Expected `store` to have reserve() and block() methods (a RateLimitStore).')
    }
    this.#limits = limits
    this.#marginMs = options.marginMs ?? DEFAULT_RATE_LIMIT_OPTIONS.marginMs
    this.#onStoreError = options.onStoreError ?? DEFAULT_RATE_LIMIT_OPTIONS.onStoreError
    this.#bucketOf = options.bucketOf ?? ((plugin) => plugin.id)
    this.#store = options.store
  }

  /** The limit applied to a provider, or undefined when it has none. */
  limitOf(plugin: ProviderPlugin): RateLimit | undefined {
    return this.#limits[plugin.id] ?? plugin.rateLimit
  }

  /**
   * Learns from one provider answer (every status): a hold it asks for is written to the shared
   * bucket. Never throws; a store failure is logged. `now` is when the answer arrived on the
   * client's clock (a `Retry-After` date becomes a hold relative to it).
   */
  observe(plugin: ProviderPlugin, status: number, headers: Readonly<Record<string, string | undefined>>, log?: (error: unknown) => void, now: number = Date.now()): void {
    const hold = providerHoldMs(status, headers, now)
    if (hold === undefined || hold <= 0 || this.#store === undefined) return
    this.#store.block(this.#bucketOf(plugin), hold).catch((error: unknown) => log?.(error))
  }

  /** The middleware: takes a slot of the provider's bucket before each HTTP attempt. */
  readonly middleware: Middleware = async (ctx, next) => {
    const plugin = ctx.model.plugin
    const limit = this.limitOf(plugin)
    this.#store ??= createMemoryRateLimitStore(ctx.clock)
    // A provider without a declared limit is still held by what it told us (429, headers).
    const effective = limit === undefined ? undefined : { requests: limit.requests, intervalMs: limit.intervalMs + this.#marginMs }
    let wait: number
    try {
      wait = await this.#store.reserve(this.#bucketOf(plugin), effective)
    } catch (error) {
      ctx.logger.warn({ event: 'rateLimit.store_error', provider: ctx.providerId, policy: this.#onStoreError, error: String(error) }, 'rate-limit store failed')
      if (this.#onStoreError === 'closed') {
        throw new LLMKitError(`${ctx.providerId} ${ctx.model.modelId}: the rate-limit store failed (${String(error)}) and onStoreError is 'closed'; fix the store or pass onStoreError: 'open'`, {
          provider: ctx.providerId,
          model: ctx.model.modelId,
          retryable: true,
          cause: error,
        })
      }
      wait = 0
    }
    if (signalWait(wait) > 0) {
      try {
        await ctx.clock.sleep(signalWait(wait), ctx.signal)
      } catch {
        throw abortError(ctx.signal)
      }
    }
    return next()
  }
}

/** A store's answer kept finite and non-negative. */
function signalWait(ms: number): number {
  return Number.isFinite(ms) && ms > 0 ? ms : 0
}

/**
 * Paces requests per provider through a {@link RateLimiter}. It sits inside `retry`: every HTTP
 * attempt, retries included, takes a slot.
 *
 * @throws TypeError naming the bad option.
 * @example
 * ```ts
 * new LLMKitClient({ rateLimit: { limits: { openai: { requests: 5, intervalMs: 60_000 } } } })
 * ```
 */
export function rateLimit(options: RateLimitOptions = {}): Middleware {
  return new RateLimiter(options).middleware
}
