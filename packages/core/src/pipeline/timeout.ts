import { AbortError, LLMKitError, TimeoutError } from '../errors.js'
import { abortError, markMayHaveBeenCharged } from '../http/transport.js'
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
   * Deadline of one attempt, in milliseconds; `Infinity` turns it off. For a synchronous model it
   * bounds the whole call; for an async model only the submit of the job (a hung submit is given
   * up and retried), since an accepted job is bounded by `jobTimeoutMs`, which also cancels it.
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
 * How long a call that was cut short (deadline or abort) gets to report how it ended. The
 * transport rejects within a few milliseconds with the same error marked `mayHaveBeenCharged`
 * when its request had been sent in full; a provider that ignores its signal is not waited for
 * longer than this.
 */
const SETTLE_GRACE_MS = 50

/**
 * The error a cut-short call ends with: `error`, marked when the call's own failure says it may
 * have been charged; for an abort, the call's own AbortError, which may say more (the job id).
 */
function settled(error: LLMKitError, outcome: unknown): LLMKitError {
  if (!LLMKitError.isInstance(outcome)) return error
  if (error instanceof AbortError && outcome.code === error.code) return outcome
  return outcome.mayHaveBeenCharged ? markMayHaveBeenCharged(error) : error
}

/**
 * Runs `next` with a signal that also fires after `ms`: the reason is a {@link TimeoutError},
 * which the transport and the job runner rethrow as is (abortError keeps an llmkit reason),
 * so downstream code sees one signal and needs no timer of its own. The race makes sure a
 * provider that ignores its signal still cannot hold the caller past the deadline (or the
 * caller's abort) by more than {@link SETTLE_GRACE_MS}.
 */
async function withDeadline(ctx: GenerationContext, ms: number, retryable: boolean, what: string, run: (child: GenerationContext) => Promise<ImageGenerationResponse>): Promise<ImageGenerationResponse> {
  if (!Number.isFinite(ms)) return run(ctx)
  const controller = new AbortController()
  let running: Promise<ImageGenerationResponse> | undefined
  let timer: ReturnType<typeof setTimeout> | undefined
  let grace: ReturnType<typeof setTimeout> | undefined
  let stop: (error: LLMKitError) => void = () => {}
  const stopped = new Promise<never>((_resolve, reject) => {
    stop = (error) => {
      if (grace !== undefined) return
      // Give the call a moment to say whether its request was sent in full before it was cut.
      grace = setTimeout(() => reject(error), SETTLE_GRACE_MS)
      running?.then(
        () => {},
        (outcome: unknown) => reject(settled(error, outcome)),
      )
    }
  })
  // A listener on the parent instead of AbortSignal.any: any() tracks composite signals with
  // weak references and was the largest llmkit cost per call in the benchmark's profile.
  const parent = ctx.signal
  const forward = () => {
    controller.abort(parent.reason)
    stop(abortError(parent))
  }
  if (parent.aborted) throw abortError(parent)
  parent.addEventListener('abort', forward, { once: true })
  // A real timer, not ctx.clock.sleep: an injected clock that skips waits would fire every
  // deadline at once. Tests drive it with fake timers.
  timer = setTimeout(() => {
    const error = new TimeoutError(`${ctx.providerId} ${ctx.model.modelId}: ${what} did not finish within ${ms} ms`, { provider: ctx.providerId, model: ctx.model.modelId, retryable })
    controller.abort(error)
    stop(error)
  }, ms)
  try {
    running = run(ctx.derive({ signal: controller.signal }))
    // The loser of the race still settles later; its rejection is expected, not unhandled.
    running.catch(() => {})
    stopped.catch(() => {})
    return await Promise.race([running, stopped])
  } catch (error) {
    if (parent.aborted) throw settled(abortError(parent), error)
    throw error
  } finally {
    clearTimeout(timer)
    clearTimeout(grace)
    parent.removeEventListener('abort', forward)
  }
}

/**
 * Gives an async model's submit a deadline: `ctx.submitSignal` fires with a retryable
 * {@link TimeoutError} after `ms` (or when the caller aborts); the job runner uses it for the
 * submit only, so polling an accepted job is bounded by `jobTimeoutMs` alone.
 */
async function withSubmitDeadline(ctx: GenerationContext, ms: number, run: (child: GenerationContext) => Promise<ImageGenerationResponse>): Promise<ImageGenerationResponse> {
  const controller = new AbortController()
  const parent = ctx.signal
  const forward = () => controller.abort(parent.reason)
  if (parent.aborted) forward()
  else parent.addEventListener('abort', forward, { once: true })
  const timer = setTimeout(() => {
    controller.abort(
      new TimeoutError(`${ctx.providerId} ${ctx.model.modelId}: the submit of attempt ${ctx.attempt} got no answer within ${ms} ms`, { provider: ctx.providerId, model: ctx.model.modelId, retryable: true }),
    )
  }, ms)
  try {
    return await run(ctx.derive({ submitSignal: controller.signal }))
  } finally {
    clearTimeout(timer)
    parent.removeEventListener('abort', forward)
  }
}

/**
 * Bounds one attempt. It sits inside `retry`, so a hung call becomes a retryable
 * {@link TimeoutError} and the next attempt starts. For an async model it bounds the submit
 * only (through `ctx.submitSignal`); the accepted job has its own deadline, `jobTimeoutMs`.
 *
 * @throws TypeError naming the bad option.
 */
export function attemptTimeout(options: AttemptTimeoutOptions = {}): Middleware {
  checkNumber('attemptTimeoutMs', options.attemptTimeoutMs, 1, true)
  const ms = options.attemptTimeoutMs ?? DEFAULT_TIMEOUT_OPTIONS.attemptTimeoutMs
  return async function attemptTimeoutMiddleware(ctx, next) {
    if (!Number.isFinite(ms)) return next()
    if (ctx.model.capabilities.mode === 'async') return withSubmitDeadline(ctx, ms, next)
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
