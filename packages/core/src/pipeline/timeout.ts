import { TimeoutError } from '../errors.js'
import { abortError } from '../http/transport.js'
import type { ImageGenerationResponse } from '../response.js'
import type { GenerationContext, Middleware } from './context.js'
import { checkNumber } from '../option-checks.js'

/** Timeout defaults, written as data. */
export const DEFAULT_TIMEOUT_OPTIONS = Object.freeze({
  /**
   * One attempt of a synchronous model, in milliseconds. GPT image calls at high quality can
   * take about two minutes; three gives headroom while still catching a hung connection.
   */
  attemptTimeoutMs: 180_000,
  /** The whole generation (retries, fallbacks, split parts, async jobs), in milliseconds. */
  totalTimeoutMs: 900_000,
})

/** Options of {@link attemptTimeout}. */
export interface AttemptTimeoutOptions {
  /**
   * Deadline of one attempt of a synchronous model, in milliseconds; `Infinity` turns it off.
   * Async models are bounded by the job deadline (`jobTimeoutMs`) instead, which also cancels the job.
   * @defaultValue 180000
   */
  attemptTimeoutMs?: number | undefined
}

/** Options of {@link totalTimeout}. */
export interface TotalTimeoutOptions {
  /** Deadline of the whole generation, in milliseconds; `Infinity` turns it off. @defaultValue 900000 */
  totalTimeoutMs?: number | undefined
}

/** Options of both timeouts, as given to the client. */
export interface TimeoutOptions extends AttemptTimeoutOptions, TotalTimeoutOptions {}

/**
 * Runs `next` with a signal that also fires after `ms`: the reason is a {@link TimeoutError},
 * which the transport and the job runner rethrow as is (abortError keeps an llmkit reason),
 * so downstream code sees one signal and needs no timer of its own. The race makes sure a
 * provider that ignores its signal still cannot hold the caller past the deadline.
 */
async function withDeadline(ctx: GenerationContext, ms: number, retryable: boolean, what: string, run: (child: GenerationContext) => Promise<ImageGenerationResponse>): Promise<ImageGenerationResponse> {
  if (!Number.isFinite(ms)) return run(ctx)
  const controller = new AbortController()
  // A listener on the parent instead of AbortSignal.any: any() tracks composite signals with
  // weak references and was the largest llmkit cost per call in the benchmark's profile.
  const parent = ctx.signal
  const forward = () => controller.abort(parent.reason)
  if (parent.aborted) forward()
  else parent.addEventListener('abort', forward, { once: true })
  let timer: ReturnType<typeof setTimeout> | undefined
  // A real timer, not ctx.clock.sleep: an injected clock that skips waits would fire every
  // deadline at once. Tests drive it with fake timers.
  const timedOut = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      const error = new TimeoutError(`${ctx.providerId} ${ctx.model.modelId}: ${what} did not finish within ${ms} ms`, { provider: ctx.providerId, model: ctx.model.modelId, retryable })
      controller.abort(error)
      reject(error)
    }, ms)
  })
  try {
    const running = run(ctx.derive({ signal: controller.signal }))
    // The loser of the race still settles later; its rejection is expected, not unhandled.
    running.catch(() => {})
    return await Promise.race([running, timedOut])
  } catch (error) {
    if (ctx.signal.aborted) throw abortError(ctx.signal)
    throw error
  } finally {
    clearTimeout(timer)
    parent.removeEventListener('abort', forward)
  }
}

/**
 * Bounds one attempt. It sits inside `retry`, so a hung call becomes a retryable
 * {@link TimeoutError} and the next attempt starts.
 *
 * @throws TypeError naming the bad option.
 */
export function attemptTimeout(options: AttemptTimeoutOptions = {}): Middleware {
  checkNumber('attemptTimeoutMs', options.attemptTimeoutMs, 1, true)
  const ms = options.attemptTimeoutMs ?? DEFAULT_TIMEOUT_OPTIONS.attemptTimeoutMs
  return async function attemptTimeoutMiddleware(ctx, next) {
    if (ctx.model.capabilities.mode === 'async') return next()
    return withDeadline(ctx, ms, true, `attempt ${ctx.attempt}`, next)
  }
}

/**
 * Bounds the whole generation. It sits outside `retry` and `fallback`, so its
 * {@link TimeoutError} is final (not retryable) and also cuts short a retry wait.
 *
 * @throws TypeError naming the bad option.
 */
export function totalTimeout(options: TotalTimeoutOptions = {}): Middleware {
  checkNumber('totalTimeoutMs', options.totalTimeoutMs, 1, true)
  const ms = options.totalTimeoutMs ?? DEFAULT_TIMEOUT_OPTIONS.totalTimeoutMs
  return async function totalTimeoutMiddleware(ctx, next) {
    return withDeadline(ctx, ms, false, 'the generation', next)
  }
}
