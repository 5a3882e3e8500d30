import { resolve } from 'node:path'
import { Queue } from 'bullmq'
import { type ImageGenerationRequestInit, InvalidRequestError, LLMKitError } from '@llmkit/core'
import { checkRequest } from './requests.js'
import { type BatchRedisOptions, batchesKey, batchKeys, checkBatchId, connect, DEFAULT_PREFIX, jobIdOf, QUEUE_NAME } from './redis-keys.js'

/** What one queued item carries. */
export interface BatchJobData {
  /** Batch id. */
  batchId: string
  /** 0-based item index. */
  index: number
  /** The request, as a plain object. */
  request: ImageGenerationRequestInit
}

/** Options of {@link submitBatch}. */
export interface SubmitBatchOptions extends BatchRedisOptions {
  /** Batch id: 1-100 letters, digits, `.`, `_`, `-`. Submitting the same id again adds nothing already queued or done. */
  batchId: string
  /** The items, in order (plain request objects, the shape `generateImage` takes). */
  requests: readonly ImageGenerationRequestInit[]
  /** Folder the workers write images and `manifest.jsonl` to (a path every worker can reach). */
  outDir: string
  /**
   * Tries of an item that fails for a reason that is not its outcome (disk full, Redis lost),
   * 2 s apart and doubling; after the last, the item gets a failed line. A provider's refusal or
   * failure is the item's outcome and is never tried again here. @defaultValue 5
   */
  attempts?: number | undefined
}

/** What {@link submitBatch} did. */
export interface SubmitBatchResult {
  /** Batch id. */
  batchId: string
  /** Items in the batch. */
  total: number
  /** Items already finished by an earlier run (not queued again). */
  alreadyDone: number
  /** Output folder, absolute. */
  outDir: string
}

/** Where a batch stands. */
export type BatchState = 'running' | 'paused' | 'cancelled' | 'done'

/** Progress of a batch, from {@link batchStatus}. */
export interface BatchStatus {
  /** Batch id. */
  batchId: string
  /** `paused` after a budget stop (see `reason`); `done` when every item has a manifest line. */
  state: BatchState
  /** Why the batch is paused or cancelled. */
  reason?: string | undefined
  /** Items in the batch. */
  total: number
  /** Items finished with images. */
  done: number
  /** Items finished with an error (in the manifest with `status: 'failed'`). */
  failed: number
  /** Items a worker is running now. */
  inFlight: number
  /** Items not finished yet. */
  remaining: number
  /** Cost of the finished items, in US dollars (estimates where a provider reports none). */
  costUsd: number
  /** Output folder. */
  outDir: string
  /** When the first item started (ms since the epoch). */
  startedAt?: number | undefined
  /** When the last item finished (ms since the epoch). */
  updatedAt?: number | undefined
  /** Estimated time left at the rate so far, in milliseconds (undefined before the first item finished, or when stopped). */
  etaMs?: number | undefined
}

function prefixOf(options: BatchRedisOptions): string {
  const prefix = options.prefix ?? DEFAULT_PREFIX
  if (typeof prefix !== 'string' || prefix === '' || prefix.includes(':')) throw new TypeError(`Expected \`prefix\` to be a non-empty string without ":", got ${JSON.stringify(prefix)}.`)
  return prefix
}

/**
 * Queues a batch: one BullMQ job per item, with the job id `${batchId}-${index}`, so submitting
 * the same batch again (after a crash, or by mistake) adds nothing: items queued keep their one
 * job, and items already finished are not queued again. Every request is checked first; a bad
 * one fails the whole submit before anything is queued.
 *
 * @throws {@link @llmkit/core!InvalidRequestError} for a bad batch id or request (naming its index), or a batch
 * id already used with a different number of items or output folder.
 * @example
 * ```ts
 * await submitBatch({ connection: 'redis://localhost:6379', batchId: 'cats', requests, outDir: '/data/cats' })
 * ```
 */
export async function submitBatch(options: SubmitBatchOptions): Promise<SubmitBatchResult> {
  const batchId = checkBatchId(options.batchId)
  const prefix = prefixOf(options)
  if (!Array.isArray(options.requests) || options.requests.length === 0) throw new InvalidRequestError('A batch needs at least one request', { param: 'requests' })
  if (typeof options.outDir !== 'string' || options.outDir === '') throw new InvalidRequestError('Expected `outDir`, the folder workers write images and the manifest to', { param: 'outDir' })
  for (const [index, request] of options.requests.entries()) {
    try {
      checkRequest(request)
    } catch (error) {
      throw new InvalidRequestError(`Request ${index}: ${LLMKitError.isInstance(error) ? error.message : String(error)}`, { param: `requests[${index}]`, cause: error })
    }
  }
  const attempts = options.attempts ?? 5
  if (!(Number.isInteger(attempts) && attempts >= 1 && attempts <= 100)) throw new TypeError(`Expected \`attempts\` to be a whole number from 1 to 100, got ${String(attempts)}.`)
  const outDir = resolve(options.outDir)
  const total = options.requests.length
  const keys = batchKeys(prefix, batchId)
  const redis = connect(options.connection)
  const queue = new Queue<BatchJobData>(QUEUE_NAME, { connection: redis, prefix })
  try {
    const existing = await redis.hmget(keys.meta, 'total', 'outDir')
    if (existing[0] !== null && (Number(existing[0]) !== total || existing[1] !== outDir)) {
      throw new InvalidRequestError(`Batch "${batchId}" already exists with ${existing[0]} items writing to ${existing[1] ?? '?'}; use another --batch id`, { param: 'batchId' })
    }
    await redis
      .multi()
      .hsetnx(keys.meta, 'total', String(total))
      .hsetnx(keys.meta, 'outDir', outDir)
      .hsetnx(keys.meta, 'state', 'running')
      .hsetnx(keys.meta, 'createdAt', String(Date.now()))
      .sadd(batchesKey(prefix), batchId)
      .exec()
    const done = new Set((await redis.smembers(keys.manifested)).map(Number))
    // Chunks keep one command's size bounded; BullMQ skips a job id that already exists.
    const CHUNK = 500
    for (let start = 0; start < total; start += CHUNK) {
      const jobs = []
      for (let index = start; index < Math.min(total, start + CHUNK); index++) {
        if (done.has(index)) continue
        jobs.push({
          name: 'item',
          data: { batchId, index, request: options.requests[index]! },
          // A failure that is not the item's outcome (disk full, Redis lost) is tried again; the
          // journal makes the re-run resume the provider job, so it never pays twice.
          opts: { jobId: jobIdOf(batchId, index), attempts, backoff: { type: 'exponential', delay: 2000 }, removeOnComplete: true, removeOnFail: false },
        })
      }
      if (jobs.length > 0) await queue.addBulk(jobs)
    }
    return { batchId, total, alreadyDone: done.size, outDir }
  } finally {
    await queue.close()
    await redis.quit().catch(() => {})
  }
}

/**
 * Progress of a batch: done, failed, in flight, cost so far and an ETA.
 * @throws {@link @llmkit/core!InvalidRequestError} when there is no such batch.
 */
export async function batchStatus(options: BatchRedisOptions & { batchId: string }): Promise<BatchStatus> {
  const batchId = checkBatchId(options.batchId)
  const keys = batchKeys(prefixOf(options), batchId)
  const redis = connect(options.connection)
  try {
    const [metaR, activeR] = (await redis.multi().hgetall(keys.meta).scard(keys.active).exec()) ?? []
    const meta = (metaR?.[1] ?? {}) as Record<string, string>
    if (meta['total'] === undefined) throw new InvalidRequestError(`No batch "${batchId}" on this Redis (prefix "${prefixOf(options)}")`, { param: 'batchId' })
    return statusFrom(batchId, meta, Number(activeR?.[1] ?? 0), Date.now())
  } finally {
    await redis.quit().catch(() => {})
  }
}

/** The status from the batch record (pure, for tests). @internal */
export function statusFrom(batchId: string, meta: Record<string, string>, inFlight: number, now: number): BatchStatus {
  const total = Number(meta['total'])
  const done = Number(meta['done'] ?? 0)
  const failed = Number(meta['failed'] ?? 0)
  const remaining = Math.max(0, total - done - failed)
  const startedAt = meta['startedAt'] === undefined ? undefined : Number(meta['startedAt'])
  const updatedAt = meta['updatedAt'] === undefined ? undefined : Number(meta['updatedAt'])
  const stored = (meta['state'] ?? 'running') as BatchState
  const state: BatchState = remaining === 0 ? 'done' : stored
  const finished = done + failed
  const etaMs = state === 'running' && startedAt !== undefined && finished > 0 ? Math.round(((now - startedAt) / finished) * remaining) : undefined
  return {
    batchId,
    state,
    reason: state === 'done' ? undefined : meta['reason'],
    total,
    done,
    failed,
    inFlight: remaining === 0 ? 0 : inFlight,
    remaining,
    costUsd: Number(meta['costMicros'] ?? 0) / 1e6,
    outDir: meta['outDir'] ?? '',
    startedAt,
    updatedAt,
    etaMs,
  }
}

/**
 * Cancels a batch: its queued items are removed and no worker starts another one. Items already
 * running finish (their provider jobs are paid) and get their manifest lines.
 * @returns the number of queued items removed.
 * @throws {@link @llmkit/core!InvalidRequestError} when there is no such batch.
 */
export async function cancelBatch(options: BatchRedisOptions & { batchId: string; reason?: string | undefined }): Promise<{ removed: number }> {
  const batchId = checkBatchId(options.batchId)
  const prefix = prefixOf(options)
  const keys = batchKeys(prefix, batchId)
  const redis = connect(options.connection)
  const queue = new Queue<BatchJobData>(QUEUE_NAME, { connection: redis, prefix })
  try {
    const total = await redis.hget(keys.meta, 'total')
    if (total === null) throw new InvalidRequestError(`No batch "${batchId}" on this Redis (prefix "${prefix}")`, { param: 'batchId' })
    await redis.hset(keys.meta, 'state', 'cancelled', 'reason', options.reason ?? 'cancelled by the user')
    let removed = 0
    const n = Number(total)
    // Bounded by the batch size; a running item is locked and stays (remove answers 0).
    for (let start = 0; start < n; start += 200) {
      const ids = Array.from({ length: Math.min(200, n - start) }, (_, i) => jobIdOf(batchId, start + i))
      const results = await Promise.all(ids.map((id) => queue.remove(id).catch(() => 0)))
      removed += results.filter((r) => r === 1).length
    }
    return { removed }
  } finally {
    await queue.close()
    await redis.quit().catch(() => {})
  }
}

/**
 * Resumes a paused batch (after a budget stop, once the limit was raised): workers take its
 * items again within their `pausedRetryMs`.
 * @throws {@link @llmkit/core!InvalidRequestError} when there is no such batch, or it was cancelled.
 */
export async function resumeBatch(options: BatchRedisOptions & { batchId: string }): Promise<BatchStatus> {
  const batchId = checkBatchId(options.batchId)
  const keys = batchKeys(prefixOf(options), batchId)
  const redis = connect(options.connection)
  try {
    const state = await redis.hget(keys.meta, 'state')
    if (state === null) throw new InvalidRequestError(`No batch "${batchId}" on this Redis (prefix "${prefixOf(options)}")`, { param: 'batchId' })
    if (state === 'cancelled') throw new InvalidRequestError(`Batch "${batchId}" was cancelled; submit it again under a new id to run what is left`, { param: 'batchId' })
    await redis.multi().hset(keys.meta, 'state', 'running').hdel(keys.meta, 'reason').exec()
  } finally {
    await redis.quit().catch(() => {})
  }
  return batchStatus(options)
}
