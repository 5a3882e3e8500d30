import { costFromUsage, estimateRequestCost, findPrice, formatUsd, priceRequest, roundUsd, sumCosts } from '../cost/estimate.js'
import type { Cost, ModelPrice } from '../cost/price.js'
import { BudgetExceededError, LLMKitError } from '../errors.js'
import { abortError } from '../http/transport.js'
import { checkNumber, checkOneOf, checkPositive } from '../option-checks.js'
import type { Warning } from '../warnings.js'
import { type JobJournal, journalKey, wasResumed } from '../jobs/job-journal.js'
import { type GenerationContext, type Middleware, requireNormalized } from './context.js'
import { partCounts } from './split-n.js'

/**
 * Spending limits: a {@link BudgetStore} holds the spend of named budgets; the budget
 * middleware reserves a call's estimated cost there before the network.
 */

/**
 * Where the spend of named budgets lives. The in-memory store ({@link createMemoryBudgetStore})
 * serves one process; a shared store (e.g. `@llmkit/redis`) serves a fleet. Implementations
 * keep amounts as integer micro-dollars ({@link toMicroUsd}) so sums never drift, and return
 * US dollars.
 */
export interface BudgetStore {
  /** Atomically adds amountUsd to the named budget unless the new total would exceed limitUsd. */
  reserve(budget: string, amountUsd: number, limitUsd: number): Promise<{ ok: boolean; spentUsd: number }>
  /** Adds deltaUsd (may be negative: a refund of a reservation when the call failed or cost less). */
  adjust(budget: string, deltaUsd: number): Promise<number>
  /** Current spend in USD. */
  spent(budget: string): Promise<number>
  /** Sets the spend back to zero. */
  reset(budget: string): Promise<void>
}

/** US dollars as integer micro-dollars, the unit stores count in. */
export function toMicroUsd(usd: number): number {
  return Math.round(usd * 1e6)
}

/** Integer micro-dollars back to US dollars. */
export function fromMicroUsd(micros: number): number {
  return micros / 1e6
}

/**
 * A {@link BudgetStore} in this process's memory. Each method runs to completion without an
 * `await` inside, so a reservation is atomic against every other call of the same process.
 * Spend never goes below zero (a refund larger than the spend clamps at zero).
 */
export function createMemoryBudgetStore(): BudgetStore {
  const spend = new Map<string, number>()
  const get = (budget: string): number => spend.get(budget) ?? 0
  return {
    reserve(budget, amountUsd, limitUsd) {
      const current = get(budget)
      const next = current + toMicroUsd(amountUsd)
      if (next > toMicroUsd(limitUsd)) return Promise.resolve({ ok: false, spentUsd: fromMicroUsd(current) })
      spend.set(budget, next)
      return Promise.resolve({ ok: true, spentUsd: fromMicroUsd(next) })
    },
    adjust(budget, deltaUsd) {
      const next = Math.max(0, get(budget) + toMicroUsd(deltaUsd))
      spend.set(budget, next)
      return Promise.resolve(fromMicroUsd(next))
    },
    spent: (budget) => Promise.resolve(fromMicroUsd(get(budget))),
    reset(budget) {
      spend.delete(budget)
      return Promise.resolve()
    },
  }
}

/** Budget defaults, written as data. */
export const DEFAULT_BUDGET_OPTIONS = Object.freeze({
  /** Name of the budget when none is given: one budget per store. */
  name: 'default',
  /** A failing store lets calls through (with a warning): Redis down must not stop image generation. */
  failOpen: true,
  /** A model without a price is refused under a budget: the limit could not be guaranteed. */
  unknownPrice: 'error' as 'error' | 'allow',
  /** Longest wait for the store per operation, in milliseconds; a slower store counts as failing. */
  storeTimeoutMs: 2_000,
})

/**
 * A spending limit (the client's `budget` option). Plain data plus a store, so a child process
 * can build the same budget from its options and a shared store (e.g. `@llmkit/redis`).
 */
export interface BudgetOptions {
  /** Most US dollars the named budget may spend. `0` refuses every priced call. */
  limitUsd: number
  /** Where the spend is counted. @defaultValue one in-memory store per client ({@link createMemoryBudgetStore}) */
  store?: BudgetStore | undefined
  /** Name of the budget in the store; clients sharing a store and a name share the limit. @defaultValue 'default' */
  name?: string | undefined
  /**
   * When the store fails or is slower than `storeTimeoutMs`: `true` lets the call through with a
   * warning (and records its cost later if the store answers), `false` refuses it with a
   * BudgetExceededError (`reason: 'store-unavailable'`).
   * @defaultValue true
   */
  failOpen?: boolean | undefined
  /**
   * A model with no known price (an open model, GPU-time billing): `'error'` refuses the call
   * (the limit could not be guaranteed), `'allow'` lets it through uncounted with a warning.
   * Give the price with the client's `prices` option to count it.
   * @defaultValue 'error'
   */
  unknownPrice?: 'error' | 'allow' | undefined
  /** Longest wait for one store operation, in milliseconds. @defaultValue 2000 */
  storeTimeoutMs?: number | undefined
}

/** Options of {@link budget}. */
export interface BudgetMiddlewareOptions {
  /** The spending limit; without it the middleware only prices responses (`response.cost`). */
  budget?: BudgetOptions | undefined
  /** Prices that beat the plugins' own (negotiated rates, open models), by model id. */
  prices?: readonly ModelPrice[] | undefined
  /**
   * The client's job journal: an attempt whose job is already recorded (accepted or finished)
   * resumes it rather than submitting, so it reserves nothing; it was counted when first submitted.
   */
  jobJournal?: JobJournal | undefined
}

/** The per-generation record of charges, kept in `ctx.metadata.budget` (one bag per generation). */
export interface CostLedger {
  /** Charges of attempts that delivered, or that may have been charged although they failed. */
  readonly charges: Cost[]
  /** True when an attempt's price was unknown, so no total can be given. */
  unknown: boolean
}

/** The ledger of a generation, created on first use. */
export function costLedger(metadata: Record<string, unknown>): CostLedger {
  const existing = metadata[LEDGER_KEY] as CostLedger | undefined
  if (existing !== undefined) return existing
  const ledger: CostLedger = { charges: [], unknown: false }
  metadata[LEDGER_KEY] = ledger
  return ledger
}

/** Whether a generation went through the budget middleware at all (false: served by the cache or a middleware). */
export function hasCostLedger(metadata: Record<string, unknown>): boolean {
  return metadata[LEDGER_KEY] !== undefined
}

/**
 * The cost of a whole generation: every charge the ledger kept (split parts, retries after an
 * ambiguous outcome, failed fallback models that may have been charged), or 0 when no provider
 * was called (a cache hit). Undefined when a price was unknown.
 */
export function generationCost(metadata: Record<string, unknown>): Cost | undefined {
  if (!hasCostLedger(metadata)) return { usd: 0, estimated: false, basis: 'no provider call (served from the cache or by a middleware)' }
  const ledger = costLedger(metadata)
  if (ledger.unknown) return undefined
  return sumCosts(ledger.charges) ?? { usd: 0, estimated: false, basis: 'no provider call was charged' }
}

const LEDGER_KEY = 'budget'

/** The price of the context's model: the client's `prices` first, then the plugin's. */
export function priceFor(ctx: Pick<GenerationContext, 'model' | 'providerId'>, prices: readonly ModelPrice[] | undefined): ModelPrice | undefined {
  return findPrice(prices, ctx.model.modelId) ?? findPrice(prices, `${ctx.providerId}:${ctx.model.modelId}`) ?? findPrice(ctx.model.plugin.prices, ctx.model.modelId)
}

/**
 * Whether a failed attempt may still be billed, so its reservation is kept: the request reached
 * the provider with no answer (`mayHaveBeenCharged`), the work was done but not delivered
 * (`paid`), or an accepted job failed on the provider's side (some providers bill the GPU time).
 */
function mayBeBilled(error: unknown): boolean {
  if (!LLMKitError.isInstance(error)) return false
  return error.mayHaveBeenCharged || error.paid !== undefined || error.code === 'LLMKIT_JOB_FAILED'
}

function checkBudgetOptions(options: BudgetOptions): void {
  if (typeof options !== 'object' || options === null) throw new TypeError('Expected `budget` to be an object like { limitUsd: 10 }.')
  checkNumber('budget.limitUsd', options.limitUsd ?? Number.NaN)
  checkPositive('budget.storeTimeoutMs', options.storeTimeoutMs, 'number of milliseconds')
  checkOneOf('budget.unknownPrice', options.unknownPrice, ['error', 'allow'])
  if (options.name !== undefined && (typeof options.name !== 'string' || options.name === '')) throw new TypeError('Expected `budget.name` to be a non-empty string.')
  if (options.failOpen !== undefined && typeof options.failOpen !== 'boolean') throw new TypeError('Expected `budget.failOpen` to be a boolean.')
  const store = options.store
  if (store !== undefined && (typeof store !== 'object' || store === null || typeof store.reserve !== 'function' || typeof store.adjust !== 'function')) {
    throw new TypeError('Expected `budget.store` to be a BudgetStore (reserve, adjust, spent, reset).')
  }
}

/** A store call as a promise, even when a store throws synchronously. */
function attempt<T>(call: () => Promise<T>): Promise<T> {
  try {
    return Promise.resolve(call())
  } catch (error) {
    return Promise.reject(error)
  }
}

/**
 * Whether the context's provider call has a job recorded in the journal as accepted or finished,
 * so the call resumes or replays it instead of submitting. A journal that fails or is slow
 * counts as "not recorded": the attempt then reserves as usual (and is refunded if it resumes).
 */
async function recordedJob(ctx: GenerationContext, journal: JobJournal | undefined, timeoutMs: number): Promise<boolean> {
  const key = journalKey(ctx)
  if (journal === undefined || key === undefined) return false
  try {
    const record = await withDeadline(attempt(() => journal.get(key)), timeoutMs, ctx.signal)
    return record?.state === 'accepted' || record?.state === 'succeeded'
  } catch (error) {
    if (error instanceof StoreWaitAborted) throw abortError(ctx.signal)
    return false
  }
}

/** Thrown when the caller aborts while a store operation is pending. */
class StoreWaitAborted extends Error {}

/**
 * Waits for a store operation with a deadline (a slow store fails like a down one) and the
 * caller's signal. The operation itself is not cancelled: the caller decides what a late
 * answer means.
 */
async function withDeadline<T>(operation: Promise<T>, ms: number, signal?: AbortSignal): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  let onAbort: (() => void) | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the budget store did not answer within ${ms} ms`)), ms)
    timer.unref?.()
    if (signal !== undefined) {
      onAbort = () => reject(new StoreWaitAborted())
      if (signal.aborted) onAbort()
      else signal.addEventListener('abort', onAbort, { once: true })
    }
  })
  try {
    return await Promise.race([operation, deadline])
  } finally {
    clearTimeout(timer)
    if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort)
  }
}

/**
 * The budget's early check, once per generation before `n` is split (and after the cache, so a
 * hit is never refused): when the spend plus the whole request's estimate is over the limit, the
 * request is refused before any part is sent, instead of sending some parts and losing their
 * paid images when a later part is refused. Not atomic (a plain read); the per-attempt
 * reservation of {@link budget} is what holds the limit. Store failures follow `failOpen`
 * (a failing read lets the request through to the reservation, which decides).
 *
 * @throws {@link BudgetExceededError} when the request cannot fit.
 */
export function budgetCheck(options: BudgetMiddlewareOptions = {}): Middleware {
  const limit = options.budget
  if (limit === undefined) return (_ctx, next) => next()
  checkBudgetOptions(limit)
  const store = limit.store ?? createMemoryBudgetStore()
  const name = limit.name ?? DEFAULT_BUDGET_OPTIONS.name
  const storeTimeoutMs = limit.storeTimeoutMs ?? DEFAULT_BUDGET_OPTIONS.storeTimeoutMs
  return async function budgetCheckMiddleware(ctx, next) {
    const normalized = requireNormalized(ctx, 'budgetCheck')
    const counts = partCounts(normalized.n, normalized.capabilities.maxImagesPerCall)
    // One part always fits the per-attempt check's own message; only multi-call requests need this.
    if (counts.length <= 1) return next()
    // Parts whose job is recorded in the journal are resumed, not paid again: only the others count.
    let images = 0
    for (const [part, count] of counts.entries()) {
      if (!(await recordedJob(ctx.derive({ part }), options.jobJournal, storeTimeoutMs))) images += count
    }
    const estimate = images === 0 ? undefined : estimateRequestCost(priceFor(ctx, options.prices), normalized, images)
    if (estimate === undefined) return next()
    let spent: number | undefined
    try {
      spent = await withDeadline(attempt(() => store.spent(name)), storeTimeoutMs, ctx.signal)
    } catch (error) {
      if (error instanceof StoreWaitAborted) throw abortError(ctx.signal)
      return next()
    }
    if (toMicroUsd(spent) + toMicroUsd(estimate.usd) > toMicroUsd(limit.limitUsd)) {
      throw new BudgetExceededError(
        `Budget "${name}" would be exceeded: limit ${formatUsd(limit.limitUsd)}, spent ${formatUsd(spent)}, this request of ${images === normalized.n ? `${normalized.n} images` : `${normalized.n} images (${images} not yet recorded in the job journal)`} is estimated at ${formatUsd(estimate.usd)} (${estimate.basis}). ` +
          `Nothing was sent. Raise budget.limitUsd, ask for fewer images, or reset the budget (client.resetBudget() or store.reset('${name}'))`,
        { budget: name, limitUsd: limit.limitUsd, spentUsd: spent, estimateUsd: estimate.usd, reason: 'limit', provider: ctx.providerId, model: ctx.model.modelId },
      )
    }
    return next()
  }
}

/**
 * Prices every provider attempt and, with a `budget`, enforces a spending limit.
 *
 * It sits per provider attempt, below `retry` and `splitN` and above `rateLimit`: each attempt
 * (every retry, every split part, every fallback model) reserves its own estimated cost in the
 * store before the network, atomically (`store.reserve`), so parallel calls and other processes
 * sharing the store never pass the limit; a refused call throws {@link BudgetExceededError}
 * before any provider request and before it takes a rate-limit token. After the attempt:
 * - success: the reservation is adjusted to the actual cost (usage the provider reported, else
 *   the price table for the images delivered) and `response.cost` is set;
 * - failure before the provider accepted the work: the reservation is refunded;
 * - failure that may still be billed (ambiguous outcome, paid work not delivered, an accepted
 *   job that failed): the charge is kept and counted in the generation's cost.
 *
 * Without a `budget` it only prices responses. Store failures follow `budget.failOpen`.
 *
 * @throws TypeError naming a bad option; {@link BudgetExceededError} when a call is refused.
 * @example
 * ```ts
 * new LLMKitClient({ budget: { limitUsd: 5 } })                       // one process
 * new LLMKitClient({ budget: { limitUsd: 5, store: state.budgetStore, name: 'batch-42' } }) // a fleet
 * ```
 */
export function budget(options: BudgetMiddlewareOptions = {}): Middleware {
  const limit = options.budget
  if (limit !== undefined) checkBudgetOptions(limit)
  const prices = options.prices
  if (prices !== undefined && !Array.isArray(prices)) throw new TypeError('Expected `prices` to be an array of ModelPrice.')
  const store = limit?.store ?? createMemoryBudgetStore()
  const name = limit?.name ?? DEFAULT_BUDGET_OPTIONS.name
  const failOpen = limit?.failOpen ?? DEFAULT_BUDGET_OPTIONS.failOpen
  const unknownPrice = limit?.unknownPrice ?? DEFAULT_BUDGET_OPTIONS.unknownPrice
  const storeTimeoutMs = limit?.storeTimeoutMs ?? DEFAULT_BUDGET_OPTIONS.storeTimeoutMs

  return async function budgetMiddleware(ctx, next) {
    const normalized = requireNormalized(ctx, 'budget')
    const ledger = costLedger(ctx.metadata)
    const price = priceFor(ctx, prices)
    const priced = priceRequest(price, normalized)
    const estimate = 'cost' in priced ? priced.cost : undefined
    const warnings: Warning[] = []
    const log = { event: 'budget', budget: name, provider: ctx.providerId, model: ctx.model.modelId, part: ctx.part, attempt: ctx.attempt }
    // What this attempt holds in the store: the reservation, or nothing when not counted.
    let reserved: number | undefined
    // Not reserved before the network (store down, fail-open; or a recorded job expected to be
    // resumed): charged to the store afterwards if it turns out to be billed new work.
    let uncounted = false

    if (limit !== undefined) {
      if (estimate !== undefined && (await recordedJob(ctx, options.jobJournal, storeTimeoutMs))) {
        uncounted = true
        ctx.logger.debug({ ...log, reason: 'resumed' }, `budget "${name}": the job is recorded in the journal; resuming it reserves nothing`)
      } else if (estimate === undefined) {
        const why = 'unknown' in priced ? priced.unknown : 'no price'
        if (unknownPrice === 'error') {
          throw new BudgetExceededError(
            `Budget "${name}" (limit ${formatUsd(limit.limitUsd)}) cannot guarantee its limit for ${ctx.providerId} ${ctx.model.modelId}: ${why}. ` +
              `Give its price with the client's \`prices\` option, or pass budget.unknownPrice: 'allow' to run it uncounted`,
            { budget: name, limitUsd: limit.limitUsd, reason: 'unknown-price', provider: ctx.providerId, model: ctx.model.modelId },
          )
        }
        warnings.push({ type: 'other', setting: 'budget', message: `${ctx.model.modelId} has no known price (${why}); this call is not counted in budget "${name}"` })
        ctx.logger.warn({ ...log, reason: 'unknown-price' }, `budget "${name}": ${ctx.model.modelId} has no known price; not counted`)
      } else {
        let result: { ok: boolean; spentUsd: number } | undefined
        const reservation = attempt(() => store.reserve(name, estimate.usd, limit.limitUsd))
        try {
          result = await withDeadline(reservation, storeTimeoutMs, ctx.signal)
        } catch (error) {
          // A reservation that lands after we stopped waiting is given back, so it never counts twice.
          reservation.then(
            (late) => (late.ok ? attempt(() => store.adjust(name, -estimate.usd)) : undefined),
            () => undefined,
          ).catch(() => undefined)
          if (error instanceof StoreWaitAborted) throw abortError(ctx.signal)
          if (!failOpen) {
            throw new BudgetExceededError(
              `Budget "${name}" refused the call because its store failed (${error instanceof Error ? error.message : String(error)}) and the budget fails closed. ` +
                'Check the store (Redis), or pass budget.failOpen: true to let calls through while it is down',
              { budget: name, limitUsd: limit.limitUsd, estimateUsd: estimate.usd, reason: 'store-unavailable', provider: ctx.providerId, model: ctx.model.modelId, cause: error },
            )
          }
          uncounted = true
          warnings.push({ type: 'other', setting: 'budget', message: `budget "${name}" store failed; the call ran without a reservation (fail-open)` })
          ctx.logger.warn({ ...log, reason: 'store-unavailable', error: error instanceof Error ? error.message : String(error) }, `budget "${name}": store failed; failing open`)
        }
        if (result !== undefined) {
          if (!result.ok) {
            throw new BudgetExceededError(
              `Budget "${name}" would be exceeded: limit ${formatUsd(limit.limitUsd)}, spent ${formatUsd(result.spentUsd)}, this call is estimated at ${formatUsd(estimate.usd)} (${estimate.basis}). ` +
                `Nothing was sent. Raise budget.limitUsd, or reset the budget (client.resetBudget() or store.reset('${name}'))`,
              { budget: name, limitUsd: limit.limitUsd, spentUsd: result.spentUsd, estimateUsd: estimate.usd, reason: 'limit', provider: ctx.providerId, model: ctx.model.modelId },
            )
          }
          reserved = estimate.usd
          ctx.logger.debug({ ...log, reservedUsd: estimate.usd, spentUsd: result.spentUsd }, `budget "${name}": reserved ${formatUsd(estimate.usd)}`)
        }
      }
    }

    /** Best-effort store update after the network: a failure here never fails a paid call. */
    const settle = async (deltaUsd: number): Promise<void> => {
      if (limit === undefined || roundUsd(deltaUsd) === 0) return
      try {
        await withDeadline(attempt(() => store.adjust(name, deltaUsd)), storeTimeoutMs)
      } catch (error) {
        ctx.logger.warn({ ...log, deltaUsd, error: error instanceof Error ? error.message : String(error) }, `budget "${name}": could not record ${formatUsd(deltaUsd)}`)
      }
    }

    let res
    try {
      res = await next()
    } catch (error) {
      if (wasResumed(ctx)) {
        // A resumed job that failed was counted when first submitted; this attempt paid nothing new.
        if (reserved !== undefined) await settle(-reserved)
      } else if (mayBeBilled(error)) {
        // The provider may bill it: the charge stays reserved and counts in the generation's cost.
        if (estimate === undefined) ledger.unknown = true
        else ledger.charges.push({ ...estimate, basis: `${estimate.basis}; kept: the failed attempt may have been charged` })
        if (reserved === undefined && uncounted && estimate !== undefined) await settle(estimate.usd)
      } else if (reserved !== undefined) {
        await settle(-reserved)
      }
      throw error
    }
    const actual = costFromUsage(price, res.usage) ?? (price === undefined ? undefined : estimateRequestCost(price, normalized, res.count))
    if (actual === undefined) ledger.unknown = true
    else ledger.charges.push(actual)
    if (wasResumed(ctx)) {
      // Resumed or replayed from the job journal, not submitted: the job was counted when it was
      // submitted (by this or another process), so this attempt's reservation is given back.
      if (reserved !== undefined) await settle(-reserved)
    } else if (actual !== undefined) {
      if (reserved !== undefined) await settle(actual.usd - reserved)
      else if (uncounted) await settle(actual.usd)
    }
    return res.with({ cost: actual, ...(warnings.length === 0 ? {} : { warnings: [...res.warnings, ...warnings] }) })
  }
}
