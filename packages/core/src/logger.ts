/**
 * The logger shape llmkit writes to: pino's (`logger.info(obj, msg)`), so a pino instance can
 * be passed as is. Log objects never contain keys or image data.
 */
export interface Logger {
  /** Fine-grained events. */
  debug(obj: Record<string, unknown>, msg?: string): void
  /** Normal events (start, success). */
  info(obj: Record<string, unknown>, msg?: string): void
  /** Retries, warnings. */
  warn(obj: Record<string, unknown>, msg?: string): void
  /** Failures. */
  error(obj: Record<string, unknown>, msg?: string): void
}

/** Discards everything: the default, so a library never writes to a user's console uninvited. */
export const silentLogger: Logger = Object.freeze({
  debug() {},
  info() {},
  warn() {},
  error() {},
})

/** Time source and sleeping, injectable so tests control waiting. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number
  /**
   * Resolves after `ms`, or rejects with the signal's reason when it aborts first.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>
}

/** The real clock. */
export const systemClock: Clock = Object.freeze({
  now: () => Date.now(),
  sleep: (ms: number, signal?: AbortSignal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason)
        return
      }
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort)
        resolve()
      }, ms)
      const onAbort = () => {
        clearTimeout(timer)
        reject(signal?.reason)
      }
      signal?.addEventListener('abort', onAbort, { once: true })
    }),
})
