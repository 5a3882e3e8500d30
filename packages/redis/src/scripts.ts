import type { Redis } from 'ioredis'

/** Redis time in milliseconds, read inside a script so every process shares one clock. */
const NOW = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`

/**
 * The Lua scripts, as data. Each runs atomically in Redis, so concurrent processes never see a
 * half-applied change. ioredis sends them by SHA and reloads them after a Redis restart.
 */
export const SCRIPTS = Object.freeze({
  /**
   * Rate limit: KEYS = [slots list, blocked-until key]; ARGV = [requests (0: no limit), intervalMs].
   * The list holds the last `requests` slot times; the next slot is no earlier than `intervalMs`
   * after the slot `requests` places back, nor before "blocked until". Returns the wait in ms.
   */
  llmkitRateReserve: {
    numberOfKeys: 2,
    lua: `${NOW}
local slot = now
local blocked = tonumber(redis.call('GET', KEYS[2]) or '0')
if blocked > slot then slot = blocked end
local n = tonumber(ARGV[1])
if n > 0 then
  local interval = tonumber(ARGV[2])
  local len = redis.call('LLEN', KEYS[1])
  if len >= n then
    local prev = tonumber(redis.call('LINDEX', KEYS[1], len - n))
    if prev + interval > slot then slot = prev + interval end
  end
  redis.call('RPUSH', KEYS[1], string.format('%d', slot))
  redis.call('LTRIM', KEYS[1], -n, -1)
  redis.call('PEXPIRE', KEYS[1], slot - now + interval + 1000)
end
return slot - now`,
  },
  /** Rate limit hold: KEYS = [blocked-until key]; ARGV = [forMs]. Only ever moves the time later. */
  llmkitRateBlock: {
    numberOfKeys: 1,
    lua: `${NOW}
local forMs = tonumber(ARGV[1])
local untilMs = now + forMs
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if untilMs > current then redis.call('SET', KEYS[1], string.format('%d', untilMs), 'PX', math.floor(forMs) + 1000) end
return 1`,
  },
  /** Budget: KEYS = [spend]; ARGV = [amount, limit] in micro-dollars. Returns {ok, spend}. */
  llmkitBudgetReserve: {
    numberOfKeys: 1,
    lua: `local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local nextSpend = current + tonumber(ARGV[1])
if nextSpend > tonumber(ARGV[2]) then return {0, current} end
redis.call('SET', KEYS[1], string.format('%d', nextSpend))
return {1, nextSpend}`,
  },
  /** Budget: KEYS = [spend]; ARGV = [delta] in micro-dollars; never below zero. Returns the spend. */
  llmkitBudgetAdjust: {
    numberOfKeys: 1,
    lua: `local nextSpend = tonumber(redis.call('GET', KEYS[1]) or '0') + tonumber(ARGV[1])
if nextSpend < 0 then nextSpend = 0 end
redis.call('SET', KEYS[1], string.format('%d', nextSpend))
return nextSpend`,
  },
  /**
   * Cache blobs: KEYS = blob keys; ARGV = [ttlMs]. Extends each existing blob to at least ttlMs
   * and returns 1 for it, 0 for a missing one (the caller uploads those).
   */
  llmkitBlobTouch: {
    lua: `local ttl = tonumber(ARGV[1])
local found = {}
for i, key in ipairs(KEYS) do
  local left = redis.call('PTTL', key)
  if left == -2 then found[i] = 0 else
    if left >= 0 and left < ttl then redis.call('PEXPIRE', key, ttl) end
    found[i] = 1
  end
end
return found`,
  },
  /**
   * Cache bounds: KEYS = [index zset (score: expiry), sizes hash]; ARGV = [entry key, bytes,
   * expiresAt, maxEntries, maxBytes]. Forgets expired entries, records this one, then deletes
   * the entries closest to expiry until both bounds hold. Returns the evicted keys.
   */
  llmkitCacheIndex: {
    numberOfKeys: 2,
    lua: `${NOW}
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)
for _, key in ipairs(expired) do
  redis.call('ZREM', KEYS[1], key)
  redis.call('HDEL', KEYS[2], key)
end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
local maxEntries = tonumber(ARGV[4])
local maxBytes = tonumber(ARGV[5])
local total = 0
for _, size in ipairs(redis.call('HVALS', KEYS[2])) do total = total + tonumber(size) end
local evicted = {}
while redis.call('ZCARD', KEYS[1]) > 1 and (redis.call('ZCARD', KEYS[1]) > maxEntries or total > maxBytes) do
  local victim = redis.call('ZRANGE', KEYS[1], 0, 0)[1]
  total = total - tonumber(redis.call('HGET', KEYS[2], victim) or '0')
  redis.call('ZREM', KEYS[1], victim)
  redis.call('HDEL', KEYS[2], victim)
  redis.call('DEL', victim)
  evicted[#evicted + 1] = victim
end
return evicted`,
  },
  /**
   * Journal claim: KEYS = [record hash, pending set]; ARGV = [intent JSON, leaseMs, owner, key].
   * Writes the intent when the key is free, failed, or an intent whose lease ran out; otherwise
   * returns the record (HGETALL's flat list). Returns false (null) when claimed.
   */
  llmkitJournalClaim: {
    numberOfKeys: 2,
    lua: `${NOW}
local state = redis.call('HGET', KEYS[1], 'state')
if state then
  local lease = tonumber(redis.call('HGET', KEYS[1], 'leaseUntil') or '0')
  if not (state == 'failed' or (state == 'intent' and lease <= now)) then return redis.call('HGETALL', KEYS[1]) end
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'state', 'intent', 'owner', ARGV[3], 'leaseUntil', string.format('%d', now + tonumber(ARGV[2])), 'updatedAt', string.format('%d', now), 'intent', ARGV[1])
redis.call('SADD', KEYS[2], ARGV[4])
return false`,
  },
  /** Journal accept: KEYS = [record]; ARGV = [owner, jobId]. Only the owner's intent moves on. */
  llmkitJournalAccept: {
    numberOfKeys: 1,
    lua: `${NOW}
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'state', 'accepted', 'jobId', ARGV[2], 'updatedAt', string.format('%d', now))
return 1`,
  },
  /**
   * Journal finish: KEYS = [record, pending set]; ARGV = [state, field, value, retainMs, key].
   * Records the result or error (a recorded result stays), leaves the pending set, and expires after retainMs.
   */
  llmkitJournalFinish: {
    numberOfKeys: 2,
    lua: `${NOW}
local state = redis.call('HGET', KEYS[1], 'state')
if not state or state == 'succeeded' then return 0 end
redis.call('HSET', KEYS[1], 'state', ARGV[1], ARGV[2], ARGV[3], 'updatedAt', string.format('%d', now))
redis.call('SREM', KEYS[2], ARGV[5])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1`,
  },
  /** Journal release: KEYS = [record, pending set]; ARGV = [owner, key]. Frees the owner's unaccepted intent. */
  llmkitJournalRelease: {
    numberOfKeys: 2,
    lua: `if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] or redis.call('HGET', KEYS[1], 'state') ~= 'intent' then return 0 end
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[2])
return 1`,
  },
})

/** The scripts as ioredis methods (added by {@link defineScripts}). */
export interface ScriptCommands {
  llmkitRateReserve(slots: string, blocked: string, requests: number, intervalMs: number): Promise<number>
  llmkitRateBlock(blocked: string, forMs: number): Promise<number>
  llmkitBudgetReserve(key: string, amount: number, limit: number): Promise<[number, number]>
  llmkitBudgetAdjust(key: string, delta: number): Promise<number>
  llmkitBlobTouch(numberOfKeys: number, ...args: (string | number)[]): Promise<number[]>
  llmkitCacheIndex(index: string, sizes: string, entry: string, bytes: number, expiresAt: number, maxEntries: number, maxBytes: number): Promise<string[]>
  llmkitJournalClaim(record: string, pending: string, intent: string, leaseMs: number, owner: string, key: string): Promise<string[] | null>
  llmkitJournalAccept(record: string, owner: string, jobId: string): Promise<number>
  llmkitJournalFinish(record: string, pending: string, state: string, field: string, value: string, retainMs: number, key: string): Promise<number>
  llmkitJournalRelease(record: string, pending: string, owner: string, key: string): Promise<number>
}

/** A Redis connection with the llmkit scripts. */
export type ScriptedRedis = Redis & ScriptCommands

/** Adds the scripts to a connection (idempotent). */
export function defineScripts(redis: Redis): ScriptedRedis {
  const scripted = redis as ScriptedRedis
  // A script without numberOfKeys takes the key count as its first argument (variadic keys).
  for (const [name, definition] of Object.entries(SCRIPTS) as [string, { lua: string; numberOfKeys?: number }][]) {
    if (typeof (scripted as unknown as Record<string, unknown>)[name] !== 'function') redis.defineCommand(name, definition)
  }
  return scripted
}
