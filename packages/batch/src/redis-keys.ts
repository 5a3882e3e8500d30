import { InvalidRequestError } from '@llmkit/core'
import { Redis, type RedisOptions } from 'ioredis'

/** Where the batch state lives: a Redis URL (`redis://host:6379/0`) or ioredis options. */
export type BatchConnection = string | RedisOptions

/** Options every batch function takes. */
export interface BatchRedisOptions {
  /** The Redis server. */
  connection: BatchConnection
  /** Prefix of every key (the BullMQ queue's and the batch records'), so several apps can share a server. @defaultValue 'llmkit' */
  prefix?: string | undefined
}

/** Name of the one BullMQ queue every batch goes through (a worker serves all batches). */
export const QUEUE_NAME = 'llmkit-batch'

/** Default key prefix. */
export const DEFAULT_PREFIX = 'llmkit'

/** BullMQ forbids `:` in custom job ids and integer ids; a batch id also names files and keys. */
const BATCH_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/

/**
 * Checks a batch id.
 * @throws {@link @llmkit/core!InvalidRequestError} when it is not 1-100 letters, digits, `.`, `_` or `-`.
 */
export function checkBatchId(batchId: unknown): string {
  if (typeof batchId !== 'string' || !BATCH_ID.test(batchId)) {
    throw new InvalidRequestError(`Invalid batch id ${JSON.stringify(batchId)}: use 1-100 letters, digits, ".", "_" or "-", starting with a letter or digit`, { param: 'batchId' })
  }
  return batchId
}

/** The BullMQ job id of an item: deterministic, so adding the same item twice adds nothing. */
export function jobIdOf(batchId: string, index: number): string {
  return `${batchId}-${index}`
}

/** The Redis keys of one batch's records. */
export function batchKeys(prefix: string, batchId: string) {
  const base = `${prefix}:batch:${batchId}`
  return {
    /** Hash: total, outDir, state, reason, counters, times. */
    meta: base,
    /** Set of item indices with a manifest line (each counted once). */
    manifested: `${base}:manifested`,
    /** Set of item indices that were ever started (a second start is a re-run after a crash). */
    started: `${base}:started`,
    /** Set of item indices a worker is running now. */
    active: `${base}:active`,
  }
}

/** Key of the set of every batch id. */
export function batchesKey(prefix: string): string {
  return `${prefix}:batches`
}

/** A connection of our own (BullMQ needs `maxRetriesPerRequest: null` on a worker's blocking connection). */
export function connect(connection: BatchConnection, extra: RedisOptions = {}): Redis {
  if (typeof connection === 'string') return new Redis(connection, extra)
  return new Redis({ ...connection, ...extra })
}

/** Marks an item finished exactly once and counts it; returns 1 the first time, 0 after. */
export const FINISH_SCRIPT = `
if redis.call('SADD', KEYS[2], ARGV[1]) == 1 then
  redis.call('HINCRBY', KEYS[1], ARGV[2], 1)
  redis.call('HINCRBY', KEYS[1], 'costMicros', tonumber(ARGV[3]))
  redis.call('HSET', KEYS[1], 'updatedAt', ARGV[4])
  return 1
end
return 0
`
