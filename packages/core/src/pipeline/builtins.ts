import type { ModelPrice } from '../cost/price.js'
import type { JobJournal } from '../jobs/job-journal.js'
import { type BudgetOptions, budget, budgetCheck } from './budget.js'
import { type CacheOptions, type CacheShared, cache } from './cache.js'
import { type ConcurrencyOptions, concurrency } from './concurrency.js'
import type { Middleware } from './context.js'
import { deliver } from './deliver.js'
import { type FallbackOptions, fallback } from './fallback.js'
import { logging } from './logging.js'
import { type RateLimitOptions, RateLimiter } from './rate-limit.js'
import { type RetryOptions, retry } from './retry.js'
import { type SplitNOptions, splitN } from './split-n.js'
import { attemptTimeout, type TimeoutOptions, totalTimeout } from './timeout.js'
import { type ValidateCapabilitiesOptions, validateCapabilities } from './validate-capabilities.js'

/**
 * Settings of the built-in middleware, given to the client. Each built-in takes its options
 * object, or `false` to remove it; `cache` is off unless given (`true` or options).
 */
export interface BuiltinOptions extends ValidateCapabilitiesOptions {
  /** Structured events to the client's `logger`. @defaultValue true */
  logging?: boolean | undefined
  /** Per-attempt and whole-generation deadlines. @defaultValue {@link DEFAULT_TIMEOUT_OPTIONS} */
  timeout?: TimeoutOptions | false | undefined
  /** Other models to try when one fails. @defaultValue none */
  fallback?: FallbackOptions | false | undefined
  /** Response cache. @defaultValue false (an unseeded prompt is expected to give a new image) */
  cache?: CacheOptions | boolean | undefined
  /** Splitting of `n` above a model's per-call maximum. @defaultValue {@link DEFAULT_SPLIT_N_OPTIONS} */
  splitN?: SplitNOptions | false | undefined
  /** Limit on provider calls in flight. @defaultValue {@link DEFAULT_CONCURRENCY_OPTIONS} */
  concurrency?: ConcurrencyOptions | false | undefined
  /** Retries with backoff; `{ maxRetries: 0 }` or `false` turns it off. @defaultValue {@link DEFAULT_RETRY_OPTIONS} */
  retry?: RetryOptions | false | undefined
  /**
   * A spending limit checked before every provider attempt (per client, or per named budget in a
   * shared store). Without it responses are still priced (`response.cost`). @defaultValue none
   */
  budget?: BudgetOptions | undefined
  /** Prices that beat the plugins' own (negotiated rates, open models), by model id. @defaultValue the plugins' `prices` */
  prices?: readonly ModelPrice[] | undefined
  /**
   * Requests per interval by provider (and key); `{ store }` shares the count between processes.
   * @defaultValue the plugins' documented limits, in memory
   */
  rateLimit?: RateLimitOptions | false | undefined
}

/** Names of the built-ins, outermost first (the order {@link builtinMiddleware} composes them in). */
export const BUILTIN_ORDER = Object.freeze([
  'logging',
  'totalTimeout',
  'fallback',
  'validateCapabilities',
  'cache',
  'budgetCheck',
  'splitN',
  'deliver',
  'concurrency',
  'retry',
  'budget',
  'rateLimit',
  'attemptTimeout',
] as const)

/**
 * The built-in middleware, outermost first. User middleware added with `client.use()` wraps
 * all of them, so it sees the caller's request before validation. The order is the
 * diagram in the core README:
 * - `logging` outermost, so it reports the final outcome once and redacts everything below;
 * - `totalTimeout` outside `fallback` and `retry`, so the whole call has one budget;
 * - `fallback` outside validation, so each fallback model is validated and split on its own;
 * - `cache` after validation (it keys on the normalized request) and before splitting and
 *   limits (a hit costs no slot);
 * - `budgetCheck` after `cache` (a hit is never refused) and before `splitN`, so a request whose
 *   parts cannot all fit is refused before any part is sent;
 * - `splitN` above `concurrency`, so parts run in parallel under the limit;
 * - `deliver` (always on) inside `splitN`, below `cache` and above `concurrency` and `retry`:
 *   downloads run per part with their own bounded retry, never re-enter the generation, hold no
 *   provider slot, and the cache stores delivered responses;
 * - `retry` below `concurrency` (a retry keeps its slot) and above `rateLimit` and
 *   `attemptTimeout` (each attempt takes a token and has its own deadline);
 * - `budget` below `retry` and `splitN` (every attempt and part reserves its own cost) and above
 *   `rateLimit` (a refused call takes no token); always present, since it also prices responses.
 *
 * `shared.rateLimiter` is the limiter to use (the client passes one it also feeds provider
 * answers to); without it one is made from `options.rateLimit`. `shared.jobJournal` is the
 * client's job journal: the budget does not count again a job it resumes. `shared.downloadsFor`
 * is the client's download trust, given to the images of a cache hit. `shared.imageModels` lists
 * the installed models that take images, for the error of a text-only model.
 *
 * @throws TypeError naming a bad option.
 */
export function builtinMiddleware(options: BuiltinOptions, shared: { rateLimiter?: RateLimiter | undefined; jobJournal?: JobJournal | undefined; imageModels?: (() => readonly string[]) | undefined } & CacheShared = {}): Middleware[] {
  const on = <T>(value: T | false | undefined): value is T | undefined => value !== false
  const stack: Middleware[] = []
  if (options.logging !== false) stack.push(logging())
  if (on(options.timeout)) stack.push(totalTimeout(options.timeout))
  if (on(options.fallback)) stack.push(fallback(options.fallback))
  stack.push(validateCapabilities({ unsupported: options.unsupported, imageModels: shared.imageModels }))
  if (options.cache !== undefined && options.cache !== false) stack.push(cache(options.cache === true ? {} : options.cache, { downloadsFor: shared.downloadsFor }))
  stack.push(budgetCheck({ budget: options.budget, prices: options.prices, jobJournal: shared.jobJournal }))
  if (on(options.splitN)) stack.push(splitN(options.splitN))
  // Always on: downloads live here, above retry, so a failing image host never re-runs a paid generation.
  stack.push(deliver())
  if (on(options.concurrency)) stack.push(concurrency(options.concurrency))
  if (on(options.retry)) stack.push(retry(options.retry))
  stack.push(budget({ budget: options.budget, prices: options.prices, jobJournal: shared.jobJournal }))
  if (on(options.rateLimit)) stack.push((shared.rateLimiter ?? new RateLimiter(options.rateLimit)).middleware)
  if (on(options.timeout)) stack.push(attemptTimeout(options.timeout))
  return stack
}
