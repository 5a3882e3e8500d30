import { DelayedError, type Job, Worker } from 'bullmq'
import type { JobJournal, LLMKitClient, Logger } from '@llmkit/core'
import { silentLogger } from '@llmkit/core'
import { abandonedLine, isPause, mayHaveBeenSent, runItem } from './item.js'
import { appendManifestLine, findManifestLine, type ManifestLine } from './manifest.js'
import type { BatchJobData } from './queue.js'
import { type BatchRedisOptions, batchKeys, connect, DEFAULT_PREFIX, FINISH_SCRIPT, QUEUE_NAME } from './redis-keys.js'

/** Worker defaults, written as data. */
export const DEFAULT_WORKER_OPTIONS = Object.freeze({
  /** Items one worker runs at once. */
  concurrency: 4,
  /** How long an item's lock lasts without renewal; a worker that dies is noticed after it. */
  lockDurationMs: 30_000,
  /** How often workers look for items whose worker died. @defaultValue lockDurationMs / 2 */
  stalledIntervalMs: 15_000,
  /** How many times an item may be picked up again after its worker died (each re-run resumes the recorded job). */
  maxStalledCount: 10,
  /** How long an item of a paused batch waits before a worker looks at the batch again. */
  pausedRetryMs: 5_000,
})

/** Options of {@link startWorker}. */
export interface StartWorkerOptions extends BatchRedisOptions {
  /**
   * The client that generates. Give it a shared `jobJournal` (`createRedisState().jobJournal`
   * from `@llmkit/redis`): that is what lets another worker resume, instead of pay again for, a
   * provider job a crashed worker had submitted. Its `rateLimit` and `budget` stores should be
   * the shared ones too, so the limits hold across the fleet.
   */
  client: LLMKitClient
  /**
   * The client's job journal. Given, an item taken over from a dead worker does not wait out the
   * lease of a submit the dead worker had under way (120 s): that submit is released and sent
   * again at once, and the item's line is marked `mayHaveBeenCharged` (as is a re-run of a
   * synchronous model's item, whose call the journal cannot see). @defaultValue none (the lease is waited out)
   */
  jobJournal?: JobJournal | undefined
  /** Items run at once. @defaultValue 4 */
  concurrency?: number | undefined
  /** Lock duration of an item, in milliseconds. @defaultValue 30000 */
  lockDurationMs?: number | undefined
  /** Interval of the stalled-item check, in milliseconds. @defaultValue 15000 */
  stalledIntervalMs?: number | undefined
  /** Re-runs allowed after a worker died. @defaultValue 10 */
  maxStalledCount?: number | undefined
  /** Wait before an item of a paused batch is looked at again, in milliseconds. @defaultValue 5000 */
  pausedRetryMs?: number | undefined
  /** Logger. @defaultValue silent */
  logger?: Logger | undefined
  /** Called once per item finished by this worker, after its manifest line is written. */
  onItem?: ((line: ManifestLine) => void) | undefined
}

/** A running batch worker. */
export interface BatchWorker {
  /** The BullMQ worker (events, metrics). */
  readonly worker: Worker<BatchJobData>
  /** Stops taking items, waits for the running ones to finish, and closes the connections. */
  close(): Promise<void>
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (!(Number.isInteger(value) && value > 0)) throw new TypeError(`Expected \`${name}\` to be a positive whole number, got ${String(value)}.`)
  return value
}

/**
 * Starts a worker that runs the items of every batch queued on this Redis. Each item is done
 * exactly once across the fleet:
 * - BullMQ's lock gives an item to one worker; if that worker dies, the stalled-item check hands
 *   it to another;
 * - the item's idempotency key makes the client's job journal resume the provider job the dead
 *   worker had submitted (or return its recorded result), so nothing is paid twice;
 * - its manifest line is appended once: a re-run looks for the item's line in the manifest first
 *   (a worker that died after writing it is not followed by a second generation), and the item
 *   is counted by an atomic `SADD` in Redis.
 *
 * A budget refusal (`BudgetExceededError`) pauses the batch (`batchStatus` says why); its items
 * wait until {@link resumeBatch} is called after the limit was raised.
 *
 * @example
 * ```ts
 * const state = createRedisState({ url })
 * const client = LLMKitClient.fromEnv({ jobJournal: state.jobJournal, rateLimit: { store: state.rateLimitStore } })
 * const worker = startWorker({ connection: url, client, concurrency: 8 })
 * ```
 */
export function startWorker(options: StartWorkerOptions): BatchWorker {
  const { client } = options
  if (client === undefined || typeof client.generateImage !== 'function') throw new TypeError('Expected `client` to be an LLMKitClient.')
  const prefix = options.prefix ?? DEFAULT_PREFIX
  const concurrency = positive('concurrency', options.concurrency, DEFAULT_WORKER_OPTIONS.concurrency)
  const lockDuration = positive('lockDurationMs', options.lockDurationMs, DEFAULT_WORKER_OPTIONS.lockDurationMs)
  const stalledInterval = positive('stalledIntervalMs', options.stalledIntervalMs, Math.max(1, Math.floor(lockDuration / 2)))
  const maxStalledCount = positive('maxStalledCount', options.maxStalledCount, DEFAULT_WORKER_OPTIONS.maxStalledCount)
  const pausedRetryMs = positive('pausedRetryMs', options.pausedRetryMs, DEFAULT_WORKER_OPTIONS.pausedRetryMs)
  const logger = options.logger ?? silentLogger
  const redis = connect(options.connection)
  redis.defineCommand('llmkitBatchFinish', { numberOfKeys: 2, lua: FINISH_SCRIPT })
  const finish = (meta: string, manifested: string, index: number, outcome: string, costMicros: number, now: number): Promise<number> =>
    (redis as unknown as { llmkitBatchFinish(...args: (string | number)[]): Promise<number> }).llmkitBatchFinish(meta, manifested, index, outcome, costMicros, now)

  const park = async (job: Job<BatchJobData>, token: string | undefined): Promise<never> => {
    await job.moveToDelayed(Date.now() + pausedRetryMs, token)
    throw new DelayedError()
  }

  const processor = async (job: Job<BatchJobData>, token?: string): Promise<string> => {
    const { batchId, index, request } = job.data
    const keys = batchKeys(prefix, batchId)
    const [state, outDir] = await redis.hmget(keys.meta, 'state', 'outDir')
    if (typeof state !== 'string' || typeof outDir !== 'string' || state === 'cancelled') return 'skipped'
    if (state === 'paused') return park(job, token)
    if ((await redis.sismember(keys.manifested, String(index))) === 1) return 'already-done'
    // A second start is a re-run after a worker died. If it died after writing the item's
    // manifest line, the item is only counted: generating it again could pay twice.
    const rerun = (await redis.sadd(keys.started, String(index))) === 0
    const written = rerun ? await findManifestLine(outDir, index) : undefined
    let line: ManifestLine
    if (written !== undefined) {
      line = written
    } else {
      await redis.multi().sadd(keys.active, String(index)).hsetnx(keys.meta, 'startedAt', String(Date.now())).exec()
      const resubmitted = rerun && (await mayHaveBeenSent(client, options.jobJournal, batchId, index, request.model))
      try {
        line = await runItem({ client, batchId, index, request, outDir, resubmitted })
      } catch (error) {
        await redis.srem(keys.active, String(index))
        if (isPause(error)) {
          await redis.hset(keys.meta, 'state', 'paused', 'reason', `budget: ${(error as Error).message}`)
          logger.warn({ event: 'batch.paused', batchId, index, error: String(error) }, 'budget stop: batch paused')
          return park(job, token)
        }
        // Not the item's outcome (disk full, a bug): BullMQ tries again; the last try leaves a
        // failed line, so the batch still ends with one line per item.
        if (job.attemptsMade + 1 < (job.opts.attempts ?? 1)) throw error
        logger.error({ event: 'batch.item_abandoned', batchId, index, error: String(error) }, 'batch item abandoned after its last try')
        line = abandonedLine(batchId, index, request, error)
      }
      await appendManifestLine(outDir, line)
      await redis.srem(keys.active, String(index))
    }
    const costMicros = Math.round((line.cost?.usd ?? 0) * 1e6)
    const first = await finish(keys.meta, keys.manifested, index, line.status === 'ok' ? 'done' : 'failed', costMicros, Date.now())
    if (first === 1) options.onItem?.(line)
    logger.info({ event: 'batch.item', batchId, index, status: line.status, rerun }, 'batch item finished')
    return line.status
  }

  // BullMQ leaves a connection it was given open: it is closed in close().
  const bullConnection = connect(options.connection, { maxRetriesPerRequest: null })
  const worker = new Worker<BatchJobData>(QUEUE_NAME, processor, {
    connection: bullConnection,
    prefix,
    concurrency,
    lockDuration,
    stalledInterval,
    maxStalledCount,
    removeOnComplete: { count: 0 },
  })
  worker.on('error', (error) => logger.error({ event: 'batch.worker_error', error: String(error) }, 'batch worker error'))
  return {
    worker,
    async close() {
      await worker.close()
      await redis.quit().catch(() => {})
      await bullConnection.quit().catch(() => {})
    },
  }
}
