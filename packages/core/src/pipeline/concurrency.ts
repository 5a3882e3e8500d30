import { abortError } from '../http/transport.js'
import type { Middleware } from './context.js'
import { checkInteger } from '../option-checks.js'

/** Concurrency defaults, written as data. */
export const DEFAULT_CONCURRENCY_OPTIONS = Object.freeze({
  /**
   * Calls in flight at once, per client. OpenAI's image tiers allow 5-50 images per minute;
   * eight parallel calls keep a batch busy without tripping most of them.
   */
  maxConcurrency: 8,
})

/** Options of {@link concurrency}. */
export interface ConcurrencyOptions {
  /** Provider calls in flight at once across the client (split parts count one each). @defaultValue 8 */
  maxConcurrency?: number | undefined
}

/** A FIFO counting semaphore whose waits can be abandoned through a signal. */
class Semaphore {
  #free: number
  readonly #waiters: { resolve: () => void; signal: AbortSignal }[] = []

  constructor(size: number) {
    this.#free = size
  }

  async acquire(signal: AbortSignal): Promise<void> {
    if (signal.aborted) throw abortError(signal)
    if (this.#free > 0 && this.#waiters.length === 0) {
      this.#free--
      return
    }
    await new Promise<void>((resolve, reject) => {
      const waiter = {
        signal,
        resolve: () => {
          signal.removeEventListener('abort', onAbort)
          resolve()
        },
      }
      const onAbort = () => {
        const i = this.#waiters.indexOf(waiter)
        if (i >= 0) this.#waiters.splice(i, 1)
        reject(abortError(signal))
      }
      signal.addEventListener('abort', onAbort, { once: true })
      this.#waiters.push(waiter)
    })
  }

  release(): void {
    // Hand the slot straight to the next waiter so a newcomer cannot jump the queue.
    const next = this.#waiters.shift()
    if (next) next.resolve()
    else this.#free++
  }
}

/**
 * Limits provider calls in flight across the client, so batch code can fire every prompt at
 * once and let the client pace them. It sits below `splitN` (each part takes a slot) and
 * above `retry` (a retry keeps its slot while it waits, so it cannot be starved).
 * Waiting ends when `ctx.signal` aborts.
 *
 * @throws TypeError naming the bad option.
 */
export function concurrency(options: ConcurrencyOptions = {}): Middleware {
  checkInteger('maxConcurrency', options.maxConcurrency, 1)
  const semaphore = new Semaphore(options.maxConcurrency ?? DEFAULT_CONCURRENCY_OPTIONS.maxConcurrency)
  return async function concurrencyMiddleware(ctx, next) {
    await semaphore.acquire(ctx.signal)
    try {
      return await next()
    } finally {
      semaphore.release()
    }
  }
}
