import {
  type BudgetStore,
  createMemoryBudgetStore,
  createMemoryRateLimitStore,
  LLMKitClient,
  type LLMKitClientOptions,
  type Logger,
  type ProviderPlugin,
  rateLimit,
  type RateLimit,
  type RateLimitStore,
} from '@llmkit/core'
import type { GatewayKey } from './keys.js'

/** llmkit client options the gateway passes through (everything but what it sets per key). */
export type GatewayClientOptions = Omit<LLMKitClientOptions, 'budget' | 'rateLimit' | 'env' | 'logger' | 'middleware'>

/** Shared state of every key's client: one budget store, one rate-limit store (memory or Redis). */
export interface ClientPoolOptions {
  /** Environment holding the provider keys and base URLs. */
  env: Readonly<Record<string, string | undefined>>
  /** Where budgets are counted. @defaultValue in memory */
  budgetStore?: BudgetStore | undefined
  /** Where rate-limit slots are counted. @defaultValue in memory */
  rateLimitStore?: RateLimitStore | undefined
  /** llmkit's logger (the client redacts provider keys before logging). */
  logger: Logger
  /** A budgeted key using a model without a known price. */
  unknownPrice: 'error' | 'allow'
  /** A failing budget store lets budgeted calls through (`true`) or refuses them. */
  budgetFailOpen: boolean
  /** Other client options (retry, timeouts, providers, prices...). */
  client?: GatewayClientOptions | undefined
}

/** Prefixes every bucket, so one key's pacing never counts against another's. */
function prefixedStore(store: RateLimitStore, prefix: string): RateLimitStore {
  return {
    reserve: (bucket, limit) => store.reserve(`${prefix}${bucket}`, limit),
    block: (bucket, forMs) => store.block(`${prefix}${bucket}`, forMs),
  }
}

/** A rate limit for every provider id: a gateway key's limit spans all providers. */
function everyProvider(plugins: readonly ProviderPlugin[], limit: RateLimit): Record<string, RateLimit> {
  return Object.fromEntries(plugins.map((p) => [p.id, limit]))
}

/**
 * One llmkit client per gateway key, made on first use. The gateway re-implements nothing:
 * - the key's budget is llmkit's `budget` (named `gateway:<key id>`, in the shared store);
 * - the key's rate limit is llmkit's `rateLimit` middleware over a store prefixed with the key id,
 *   taking one slot per request;
 * - the providers' own limits are each client's `rateLimit` over the shared, unprefixed store, so
 *   every key together paces each provider (and a 429 slows them all).
 */
export class ClientPool {
  readonly #options: ClientPoolOptions
  readonly #clients = new Map<string, LLMKitClient>()
  readonly #budgetStore: BudgetStore
  readonly #rateLimitStore: RateLimitStore
  /** The client used for listings and readiness (no key limits). */
  readonly base: LLMKitClient

  constructor(options: ClientPoolOptions) {
    this.#options = options
    this.#budgetStore = options.budgetStore ?? createMemoryBudgetStore()
    this.#rateLimitStore = options.rateLimitStore ?? createMemoryRateLimitStore()
    this.base = new LLMKitClient({ ...options.client, env: options.env, logger: options.logger, rateLimit: { store: this.#rateLimitStore } })
  }

  /** The client of a key (made once per key id). */
  async clientFor(key: GatewayKey): Promise<LLMKitClient> {
    // Keyed by id and policy: a key whose Redis record changed gets a client with the new limits.
    const poolKey = `${key.id}\0${JSON.stringify([key.budgetUsd, key.rateLimit])}`
    const existing = this.#clients.get(poolKey)
    if (existing !== undefined) return existing
    const middleware = []
    if (key.rateLimit !== undefined) {
      const plugins = await this.base.providers()
      middleware.push(rateLimit({ limits: everyProvider(plugins, key.rateLimit), store: prefixedStore(this.#rateLimitStore, `gateway:${key.id}:`) }))
    }
    // Two requests of a new key may race here; the first client made wins, so both share its state.
    const raced = this.#clients.get(poolKey)
    if (raced !== undefined) return raced
    const client = new LLMKitClient({
      ...this.#options.client,
      env: this.#options.env,
      logger: this.#options.logger,
      rateLimit: { store: this.#rateLimitStore },
      middleware,
      budget: key.budgetUsd === undefined ? undefined : { limitUsd: key.budgetUsd, name: `gateway:${key.id}`, store: this.#budgetStore, unknownPrice: this.#options.unknownPrice, failOpen: this.#options.budgetFailOpen },
    })
    this.#clients.set(poolKey, client)
    return client
  }
}
