import { LLMKitError, type PaidWork } from '../errors.js'
import { rebuild } from '../http/transport.js'
import type { ImageGenerationResponse } from '../response.js'
import type { Warning } from '../warnings.js'
import type { Middleware } from './context.js'
import { mergePaidWork } from './deliver.js'
import { checkFunction } from '../option-checks.js'

/** Fallback defaults, written as data: no fallback models, fall back on retryable errors only. */
export const DEFAULT_FALLBACK_OPTIONS = Object.freeze({
  /** Models tried after the requested one. */
  models: Object.freeze([]) as readonly string[],
  /** Error codes that trigger a fallback besides retryable errors. */
  codes: Object.freeze([]) as readonly string[],
})

/** Options of {@link fallback}. */
export interface FallbackOptions {
  /**
   * Model ids tried in order after the requested model fails: one list for every request, or
   * lists by requested model id (`{ 'dall-e-3': ['gpt-image-1', 'fal-ai/flux/dev'] }`).
   * @defaultValue []
   */
  models?: readonly string[] | Readonly<Record<string, readonly string[]>> | undefined
  /**
   * Error codes that also trigger a fallback, e.g. `['LLMKIT_CONTENT_POLICY', 'LLMKIT_RATE_LIMIT']`
   * (an exhausted quota is a non-retryable RateLimitError).
   * @defaultValue [] (retryable errors only)
   */
  codes?: readonly string[] | undefined
  /** Full control: return true to try the next model. Beats `codes`. */
  shouldFallback?: ((error: LLMKitError) => boolean) | undefined
}

/**
 * Tries an ordered list of other models (any provider) when the requested one fails with a
 * retryable error that survived `retry`, or a configured one. It sits outside capability
 * validation, so each model gets its own validation, size mapping and splitting. The response
 * reports the model actually used (`response.model`, `response.provider`) and carries an
 * `other` warning per model that failed. Paid work of a model that failed (images of a split
 * request's parts that succeeded, URLs that could not be delivered) is never dropped: it rides
 * on that model's warning (`paid`), and when every model fails, the error thrown carries it in
 * `paid` (merged with its own) and the first `partial` response.
 *
 * @throws TypeError naming the bad option; the last model's error when all fail.
 */
export function fallback(options: FallbackOptions = {}): Middleware {
  const models = options.models ?? DEFAULT_FALLBACK_OPTIONS.models
  if (typeof models !== 'object' || models === null) throw new TypeError('Expected `models` to be an array of model ids or an object of arrays by model id.')
  for (const list of Array.isArray(models) ? [models] : Object.values(models)) {
    if (!Array.isArray(list) || list.some((id) => typeof id !== 'string')) throw new TypeError('Expected `models` to hold arrays of model id strings.')
  }
  const codes = options.codes ?? DEFAULT_FALLBACK_OPTIONS.codes
  if (!Array.isArray(codes)) throw new TypeError('Expected `codes` to be an array of error codes.')
  checkFunction('shouldFallback', options.shouldFallback)
  const should = options.shouldFallback ?? ((error: LLMKitError) => error.retryable || codes.includes(error.code))

  return async function fallbackMiddleware(ctx, next) {
    const requested = ctx.model.modelId
    const chain = (Array.isArray(models) ? models : ((models as Readonly<Record<string, readonly string[]>>)[requested] ?? [])).filter((id) => id !== requested)
    if (chain.length === 0) return next()
    const warnings: Warning[] = []
    const paidBefore: PaidWork[] = []
    let partialBefore: ImageGenerationResponse | undefined
    let current = ctx
    for (let i = 0; ; i++) {
      try {
        const res = await next(current)
        return warnings.length === 0 ? res : res.with({ warnings: [...warnings, ...res.warnings] })
      } catch (error) {
        const nextId = chain[i]
        if (nextId === undefined || !LLMKitError.isInstance(error) || ctx.signal.aborted || !should(error)) throw withEarlierPaid(error, paidBefore, partialBefore)
        const from = current.model.modelId
        ctx.logger.warn(
          { event: 'generation.fallback', provider: current.providerId, model: from, fallbackModel: nextId, code: error.code, status: error.status },
          `${current.providerId} ${from} failed (${error.code}); falling back to ${nextId}`,
        )
        warnings.push({ type: 'other', message: `${from} failed (${error.code}); fell back to ${nextId}`, ...(error.paid === undefined ? {} : { paid: error.paid }) })
        if (error.paid !== undefined) paidBefore.push(error.paid)
        partialBefore ??= error.partial
        current = ctx.derive({ model: ctx.resolve(nextId), normalized: undefined })
      }
    }
  }
}

/** The last error of a failed chain, carrying what earlier models were paid for too. */
function withEarlierPaid(error: unknown, paidBefore: readonly PaidWork[], partialBefore: ImageGenerationResponse | undefined): unknown {
  if (!LLMKitError.isInstance(error) || (paidBefore.length === 0 && partialBefore === undefined)) return error
  const paid = mergePaidWork([...paidBefore, ...(error.paid === undefined ? [] : [error.paid])])
  return rebuild(error, { paid, partial: error.partial ?? partialBefore })
}
