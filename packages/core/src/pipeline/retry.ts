import { LLMKitError } from '../errors.js'
import { abortError, markMayHaveBeenCharged, rebuild } from '../http/transport.js'
import type { GenerationContext, Middleware } from './context.js'
import { checkFunction, checkInteger, checkNumber, checkOneOf } from '../option-checks.js'

/**
 * What to do with a failure whose outcome is ambiguous (`error.mayHaveBeenCharged`: the request
 * was sent in full and no status came back, so the provider may have done and billed the work).
 * `'retry'`: retry it like any transient failure; the response then says `mayHaveBeenCharged`.
 * `'fail'`: throw it (not retryable, so no fallback model pays either).
 */
export type AmbiguousRetryPolicy = 'retry' | 'fail'

/**
 * Default {@link AmbiguousRetryPolicy} by model mode, used when neither the caller
 * (`retry.ambiguous`) nor the plugin (`ambiguousRetry`) says. None of the six providers offers
 * an idempotency key or a lookup of a job by a client-chosen id (OpenAI's, Runway's and
 * Replicate's SDKs send none; fal's queue ids are server-made), so a retry cannot be made safe,
 * only chosen:
 * - `sync` (OpenAI, Stability, Recraft) retries: the connection is held for the whole
 *   generation (10-120 s), so most ambiguous failures are a proxy or load balancer dropping a
 *   long request, after which the caller has nothing; a retry gets the image, at worst paying
 *   once more, and the response says `mayHaveBeenCharged` so a batch can report it. It is also
 *   what openai-node does (it retries timeouts and connection errors).
 * - `async` (fal, Replicate, Runway) fails: the submit answer is a quick acknowledgement, so a
 *   submit that was sent in full has almost surely created a job that runs and bills whether
 *   or not its id came back, and without the id it cannot be cancelled; a retry would pay for a
 *   second job. Replicate's own SDK never retries a create except on 429.
 */
export const DEFAULT_AMBIGUOUS_RETRY = Object.freeze({ sync: 'retry', async: 'fail' } as const satisfies Record<'sync' | 'async', AmbiguousRetryPolicy>)

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
  /**
   * Failures whose outcome is ambiguous (`error.mayHaveBeenCharged`): `'retry'` or `'fail'` for
   * every provider, or a policy by provider id (providers not listed keep their default).
   * @defaultValue the plugin's `ambiguousRetry`, else {@link DEFAULT_AMBIGUOUS_RETRY} by model
   * mode: sync providers (openai, stability, recraft) `'retry'`, async ones (fal, replicate,
   * runway) `'fail'`
   */
  ambiguous?: AmbiguousRetryPolicy | Readonly<Record<string, AmbiguousRetryPolicy>> | undefined
}

type ResolvedRetryOptions = Required<Omit<RetryOptions, 'onRetry' | 'ambiguous'>> & Pick<RetryOptions, 'onRetry' | 'ambiguous'>

function resolveRetryOptions(options: RetryOptions): ResolvedRetryOptions {
  checkInteger('maxRetries', options.maxRetries)
  checkNumber('initialDelayMs', options.initialDelayMs)
  checkNumber('maxDelayMs', options.maxDelayMs)
  checkNumber('maxRetryTimeMs', options.maxRetryTimeMs, 0, true)
  checkFunction('random', options.random)
  checkFunction('onRetry', options.onRetry)
  const ambiguous = options.ambiguous
  if (typeof ambiguous === 'object' && ambiguous !== null) {
    for (const [id, policy] of Object.entries(ambiguous)) checkOneOf(`ambiguous.${id}`, policy, ['retry', 'fail'])
  } else checkOneOf('ambiguous', ambiguous, ['retry', 'fail'])
  return {
    maxRetries: options.maxRetries ?? DEFAULT_RETRY_OPTIONS.maxRetries,
    initialDelayMs: options.initialDelayMs ?? DEFAULT_RETRY_OPTIONS.initialDelayMs,
    maxDelayMs: options.maxDelayMs ?? DEFAULT_RETRY_OPTIONS.maxDelayMs,
    maxRetryTimeMs: options.maxRetryTimeMs ?? DEFAULT_RETRY_OPTIONS.maxRetryTimeMs,
    random: options.random ?? Math.random,
    onRetry: options.onRetry,
    ambiguous,
  }
}

/** The ambiguity policy for this call: the caller's, then the plugin's, then the mode default. */
function ambiguousPolicy(ctx: GenerationContext, option: RetryOptions['ambiguous']): AmbiguousRetryPolicy {
  const own = typeof option === 'string' ? option : option?.[ctx.providerId]
  return own ?? ctx.model.plugin.ambiguousRetry ?? DEFAULT_AMBIGUOUS_RETRY[ctx.model.capabilities.mode]
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
 * An ambiguous failure (`mayHaveBeenCharged`) is retried only under the `'retry'` policy (see
 * {@link RetryOptions.ambiguous}); under `'fail'` it is thrown as not retryable. The response
 * says how many attempts it took (`attempts`) and whether one of them was ambiguous
 * (`mayHaveBeenCharged`); so does a final error that followed an ambiguous attempt.
 *
 * @throws TypeError naming the bad option.
 * @example
 * ```ts
 * new LLMKitClient({ retry: { maxRetries: 5, maxRetryTimeMs: 120_000, ambiguous: { openai: 'fail' } } })
 * ```
 */
export function retry(options: RetryOptions = {}): Middleware {
  const opts = resolveRetryOptions(options)
  return async function retryMiddleware(ctx, next) {
    const started = ctx.clock.now()
    // An earlier attempt may have been billed: whatever ends this call must say so.
    let ambiguousBefore = false
    const settle = (error: LLMKitError) => (ambiguousBefore ? markMayHaveBeenCharged(error) : error)
    for (let attempt = 1; ; attempt++) {
      try {
        const response = await next(attempt === 1 ? ctx : ctx.derive({ attempt }))
        if (attempt === 1 && response.attempts === 1) return response
        return response.with({ attempts: Math.max(attempt, response.attempts), mayHaveBeenCharged: response.mayHaveBeenCharged || ambiguousBefore })
      } catch (error) {
        if (!LLMKitError.isInstance(error)) throw error
        if (!error.retryable || ctx.signal.aborted) throw settle(error)
        if (error.mayHaveBeenCharged && ambiguousPolicy(ctx, opts.ambiguous) === 'fail') {
          ctx.logger.warn(
            { event: 'generation.ambiguous', provider: ctx.providerId, model: ctx.model.modelId, part: ctx.part, attempt, code: error.code, policy: 'fail' },
            `${ctx.providerId} ${ctx.model.modelId}: attempt ${attempt} was sent and got no answer (${error.code}); not retried, it may have been charged`,
          )
          throw rebuild(error, {
            retryable: false,
            message: `${error.message}. The request was sent in full and no answer came back, so ${ctx.providerId} may have charged for it; it was not retried (retry.ambiguous is 'fail' for ${ctx.providerId})`,
          })
        }
        const retriesLeft = opts.maxRetries - attempt
        if (retriesLeft < 0) throw settle(error)
        const delayMs = error.retryAfterMs ?? backoffDelayMs(attempt, opts)
        const elapsed = ctx.clock.now() - started
        if (elapsed + delayMs > opts.maxRetryTimeMs) throw settle(error)
        if (error.mayHaveBeenCharged) ambiguousBefore = true
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
            ambiguous: error.mayHaveBeenCharged || undefined,
          },
          `${ctx.providerId} ${ctx.model.modelId}: attempt ${attempt} failed (${error.code}${error.mayHaveBeenCharged ? ', may have been charged' : ''}); retrying in ${delayMs} ms`,
        )
        opts.onRetry?.(Object.freeze({ error, attempt, retriesLeft, delayMs }))
        try {
          await ctx.clock.sleep(delayMs, ctx.signal)
        } catch {
          throw settle(abortError(ctx.signal))
        }
      }
    }
  }
}
