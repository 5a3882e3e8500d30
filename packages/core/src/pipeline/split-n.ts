import { sumCosts } from '../cost/estimate.js'
import { LLMKitError } from '../errors.js'
import { abortError, markMayHaveBeenCharged, rebuild } from '../http/transport.js'
import type { ImageGenerationResponse, Usage } from '../response.js'
import type { Warning } from '../warnings.js'
import { type Middleware, requireNormalized } from './context.js'
import { mergePaidWork, paidWorkOfResponse } from './deliver.js'
import { checkOneOf } from '../option-checks.js'
import { seedForPart } from '../registry/capabilities.js'

/** What to do when some parts of a split request fail. */
export type PartialFailurePolicy = 'fail' | 'partial'

/** Split defaults, written as data. */
export const DEFAULT_SPLIT_N_OPTIONS = Object.freeze({
  /** Any failed part fails the request (and cancels the parts still running). */
  partialFailure: 'fail' as PartialFailurePolicy,
})

/** Options of {@link splitN}. */
export interface SplitNOptions {
  /**
   * `'fail'`: the first failed part (in order) is thrown and the other parts are cancelled.
   * `'partial'`: the images of the parts that succeeded are returned, with one `other` warning
   * per failed part (carrying the part's `paid` work when it had some); only when every part
   * fails is the first error thrown.
   *
   * Either way, paid work is never dropped: an error that ends a split call carries the parts
   * that succeeded as {@link LLMKitError.partial} (one merged response, images and bytes
   * included) and every paid image of every part, delivered or not, in
   * {@link LLMKitError.paid} (URLs, seeds, and each call's job and request ids).
   * @defaultValue 'fail'
   */
  partialFailure?: PartialFailurePolicy | undefined
}

function sumUsage(parts: readonly ImageGenerationResponse[]): Usage | undefined {
  const usages = parts.map((p) => p.usage).filter((u): u is Usage => u !== undefined)
  if (usages.length === 0) return undefined
  const sum = (key: 'inputTokens' | 'outputTokens' | 'totalTokens' | 'credits') =>
    usages.some((u) => u[key] !== undefined) ? usages.reduce((n, u) => n + (u[key] ?? 0), 0) : undefined
  return { inputTokens: sum('inputTokens'), outputTokens: sum('outputTokens'), totalTokens: sum('totalTokens'), credits: sum('credits'), raw: usages.map((u) => u.raw) }
}

/**
 * Merges part responses in part order; identical warnings from several parts are kept once.
 * `charged`: a failed part may have been charged (its outcome was ambiguous).
 */
function merge(parts: readonly ImageGenerationResponse[], extra: readonly Warning[], charged = false): ImageGenerationResponse {
  const first = parts[0]!
  const seen = new Set<string>()
  const warnings: Warning[] = []
  for (const w of [...parts.flatMap((p) => p.warnings), ...extra]) {
    const key = JSON.stringify(w)
    if (!seen.has(key)) {
      seen.add(key)
      warnings.push(w)
    }
  }
  const providerMs = parts.map((p) => p.timings?.providerMs).filter((v): v is number => v !== undefined)
  return first.with({
    created: Math.min(...parts.map((p) => p.created)),
    images: parts.flatMap((p) => p.images),
    warnings,
    usage: sumUsage(parts),
    // A part without a known cost leaves the total unknown rather than too low.
    cost: parts.every((p) => p.cost !== undefined) ? sumCosts(parts.map((p) => p.cost!)) : undefined,
    requestIds: parts.flatMap((p) => p.requestIds),
    // Parts run in parallel, so the slowest part is the time the caller waited for the provider.
    timings: { totalMs: Math.max(...parts.map((p) => p.timings?.totalMs ?? 0)), providerMs: providerMs.length ? Math.max(...providerMs) : undefined },
    // Each part retries on its own: the most attempts any part needed, and any part's doubt about a charge.
    attempts: Math.max(...parts.map((p) => p.attempts)),
    mayHaveBeenCharged: charged || parts.some((p) => p.mayHaveBeenCharged),
  })
}

/** The image count of each part when `n` is split by a per-call maximum, in part order (`[4, 2]` for 6 by 4). */
export function partCounts(n: number, max: number): number[] {
  const counts: number[] = []
  for (let left = n; left > 0; left -= max) counts.push(Math.min(max, left))
  return counts
}

/**
 * Splits `n` above the model's `maxImagesPerCall` into parallel calls (each under the
 * concurrency limit, which sits below), and merges the images in part order. A seeded
 * request gives part `i` the seed `seed + i` wrapped into the model's seed range (and never 0
 * where 0 means random; see {@link seedForPart}), so images differ and each stays reproducible.
 *
 * @throws TypeError naming the bad option; the first failed part's error under `'fail'` (or
 * every part's under `'partial'`, or an abort), with `partial` and `paid` set when any part was
 * paid for.
 */
export function splitN(options: SplitNOptions = {}): Middleware {
  checkOneOf('partialFailure', options.partialFailure, ['fail', 'partial'])
  const policy = options.partialFailure ?? DEFAULT_SPLIT_N_OPTIONS.partialFailure
  return async function splitNMiddleware(ctx, next) {
    const normalized = requireNormalized(ctx, 'splitN')
    const max = normalized.capabilities.maxImagesPerCall
    if (normalized.n <= max) return next()
    const counts = partCounts(normalized.n, max)
    // Under 'fail', the first failure cancels the siblings: their images would be paid for and thrown away.
    const siblings = new AbortController()
    const signal = AbortSignal.any([ctx.signal, siblings.signal])
    ctx.logger.debug({ event: 'generation.split', provider: ctx.providerId, model: ctx.model.modelId, n: normalized.n, parts: counts.length }, `split n=${normalized.n} into ${counts.length} calls`)
    const settled = await Promise.allSettled(
      counts.map(async (n, i) => {
        const seed = normalized.seed === undefined || normalized.capabilities.seed === null ? normalized.seed : seedForPart(normalized.seed, i, normalized.capabilities.seed)
        const part = Object.freeze({ ...normalized, n, seed })
        try {
          return await next(ctx.derive({ normalized: part, part: i, signal }))
        } catch (error) {
          if (policy === 'fail' && !siblings.signal.aborted) siblings.abort(error)
          throw error
        }
      }),
    )
    const ok = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []))
    const failed = settled.flatMap((s, i) => (s.status === 'rejected' ? [{ i, error: s.reason as unknown }] : []))
    // One part's doubt about a charge is the whole call's: whatever ends it says so.
    const charged = failed.some(({ error }) => LLMKitError.isInstance(error) && error.mayHaveBeenCharged)
    const async = normalized.capabilities.mode === 'async'
    // The error that ends the call keeps what every part bought: delivered parts as `partial`,
    // and their paid work with that of failed parts (a download that failed, an abort during
    // delivery) in `paid`, in part order.
    const mark = (error: unknown) => {
      if (!LLMKitError.isInstance(error)) return error
      const marked = charged ? markMayHaveBeenCharged(error) : error
      const works = settled.flatMap((s) => {
        if (s.status === 'fulfilled') return [paidWorkOfResponse(s.value, async)]
        return LLMKitError.isInstance(s.reason) && s.reason.paid !== undefined ? [s.reason.paid] : []
      })
      if (marked.paid !== undefined && !works.includes(marked.paid)) works.unshift(marked.paid)
      if (works.length === 0) return marked
      return rebuild(marked, { paid: mergePaidWork(works), partial: ok.length > 0 ? merge(ok, [], charged) : undefined })
    }
    if (ctx.signal.aborted) {
      const abort = abortError(ctx.signal)
      // A part's own abort error may say more (the job whose cancel it requested).
      const own = failed.find(({ error }) => LLMKitError.isInstance(error) && error.code === abort.code && error.requestId !== undefined)
      throw mark(own?.error ?? abort)
    }
    if (failed.length === 0) return merge(ok, [])
    if (policy === 'fail' || ok.length === 0) {
      // The sibling cancelled first is the cause; the others only report that cancellation.
      throw mark(siblings.signal.aborted ? siblings.signal.reason : failed[0]!.error)
    }
    const warnings: Warning[] = failed.map(({ i, error }) => ({
      type: 'other',
      setting: 'n',
      message: `part ${i + 1} of ${counts.length} (${counts[i]} image(s)) failed: ${LLMKitError.isInstance(error) ? `${error.code}: ${error.message}` : String(error)}`,
      requested: normalized.n,
      used: ok.reduce((n, r) => n + r.count, 0),
      ...(LLMKitError.isInstance(error) && error.paid !== undefined ? { paid: error.paid } : {}),
    }))
    return merge(ok, warnings, charged)
  }
}
