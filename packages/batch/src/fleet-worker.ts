import { createRedisState, type RedisState } from '@llmkit/redis'
import { LLMKitClient, type LLMKitClientOptions, type ProviderPlugin } from '@llmkit/core'
import { type BatchWorker, DEFAULT_WORKER_OPTIONS, startWorker, type StartWorkerOptions } from './worker.js'

/** Options of {@link startFleetWorker}. */
export interface StartFleetWorkerOptions extends Omit<StartWorkerOptions, 'connection' | 'client' | 'jobJournal'> {
  /** Redis URL shared by the fleet (queue, journal, rate limit, budget). */
  url: string
  /** Key prefix of the `@llmkit/redis` state (journal, limiter, budget). @defaultValue 'llmkit:' */
  statePrefix?: string | undefined
  /** Provider plugins. @defaultValue the installed packages whose keys are set (`LLMKitClient.fromEnv`) */
  providers?: readonly ProviderPlugin[] | undefined
  /** Other client options; the journal, the rate-limit store and the budget store are the fleet's. */
  clientOptions?: Omit<LLMKitClientOptions, 'providers' | 'jobJournal' | 'budget'> | undefined
  /** A spending limit shared by every worker with the same name; reaching it pauses the batch. */
  budget?: { limitUsd: number; name?: string | undefined } | undefined
}

/** A fleet worker: the batch worker, its client and the shared state it closes. */
export interface FleetWorker extends BatchWorker {
  /** The client, wired to the fleet's journal, rate limiter and budget. */
  readonly client: LLMKitClient
  /** The `@llmkit/redis` state. */
  readonly state: RedisState
}

/**
 * Starts a batch worker wired the way a fleet needs it, on one Redis: the client records async
 * jobs in the shared job journal (so another worker resumes what this one submitted), paces
 * each provider with the cluster-wide rate limiter, and counts spend in the shared budget.
 * `close()` stops the worker and closes the state.
 *
 * @example
 * ```ts
 * const worker = startFleetWorker({ url: 'redis://localhost:6379', concurrency: 8, budget: { limitUsd: 200 } })
 * process.on('SIGTERM', () => void worker.close())
 * ```
 */
export function startFleetWorker(options: StartFleetWorkerOptions): FleetWorker {
  const { url, statePrefix, providers, clientOptions = {}, budget, ...workerOptions } = options
  const state = createRedisState({ url, prefix: statePrefix })
  const shared: LLMKitClientOptions = {
    // The client's own limit (8 calls by default) must not cap the worker's concurrency.
    concurrency: { maxConcurrency: workerOptions.concurrency ?? DEFAULT_WORKER_OPTIONS.concurrency },
    ...clientOptions,
    jobJournal: state.jobJournal,
    rateLimit: clientOptions.rateLimit === false ? false : { ...clientOptions.rateLimit, store: state.rateLimitStore },
    budget: budget === undefined ? undefined : { limitUsd: budget.limitUsd, name: budget.name ?? 'llmkit-batch', store: state.budgetStore },
  }
  const client = providers === undefined ? LLMKitClient.fromEnv(shared) : new LLMKitClient({ ...shared, providers })
  const worker = startWorker({ ...workerOptions, connection: url, client, jobJournal: state.jobJournal })
  return {
    worker: worker.worker,
    client,
    state,
    async close() {
      await worker.close()
      await state.close()
    },
  }
}
