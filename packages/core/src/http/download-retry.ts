import { LLMKitError } from '../errors.js'
import { type Clock, systemClock } from '../logger.js'
import { backoffDelayMs } from '../pipeline/retry.js'
import { abortError } from './transport.js'

/** Bounds of the retry of one image download. */
export interface DownloadRetrySettings {
  /** Tries, the first included. */
  readonly maxAttempts: number
  /** Backoff ceiling of the first retry, in milliseconds (full jitter). */
  readonly initialDelayMs: number
  /** Largest backoff ceiling, in milliseconds. */
  readonly maxDelayMs: number
  /** Source of randomness for the jitter, in [0, 1). @defaultValue Math.random */
  readonly random?: (() => number) | undefined
}

/** What {@link withDownloadRetry} tells before each wait. */
export interface DownloadRetryEvent {
  /** The try that failed, 1-based. */
  readonly attempt: number
  /** Wait before the next try, in milliseconds. */
  readonly delayMs: number
  /** Why it failed. */
  readonly error: LLMKitError
}

/**
 * Runs one download with its own bounded retry, the one rule for every image download after a
 * paid generation (the core's delivery, a batch streaming images to disk): a failure its error
 * marks retryable (429, 5xx, 408, a reset, a timeout) is tried again after the host's
 * `Retry-After`, else full-jitter backoff; a 4xx, a refused address or an oversized body is not.
 * It never re-enters a generation: it only repeats `download`.
 *
 * @throws the last failure, or the signal's {@link AbortError} when it aborts during a wait.
 */
export async function withDownloadRetry<T>(
  download: () => Promise<T>,
  settings: DownloadRetrySettings,
  options: { signal?: AbortSignal | undefined; clock?: Clock | undefined; onRetry?: ((event: DownloadRetryEvent) => void) | undefined } = {},
): Promise<T> {
  const { signal } = options
  const random = settings.random ?? Math.random
  // Bounded: maxAttempts tries at most.
  for (let attempt = 1; ; attempt++) {
    try {
      return await download()
    } catch (error) {
      if (signal?.aborted === true) throw abortError(signal)
      if (!LLMKitError.isInstance(error) || !error.retryable || attempt >= settings.maxAttempts) throw error
      const delayMs = error.retryAfterMs ?? backoffDelayMs(attempt, { ...settings, random })
      options.onRetry?.({ attempt, delayMs, error })
      try {
        await (options.clock ?? systemClock).sleep(delayMs, signal)
      } catch {
        throw abortError(signal)
      }
    }
  }
}
