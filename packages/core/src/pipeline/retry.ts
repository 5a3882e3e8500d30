import { LLMKitError } from '../errors.js'
import { abortError } from '../http/transport.js'
import type { Middleware } from './context.js'
import { checkFunction, checkInteger, checkNumber } from '../option-checks.js'

/** Retry defaults, written as data (openai-node: 0.5 s doubling to 8 s, two retries). */
export const DEFAULT_RETRY_OPTIONS = Object.freeze({
  /** Retries after the first attempt; 0 turns retrying off. */
  maxRetries: 2,
  /** Backoff ceiling of the first retry, in milliseconds. */
  initialDelayMs: 500,
  /** Largest backoff ceiling, in milliseconds. */
  maxDelayMs: 8_000,
  /** No retry starts once this much time has passed since the first attempt, in milliseconds. */
  maxRetryTimeMs: 60_000,
})

/** What {@link RetryOptions.onRetry} receives; frozen. */
export interface RetryEvent {
  /** The failure that is being retried. */
  readonly error: LLMKitError
  /** Attempt that failed, 1-based. */
  readonly attempt: number
  /** Retries left after this one. */
  readonly retriesLeft: number
  /** Wait before the next attempt, in milliseconds. */
  readonly delayMs: number
}

/** Options of {@link retry}. */
export interface RetryOptions {
  /** Retries after the first attempt; 0 turns retrying off. @defaultValue 2 */
  maxRetries?: number | undefined
  /** Backoff ceiling of the first retry, in milliseconds. @defaultValue 500 */
  initialDelayMs?: number | undefined
  /** Largest backoff ceiling, in milliseconds. @defaultValue 8000 */
  maxDelayMs?: number | undefined
  /** Total time budget for retrying, in milliseconds: a retry whose wait would end past it is not made. @defaultValue 60000 */
  maxRetryTimeMs?: number | undefined
  /** Source of randomness for the jitter, in [0, 1). @defaultValue Math.random */
  random?: (() => number) | undefined
  /** Called before each wait (after the retry was logged). */
  onRetry?: ((event: RetryEvent) => void) | undefined
}

type ResolvedRetryOptions = Required<Omit<RetryOptions, 'onRetry'>> & Pick<RetryOptions, 'onRetry'>

function resolveRetryOptions(options: RetryOptions): ResolvedRetryOptions {
  checkInteger('maxRetries', options.maxRetries)
  checkNumber('initialDelayMs', options.initialDelayMs)
  checkNumber('maxDelayMs', options.maxDelayMs)
  checkNumber('maxRetryTimeMs', options.maxRetryTimeMs, 0, true)
  checkFunction('random', options.random)
  checkFunction('onRetry', options.onRetry)
  return {
    maxRetries: options.maxRetries ?? DEFAULT_RETRY_OPTIONS.maxRetries,
    initialDelayMs: options.initialDelayMs ?? DEFAULT_RETRY_OPTIONS.initialDelayMs,
    maxDelayMs: options.maxDelayMs ?? DEFAULT_RETRY_OPTIONS.maxDelayMs,
    maxRetryTimeMs: options.maxRetryTimeMs ?? DEFAULT_RETRY_OPTIONS.maxRetryTimeMs,
    random: options.random ?? Math.random,
    onRetry: options.onRetry,
  }
}

/**
 * Full-jitter exponential backoff (AWS architecture blog): a uniform wait in
 * [0, min(maxDelayMs, initialDelayMs * 2^(retry-1))], so many clients hit by the same 429 spread out.
 */
export function backoffDelayMs(retryNumber: number, options: Pick<ResolvedRetryOptions, 'initialDelayMs' | 'maxDelayMs' | 'random'>): number {
  const ceiling = Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** (retryNumber - 1))
  return Math.floor(options.random() * ceiling)
}

/**
 * Retries failures whose {@link LLMKitError.retryable} is true: network errors, timeouts,
 * 408/409/429/5xx unless the provider said `x-should-retry: false`, never exhausted quota or
 * other 4xx. The decision is the error's own (set once, from status and provider hints);
 * this middleware only decides *when*: the server's `retry-after-ms` / `Retry-After` hint
 * (already parsed and clamped to 60 s into `retryAfterMs`) or full-jitter backoff. Attempts
 * and total time are bounded, every retry is logged, and the wait ends when `ctx.signal` aborts.
 * An async job the provider accepted fails with a non-retryable error, so it is never submitted twice.
 *
 * @throws TypeError naming the bad option.
 * @example
 * ```ts
 * new LLMKitClient({ retry: { maxRetries: 5, maxRetryTimeMs: 120_000 } })
 * ```
 */
export function retry(options: RetryOptions = {}): Middleware {
  const opts = resolveRetryOptions(options)
  return async function retryMiddleware(ctx, next) {
    const started = ctx.clock.now()
    for (let attempt = 1; ; attempt++) {
      try {
        return await next(attempt === 1 ? ctx : ctx.derive({ attempt }))
      } catch (error) {
        if (!LLMKitError.isInstance(error) || !error.retryable || ctx.signal.aborted) throw error
        const retriesLeft = opts.maxRetries - attempt
        if (retriesLeft < 0) throw error
        const delayMs = error.retryAfterMs ?? backoffDelayMs(attempt, opts)
        const elapsed = ctx.clock.now() - started
        if (elapsed + delayMs > opts.maxRetryTimeMs) throw error
        ctx.logger.warn(
          {
            event: 'generation.retry',
            provider: ctx.providerId,
            model: ctx.model.modelId,
            part: ctx.part,
            attempt,
            retriesLeft,
            delayMs,
            code: error.code,
            status: error.status,
            hint: error.retryAfterMs === undefined ? 'backoff' : 'retry-after',
          },
          `${ctx.providerId} ${ctx.model.modelId}: attempt ${attempt} failed (${error.code}); retrying in ${delayMs} ms`,
        )
        opts.onRetry?.(Object.freeze({ error, attempt, retriesLeft, delayMs }))
        try {
          await ctx.clock.sleep(delayMs, ctx.signal)
        } catch {
          throw abortError(ctx.signal)
        }
      }
    }
  }
}
