import { abortError } from '../http/transport.js'
import type { Clock } from '../logger.js'
import type { RateLimit } from '../registry/plugin.js'
import type { Middleware } from './context.js'
import { checkInteger, checkNumber } from '../option-checks.js'

/** Rate-limit defaults, written as data: no limit unless the plugin or the user declares one. */
export const DEFAULT_RATE_LIMIT_OPTIONS = Object.freeze({
  /** Limits by provider id; a plugin's own `rateLimit` applies to providers not listed. */
  limits: Object.freeze({}) as Readonly<Record<string, RateLimit>>,
})

/** Options of {@link rateLimit}. */
export interface RateLimitOptions {
  /**
   * Requests per interval by provider id, e.g. `{ openai: { requests: 5, intervalMs: 60_000 } }`.
   * Beats the plugin's documented `rateLimit`.
   * @defaultValue {} (plugins' own limits only)
   */
  limits?: Readonly<Record<string, RateLimit>> | undefined
}

/**
 * A token bucket of `requests` tokens refilled evenly over `intervalMs` (GCRA form: one
 * timestamp instead of a refill timer). A full bucket lets a burst of `requests` through,
 * then one call per `intervalMs / requests`. Each caller reserves its slot when it asks, so
 * waiters leave in arrival order.
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
 * Paces requests per provider with a {@link TokenBucket}, so batch code never needs sleeps.
 * It sits inside `retry`: every HTTP attempt, retries included, takes a token.
 *
 * @throws TypeError naming the bad option.
 * @example
 * ```ts
 * new LLMKitClient({ rateLimit: { limits: { openai: { requests: 5, intervalMs: 60_000 } } } })
 * ```
 */
export function rateLimit(options: RateLimitOptions = {}): Middleware {
  const limits = options.limits ?? DEFAULT_RATE_LIMIT_OPTIONS.limits
  if (typeof limits !== 'object' || limits === null) throw new TypeError('Expected `limits` to be an object of { requests, intervalMs } by provider id.')
  for (const [id, limit] of Object.entries(limits)) {
    checkInteger(`limits.${id}.requests`, limit?.requests ?? Number.NaN, 1)
    checkNumber(`limits.${id}.intervalMs`, limit?.intervalMs ?? Number.NaN, 1)
  }
  const buckets = new Map<string, TokenBucket | null>()
  return async function rateLimitMiddleware(ctx, next) {
    let bucket = buckets.get(ctx.providerId)
    if (bucket === undefined) {
      const limit = limits[ctx.providerId] ?? ctx.model.plugin.rateLimit
      bucket = limit === undefined ? null : new TokenBucket(limit)
      buckets.set(ctx.providerId, bucket)
    }
    if (bucket !== null) await bucket.take(ctx.clock, ctx.signal)
    return next()
  }
}
