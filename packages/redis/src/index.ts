/**
 * Shared llmkit state on Redis: one cache, one rate limiter, one budget and one job journal for
 * every process of an application.
 *
 * @example
 * ```ts
 * import { LLMKitClient } from '@llmkit/core'
 * import { createRedisState } from '@llmkit/redis'
 *
 * const state = createRedisState({ url: process.env.REDIS_URL, prefix: 'myapp:' })
 * const client = LLMKitClient.fromEnv({
 *   cache: { store: state.cacheStore },
 *   rateLimit: { store: state.rateLimitStore },
 *   jobJournal: state.jobJournal,
 *   budget: { store: state.budgetStore, limitUsd: 50 },
 * })
 * await client.resumeJobs() // finish what a crashed process left behind
 * ```
 * @packageDocumentation
 */
import { Redis, type RedisOptions } from 'ioredis'
import type { BudgetStore, CacheStore, JobJournal, Logger, RateLimitStore } from '@llmkit/core'
import { defineScripts } from './scripts.js'
import { type RedisCacheBounds, type RedisJournalOptions, redisBudgetStore, redisCacheStore, redisJobJournal, redisRateLimitStore } from './stores.js'

export { redisBudgetStore, redisCacheStore, redisJobJournal, redisRateLimitStore, type ReadyGate, type RedisCacheBounds, type RedisJournalOptions } from './stores.js'
export { SCRIPTS, defineScripts, type ScriptCommands, type ScriptedRedis } from './scripts.js'

/** Connection defaults, written as data: every command is bounded, so a slow Redis costs a timeout, never a hang. */
export const DEFAULT_REDIS_OPTIONS = Object.freeze({
  /** Where Redis listens. */
  url: 'redis://127.0.0.1:6379',
  /** Prefix of every key, so apps can share one Redis. */
  prefix: 'llmkit:',
  /** Deadline of one command (queued ones included while reconnecting), in milliseconds. */
  commandTimeoutMs: 1_000,
  /** Deadline of one connection attempt, in milliseconds. */
  connectTimeoutMs: 2_000,
  /**
   * Times a command is re-sent after a reconnect: none. A budget reservation whose answer was
   * lost must not be applied twice, and a command given while Redis is down fails at once
   * (no offline queue) instead of running late, after its caller gave up on it.
   */
  maxRetriesPerRequest: 0,
  /** Longest wait between two reconnection attempts, in milliseconds (ioredis reconnects forever). */
  maxReconnectDelayMs: 2_000,
})

/** Options of {@link createRedisState}. */
export interface RedisStateOptions {
  /** Redis URL (`redis://`, `rediss://`). @defaultValue 'redis://127.0.0.1:6379' */
  url?: string | undefined
  /** Prefix of every key. @defaultValue 'llmkit:' */
  prefix?: string | undefined
  /** Deadline of one Redis command, in milliseconds. @defaultValue 1000 */
  commandTimeoutMs?: number | undefined
  /** Deadline of one connection attempt, in milliseconds. @defaultValue 2000 */
  connectTimeoutMs?: number | undefined
  /** Cache bounds (entries and bytes), as for the in-memory cache. */
  cache?: RedisCacheBounds | undefined
  /** Job journal retention. */
  journal?: RedisJournalOptions | undefined
  /** Receives connection errors (each is also a failed command the stores report). @defaultValue silent */
  logger?: Logger | undefined
  /** Extra ioredis options (TLS, password, sentinels...); the timeouts above win. */
  redis?: RedisOptions | undefined
}

/** The stores, each ready for the matching client option. */
export interface RedisState {
  /** For `cache: { store }`. */
  readonly cacheStore: CacheStore
  /** For `rateLimit: { store }`. */
  readonly rateLimitStore: RateLimitStore
  /** For `jobJournal`. */
  readonly jobJournal: JobJournal
  /** For `budget: { store, limitUsd }`. */
  readonly budgetStore: BudgetStore
  /** The connection (for health checks; do not close it directly). Commands fail while it is not connected. */
  readonly redis: Redis
  /** Resolves once connected (the stores wait for the first connection by themselves); rejects after `connectTimeoutMs`. */
  ready(): Promise<void>
  /** Closes the connection after pending commands. */
  close(): Promise<void>
}

function checkPositive(name: string, value: number | undefined): void {
  if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)) {
    throw new TypeError(`Expected \`${name}\` to be a positive number of milliseconds, got ${String(value)}.`)
  }
}

/**
 * Connects to Redis and returns the four shared stores. The connection is lazy-safe: commands
 * given before it is up wait (bounded by `commandTimeoutMs`); when Redis is down each command
 * fails after that deadline, and the client treats that as its option says (the cache misses,
 * the limiter and budget fail open by default, the journal warns), while ioredis reconnects.
 *
 * @throws TypeError naming a bad option.
 */
export function createRedisState(options: RedisStateOptions = {}): RedisState {
  checkPositive('commandTimeoutMs', options.commandTimeoutMs)
  checkPositive('connectTimeoutMs', options.connectTimeoutMs)
  const prefix = options.prefix ?? DEFAULT_REDIS_OPTIONS.prefix
  if (typeof prefix !== 'string') throw new TypeError('Expected `prefix` to be a string.')
  const url = options.url ?? DEFAULT_REDIS_OPTIONS.url
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new TypeError(`Expected \`url\` to be a Redis URL such as redis://127.0.0.1:6379, got ${JSON.stringify(url)}.`)
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw new TypeError(`Expected \`url\` to start with redis:// or rediss://, got ${parsed.protocol}//.`)
  const redis = new Redis(url, {
    ...options.redis,
    commandTimeout: options.commandTimeoutMs ?? DEFAULT_REDIS_OPTIONS.commandTimeoutMs,
    connectTimeout: options.connectTimeoutMs ?? DEFAULT_REDIS_OPTIONS.connectTimeoutMs,
    maxRetriesPerRequest: DEFAULT_REDIS_OPTIONS.maxRetriesPerRequest,
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    retryStrategy: (times: number) => Math.min(times * 100, DEFAULT_REDIS_OPTIONS.maxReconnectDelayMs),
  })
  // Without a listener an 'error' event would crash the process; the stores report failures.
  let lastError = ''
  redis.on('error', (error: Error) => {
    if (error.message === lastError) return
    lastError = error.message
    options.logger?.warn({ event: 'redis.error', error: error.message }, 'redis connection error')
  })
  let everReady = false
  redis.on('ready', () => {
    lastError = ''
    everReady = true
  })
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_REDIS_OPTIONS.connectTimeoutMs
  // Without an offline queue a command fails while not connected: that is wanted while Redis is
  // down (fail fast), but the first commands of a new state wait for the first connection.
  const ready = (): Promise<void> => {
    if (everReady || redis.status === 'ready') return Promise.resolve()
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer)
        redis.off('ready', done)
        resolve()
      }
      const timer = setTimeout(() => {
        redis.off('ready', done)
        reject(new Error(`Redis at ${parsed.host} was not ready within ${connectTimeoutMs} ms`))
      }, connectTimeoutMs)
      redis.on('ready', done)
    })
  }
  const scripted = defineScripts(redis)
  return {
    cacheStore: redisCacheStore(scripted, prefix, options.cache, ready),
    rateLimitStore: redisRateLimitStore(scripted, prefix, ready),
    jobJournal: redisJobJournal(scripted, prefix, options.journal, ready),
    budgetStore: redisBudgetStore(scripted, prefix, ready),
    redis,
    ready,
    async close() {
      try {
        await redis.quit()
      } catch {
        redis.disconnect()
      }
    },
  }
}
