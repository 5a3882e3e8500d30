import { createHash } from 'node:crypto'
import type { BudgetStore, CacheStore, JobJournal, JournalClaim, JournalIntent, JournalRecord, RateLimit, RateLimitStore } from '@llmkit/core'
import type { ScriptedRedis } from './scripts.js'

/** Resolves when the connection may take commands (see createRedisState); rejects when it cannot in time. */
export type ReadyGate = () => Promise<void>
const alwaysReady: ReadyGate = () => Promise.resolve()

/** Micro-dollars: integer amounts, so concurrent increments are exact. */
const toMicro = (usd: number): number => Math.round(usd * 1e6)
const fromMicro = (micros: number): number => micros / 1e6

function checkUsd(name: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new TypeError(`Expected \`${name}\` to be a finite number of US dollars, got ${String(value)}.`)
}

/** A {@link RateLimitStore} on Redis: one Lua script per reservation, timed by Redis TIME. */
export function redisRateLimitStore(redis: ScriptedRedis, prefix: string, ready: ReadyGate = alwaysReady): RateLimitStore {
  const keys = (bucket: string) => [`${prefix}rate:${bucket}:slots`, `${prefix}rate:${bucket}:blocked`] as const
  return {
    async reserve(bucket: string, limit: RateLimit | undefined) {
      await ready()
      const [slots, blocked] = keys(bucket)
      return Number(await redis.llmkitRateReserve(slots, blocked, limit?.requests ?? 0, Math.ceil(limit?.intervalMs ?? 0)))
    },
    async block(bucket: string, forMs: number) {
      await ready()
      await redis.llmkitRateBlock(keys(bucket)[1], Math.ceil(forMs))
    },
  }
}

/** A {@link BudgetStore} on Redis: integer micro-dollars, reserve and adjust in Lua. */
export function redisBudgetStore(redis: ScriptedRedis, prefix: string, ready: ReadyGate = alwaysReady): BudgetStore {
  const key = (budget: string) => `${prefix}budget:${budget}`
  return {
    async reserve(budget, amountUsd, limitUsd) {
      await ready()
      checkUsd('amountUsd', amountUsd)
      checkUsd('limitUsd', limitUsd)
      const [ok, spend] = await redis.llmkitBudgetReserve(key(budget), toMicro(amountUsd), toMicro(limitUsd))
      return { ok: Number(ok) === 1, spentUsd: fromMicro(Number(spend)) }
    },
    async adjust(budget, deltaUsd) {
      await ready()
      checkUsd('deltaUsd', deltaUsd)
      return fromMicro(Number(await redis.llmkitBudgetAdjust(key(budget), toMicro(deltaUsd))))
    },
    async spent(budget) {
      await ready()
      return fromMicro(Number((await redis.get(key(budget))) ?? 0))
    },
    async reset(budget) {
      await ready()
      await redis.del(key(budget))
    },
  }
}

/** Bounds of the Redis cache, the same as the in-memory store's. */
export interface RedisCacheBounds {
  /** Entries kept. @defaultValue 500 */
  maxEntries?: number | undefined
  /** Bytes kept, counting each entry's JSON with its images inline (as the in-memory store does). @defaultValue 104857600 */
  maxBytes?: number | undefined
}

/** Strings at least this long are image bytes (base64, or a `data:` URL) and go to a blob. */
const BLOB_MIN_CHARS = 1024
const DATA_URL = /^data:[^,;]*(;[^,;=]+=[^,;]*)*;base64,/
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/

/** A reference to a blob inside a stored entry. */
interface BlobRef {
  $llmkitBlob: string
  prefix: string
}

function isBlobRef(value: unknown): value is BlobRef {
  return typeof value === 'object' && value !== null && typeof (value as BlobRef).$llmkitBlob === 'string'
}

/**
 * A Keyv-shaped {@link CacheStore} on Redis. Image bytes are stored once by content hash
 * (`<prefix>blob:<sha256 of the bytes>`): an entry holds references, and each write extends the
 * blobs it references to at least the entry's TTL. Entries are bounded by count and bytes like
 * the in-memory store; past a bound the entries closest to expiry are dropped first.
 */
export function redisCacheStore(redis: ScriptedRedis, prefix: string, bounds: RedisCacheBounds = {}, ready: ReadyGate = alwaysReady): CacheStore {
  const maxEntries = bounds.maxEntries ?? 500
  const maxBytes = bounds.maxBytes ?? 100 * 1024 * 1024
  const entryKey = (key: string) => `${prefix}cache:${key}`
  const blobKey = (sha: string) => `${prefix}blob:${sha}`
  const indexKey = `${prefix}cache:@index`
  const sizesKey = `${prefix}cache:@sizes`

  /** Replaces image bytes by references; returns the blobs to store. */
  const split = (value: unknown, blobs: Map<string, string>): unknown => {
    if (typeof value === 'string') {
      if (value.length < BLOB_MIN_CHARS) return value
      const prefixMatch = DATA_URL.exec(value)
      const head = prefixMatch?.[0] ?? ''
      const payload = value.slice(head.length)
      if (!BASE64.test(payload)) return value
      const sha = createHash('sha256').update(Buffer.from(payload, 'base64')).digest('hex')
      blobs.set(sha, payload)
      return { $llmkitBlob: sha, prefix: head } satisfies BlobRef
    }
    if (Array.isArray(value)) return value.map((v) => split(v, blobs))
    if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, split(v, blobs)]))
    return value
  }
  const refsOf = (value: unknown, out: Set<string>): Set<string> => {
    if (isBlobRef(value)) out.add(value.$llmkitBlob)
    else if (Array.isArray(value)) for (const v of value) refsOf(v, out)
    else if (typeof value === 'object' && value !== null) for (const v of Object.values(value)) refsOf(v, out)
    return out
  }
  const join = (value: unknown, blobs: Map<string, string>): unknown => {
    if (isBlobRef(value)) return value.prefix + blobs.get(value.$llmkitBlob)!
    if (Array.isArray(value)) return value.map((v) => join(v, blobs))
    if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, join(v, blobs)]))
    return value
  }

  return {
    async get(key) {
      await ready()
      const raw = await redis.get(entryKey(key))
      if (raw === null) return undefined
      const stored = JSON.parse(raw) as unknown
      const shas = [...refsOf(stored, new Set())]
      if (shas.length === 0) return stored
      const payloads = await redis.mget(...shas.map(blobKey))
      const blobs = new Map<string, string>()
      for (const [i, sha] of shas.entries()) {
        const payload = payloads[i]
        // A blob gone (evicted by Redis under memory pressure) makes the entry a miss.
        if (payload === null || payload === undefined) return undefined
        blobs.set(sha, payload)
      }
      return join(stored, blobs)
    },
    async set(key, value, ttl) {
      await ready()
      const ttlMs = ttl !== undefined && Number.isFinite(ttl) && ttl > 0 ? Math.ceil(ttl) : undefined
      const blobs = new Map<string, string>()
      const stored = JSON.stringify(split(value, blobs))
      const shas = [...blobs.keys()]
      // Blobs live at least as long as the entry; with no TTL they never expire.
      if (shas.length > 0) {
        const found = ttlMs === undefined ? await Promise.all(shas.map((sha) => redis.exists(blobKey(sha)))) : await redis.llmkitBlobTouch(shas.length, ...shas.map(blobKey), ttlMs)
        const tx = redis.multi()
        for (const [i, sha] of shas.entries()) {
          if (Number(found[i]) === 1 && ttlMs !== undefined) continue
          if (ttlMs === undefined) tx.set(blobKey(sha), blobs.get(sha)!)
          else tx.set(blobKey(sha), blobs.get(sha)!, 'PX', ttlMs, 'NX')
        }
        await tx.exec()
      }
      const full = entryKey(key)
      if (ttlMs === undefined) await redis.set(full, stored)
      else await redis.set(full, stored, 'PX', ttlMs)
      const bytes = Math.max(1, JSON.stringify(value).length)
      await redis.llmkitCacheIndex(indexKey, sizesKey, full, bytes, ttlMs === undefined ? Number.MAX_SAFE_INTEGER : Date.now() + ttlMs, maxEntries, maxBytes)
      return true
    },
    async delete(key) {
      await ready()
      const full = entryKey(key)
      const removed = await redis.del(full)
      await redis.multi().zrem(indexKey, full).hdel(sizesKey, full).exec()
      return removed > 0
    },
    async clear() {
      await ready()
      // Bounded: SCAN walks the keyspace once, in pages.
      let cursor = '0'
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}cache:*`, 'COUNT', 500)
        cursor = next
        if (keys.length > 0) await redis.del(...keys)
      } while (cursor !== '0')
      return true
    },
  }
}

/** Options of {@link redisJobJournal}. */
export interface RedisJournalOptions {
  /** How long finished records are kept, in milliseconds. @defaultValue 86400000 */
  retainMs?: number | undefined
}

function toRecord(key: string, fields: Record<string, string>): JournalRecord | undefined {
  if (fields['state'] === undefined || fields['intent'] === undefined) return undefined
  const intent = JSON.parse(fields['intent']) as JournalIntent
  return {
    ...intent,
    key,
    owner: fields['owner'] ?? intent.owner,
    state: fields['state'] as JournalRecord['state'],
    leaseUntil: Number(fields['leaseUntil'] ?? 0),
    jobId: fields['jobId'],
    result: fields['result'] === undefined ? undefined : (JSON.parse(fields['result']) as unknown),
    error: fields['error'],
    updatedAt: Number(fields['updatedAt'] ?? 0),
  }
}

function pairs(flat: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]!] = flat[i + 1]!
  return out
}

/**
 * A {@link JobJournal} on Redis, shared by every process: one hash per record, claims and
 * transitions in Lua (an intent is claimed atomically, with an owner and a lease), and a set of
 * pending keys for `resumeJobs()`.
 */
export function redisJobJournal(redis: ScriptedRedis, prefix: string, options: RedisJournalOptions = {}, ready: ReadyGate = alwaysReady): JobJournal {
  const retainMs = options.retainMs ?? 86_400_000
  const recordKey = (key: string) => `${prefix}journal:${key}`
  const pendingKey = `${prefix}journal:@pending`
  return {
    async claim(intent, leaseMs): Promise<JournalClaim> {
      await ready()
      const found = await redis.llmkitJournalClaim(recordKey(intent.key), pendingKey, JSON.stringify(intent), Math.ceil(leaseMs), intent.owner, intent.key)
      if (found === null) return { claimed: true }
      const record = toRecord(intent.key, pairs(found))
      if (record === undefined) throw new Error(`job journal record ${intent.key} is malformed`)
      return { claimed: false, record }
    },
    async accept(key, owner, jobId) {
      await ready()
      await redis.llmkitJournalAccept(recordKey(key), owner, jobId)
    },
    async finish(key, outcome) {
      await ready()
      if ('result' in outcome) await redis.llmkitJournalFinish(recordKey(key), pendingKey, 'succeeded', 'result', JSON.stringify(outcome.result ?? null), retainMs, key)
      else await redis.llmkitJournalFinish(recordKey(key), pendingKey, 'failed', 'error', outcome.error, retainMs, key)
    },
    async release(key, owner) {
      await ready()
      await redis.llmkitJournalRelease(recordKey(key), pendingKey, owner, key)
    },
    async get(key) {
      await ready()
      return toRecord(key, await redis.hgetall(recordKey(key)))
    },
    async pending() {
      await ready()
      const keys = await redis.smembers(pendingKey)
      const records: JournalRecord[] = []
      for (const key of keys) {
        const record = toRecord(key, await redis.hgetall(recordKey(key)))
        if (record !== undefined && (record.state === 'intent' || record.state === 'accepted')) records.push(record)
        else await redis.srem(pendingKey, key)
      }
      return records
    },
  }
}
