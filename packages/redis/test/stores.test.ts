import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { JournalIntent } from '@llmkit/core'
import { createRedisState, type RedisState } from '../src/index.js'
import { type RedisServer, startRedisServer } from './redis-server.js'

let server: RedisServer
const states: RedisState[] = []
let n = 0

/** A fresh prefix per test, so tests never see each other's keys. */
function state(prefix = `t${++n}:`, options: Parameters<typeof createRedisState>[0] = {}): RedisState {
  const s = createRedisState({ url: server.url, prefix, ...options })
  states.push(s)
  return s
}

beforeAll(async () => {
  server = await startRedisServer()
})

afterAll(async () => {
  await Promise.all(states.map((s) => s.close()))
  await server.close()
})

/** A PNG-sized base64 payload unique to `seed`. */
function imageBase64(seed: number, bytes = 6_000): string {
  const buffer = Buffer.alloc(bytes)
  for (let i = 0; i < bytes; i++) buffer[i] = (i * 31 + seed * 17) % 251
  return buffer.toString('base64')
}

describe('redis rate-limit store', () => {
  it('never hands out more than `requests` slots in any window, across connections reserving at once', async () => {
    const prefix = `rl${++n}:`
    const a = state(prefix)
    const b = state(prefix)
    const limit = { requests: 3, intervalMs: 400 }
    const t0 = Date.now()
    const waits = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? a : b).rateLimitStore.reserve('openai:abc', limit)))
    // Slots are relative waits from (about) the same instant: sorted, any slot and the one three
    // places later are at least one interval apart.
    const slots = waits.map((w) => w).sort((x, y) => x - y)
    for (let i = 0; i + limit.requests < slots.length; i++) expect(slots[i + limit.requests]! - slots[i]!).toBeGreaterThanOrEqual(limit.intervalMs - (Date.now() - t0))
    expect(slots.slice(0, 3)).toEqual([0, 0, 0])
    expect(slots[11]).toBeGreaterThanOrEqual(3 * limit.intervalMs - (Date.now() - t0))
  })

  it('a hold written by one process delays every process, even for a provider with no declared limit', async () => {
    const prefix = `rl${++n}:`
    const a = state(prefix)
    const b = state(prefix)
    await a.rateLimitStore.block('fal:k1', 2_000)
    const wait = await b.rateLimitStore.reserve('fal:k1', undefined)
    expect(wait).toBeGreaterThan(1_500)
    expect(wait).toBeLessThanOrEqual(2_000)
    // Another key's bucket is not held.
    expect(await b.rateLimitStore.reserve('fal:k2', undefined)).toBe(0)
    // A shorter hold never shortens a longer one.
    await b.rateLimitStore.block('fal:k1', 10)
    expect(await a.rateLimitStore.reserve('fal:k1', { requests: 5, intervalMs: 1_000 })).toBeGreaterThan(1_500)
  })
})

describe('redis budget store', () => {
  it('reserves atomically: 40 concurrent $0.04 reservations against $1 let exactly 25 through', async () => {
    const prefix = `b${++n}:`
    const stores = [state(prefix).budgetStore, state(prefix).budgetStore]
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => stores[i % 2]!.reserve('team', 0.04, 1)))
    expect(results.filter((r) => r.ok)).toHaveLength(25)
    expect(await stores[0]!.spent('team')).toBe(1)
    expect(results.filter((r) => !r.ok).every((r) => r.spentUsd === 1)).toBe(true)
  })

  it('adjusts by refunds without going below zero, and resets', async () => {
    const store = state().budgetStore
    expect(await store.reserve('b', 0.3, 1)).toEqual({ ok: true, spentUsd: 0.3 })
    expect(await store.adjust('b', -0.1)).toBe(0.2)
    expect(await store.adjust('b', -5)).toBe(0)
    await store.adjust('b', 0.123456)
    expect(await store.spent('b')).toBe(0.123456)
    await store.reset('b')
    expect(await store.spent('b')).toBe(0)
    expect(await store.spent('never-used')).toBe(0)
  })

  it('rejects a non-finite amount with a TypeError before touching Redis', async () => {
    await expect(state().budgetStore.reserve('b', Number.NaN, 1)).rejects.toThrow(new TypeError('Expected `amountUsd` to be a finite number of US dollars, got NaN.'))
  })
})

describe('redis cache store', () => {
  const entry = (b64: string, extra = {}) => ({ v: 1, expiresAt: Date.now() + 60_000, images: [{ b64_json: b64, url: `data:image/png;base64,${b64}`, ...extra }], warnings: [] })

  it('stores an image once by content hash however many entries and fields hold it, and returns the entries whole', async () => {
    const s = state()
    const b64 = imageBase64(1)
    const first = entry(b64)
    await s.cacheStore.set('llmkit:k1', first, 60_000)
    await s.cacheStore.set('llmkit:k2', entry(b64, { seed: 2 }), 60_000)
    const blobs = await s.redis.keys(`t${n}:blob:*`)
    expect(blobs).toHaveLength(1)
    expect(await s.redis.strlen(blobs[0]!)).toBe(b64.length)
    // The entries hold references, not the bytes.
    expect(await s.redis.strlen(`t${n}:cache:llmkit:k1`)).toBeLessThan(500)
    expect(await s.cacheStore.get('llmkit:k1')).toEqual(first)
    expect(await s.cacheStore.get('llmkit:k2')).toMatchObject({ images: [{ b64_json: b64, url: `data:image/png;base64,${b64}`, seed: 2 }] })
  })

  it("extends a shared blob's TTL to the longest entry that references it", async () => {
    const s = state()
    const b64 = imageBase64(2)
    await s.cacheStore.set('a', entry(b64), 5_000)
    const [blob] = await s.redis.keys(`t${n}:blob:*`)
    expect(await s.redis.pttl(blob!)).toBeLessThanOrEqual(5_000)
    await s.cacheStore.set('b', entry(b64), 60_000)
    expect(await s.redis.pttl(blob!)).toBeGreaterThan(50_000)
    expect(await s.redis.pttl(`t${n}:cache:a`)).toBeLessThanOrEqual(5_000)
  })

  it('is a miss when a referenced blob is gone, never a broken entry', async () => {
    const s = state()
    await s.cacheStore.set('a', entry(imageBase64(3)), 60_000)
    await s.redis.del(...(await s.redis.keys(`t${n}:blob:*`)))
    expect(await s.cacheStore.get('a')).toBeUndefined()
  })

  it('keeps the same bounds as the in-memory store: maxEntries and maxBytes', async () => {
    const s = state(undefined, { cache: { maxEntries: 2 } })
    for (const key of ['a', 'b', 'c']) await s.cacheStore.set(key, { v: 1, key }, 60_000 + key.charCodeAt(0))
    expect(await s.cacheStore.get('a')).toBeUndefined()
    expect(await s.cacheStore.get('b')).toEqual({ v: 1, key: 'b' })
    expect(await s.cacheStore.get('c')).toEqual({ v: 1, key: 'c' })

    const small = state(undefined, { cache: { maxBytes: 20_000 } })
    await small.cacheStore.set('x', entry(imageBase64(4)), 60_000)
    await small.cacheStore.set('y', entry(imageBase64(5)), 61_000)
    expect(await small.cacheStore.get('x')).toBeUndefined()
    expect(await small.cacheStore.get('y')).toBeDefined()
  })

  it('deletes and clears only its own prefix', async () => {
    const s = state()
    const other = state()
    await s.cacheStore.set('a', { v: 1 }, 60_000)
    await s.cacheStore.set('b', { v: 1 }, 60_000)
    await other.cacheStore.set('a', { v: 2 }, 60_000)
    expect(await s.cacheStore.delete('a')).toBe(true)
    expect(await s.cacheStore.get('a')).toBeUndefined()
    await s.cacheStore.clear()
    expect(await s.cacheStore.get('b')).toBeUndefined()
    expect(await other.cacheStore.get('a')).toEqual({ v: 2 })
  })
})

describe('redis job journal', () => {
  const intent = (key: string, owner: string): JournalIntent => ({ key, callKey: key, owner, provider: 'fal', model: 'flux-dev', request: { model: 'flux-dev', prompt: 'a fox', n: 1 }, jobTimeoutMs: 5_000 })

  it('lets exactly one of many concurrent owners claim a key; the others see its record', async () => {
    const prefix = `j${++n}:`
    const journals = [state(prefix).jobJournal, state(prefix).jobJournal]
    const claims = await Promise.all(Array.from({ length: 10 }, (_, i) => journals[i % 2]!.claim(intent('k', `owner-${i}`), 60_000)))
    expect(claims.filter((c) => c.claimed)).toHaveLength(1)
    for (const c of claims) if (!c.claimed) expect(c.record).toMatchObject({ key: 'k', state: 'intent', provider: 'fal', request: { prompt: 'a fox' } })
  })

  it('walks intent → accepted → succeeded, and only the owner moves its intent on', async () => {
    const journal = state().jobJournal
    expect(await journal.claim(intent('k', 'me'), 60_000)).toEqual({ claimed: true })
    await journal.accept('k', 'someone-else', 'job-x')
    expect(await journal.get('k')).toMatchObject({ state: 'intent', jobId: undefined })
    await journal.accept('k', 'me', 'job-1')
    expect(await journal.pending()).toEqual([expect.objectContaining({ key: 'k', state: 'accepted', jobId: 'job-1', jobTimeoutMs: 5_000 })])
    const again = await journal.claim(intent('k', 'other'), 60_000)
    expect(again).toMatchObject({ claimed: false, record: { state: 'accepted', jobId: 'job-1' } })
    await journal.finish('k', { result: { images: [{ url: 'https://x/y.png' }] } })
    expect(await journal.get('k')).toMatchObject({ state: 'succeeded', result: { images: [{ url: 'https://x/y.png' }] } })
    expect(await journal.pending()).toEqual([])
  })

  it('frees a key whose submit failed, and lets a new owner take a failed key or an expired lease', async () => {
    const journal = state().jobJournal
    await journal.claim(intent('k', 'a'), 60_000)
    await journal.release('k', 'a')
    expect(await journal.get('k')).toBeUndefined()
    await journal.claim(intent('k', 'b'), 1)
    await new Promise((r) => setTimeout(r, 20))
    expect(await journal.claim(intent('k', 'c'), 60_000)).toEqual({ claimed: true })
    await journal.accept('k', 'c', 'job-2')
    await journal.finish('k', { error: 'failed at the provider' })
    expect(await journal.claim(intent('k', 'd'), 60_000)).toEqual({ claimed: true })
  })
})

describe('faults', () => {
  it('a stopped Redis fails each command within commandTimeoutMs; after a restart the same state works again (scripts reloaded)', async () => {
    const own = await startRedisServer()
    const s = createRedisState({ url: own.url, prefix: 'f:', commandTimeoutMs: 300, connectTimeoutMs: 300 })
    try {
      expect(await s.rateLimitStore.reserve('p', { requests: 1, intervalMs: 10 })).toBe(0)
      await own.stop()
      const started = Date.now()
      await expect(s.rateLimitStore.reserve('p', { requests: 1, intervalMs: 10 })).rejects.toThrow()
      await expect(s.budgetStore.reserve('b', 1, 2)).rejects.toThrow()
      expect(Date.now() - started).toBeLessThan(5_000)
      await own.start()
      // ioredis reconnects on its own; the restarted server has no scripts cached (NOSCRIPT → EVAL).
      await expect.poll(() => s.budgetStore.reserve('b', 1, 2).catch(() => undefined), { timeout: 10_000, interval: 200 }).toEqual({ ok: true, spentUsd: 1 })
      expect(await s.rateLimitStore.reserve('p', undefined)).toBe(0)
    } finally {
      await s.close()
      await own.close()
    }
  })
})

describe('createRedisState', () => {
  it('rejects bad options with a TypeError naming them, before connecting', () => {
    expect(() => createRedisState({ url: 'not a url' })).toThrow(new TypeError('Expected `url` to be a Redis URL such as redis://127.0.0.1:6379, got "not a url".'))
    expect(() => createRedisState({ url: 'http://127.0.0.1:6379' })).toThrow(new TypeError('Expected `url` to start with redis:// or rediss://, got http://.'))
    expect(() => createRedisState({ url: server.url, commandTimeoutMs: 0 })).toThrow(new TypeError('Expected `commandTimeoutMs` to be a positive number of milliseconds, got 0.'))
  })

  it('with no server, ready() and every store call fail within connectTimeoutMs instead of hanging', async () => {
    const own = await startRedisServer()
    await own.close()
    const s = createRedisState({ url: own.url, connectTimeoutMs: 200, commandTimeoutMs: 200 })
    try {
      const started = Date.now()
      await expect(s.ready()).rejects.toThrow(`Redis at 127.0.0.1:${own.port} was not ready within 200 ms`)
      await expect(s.cacheStore.get('k')).rejects.toThrow()
      await expect(s.jobJournal.pending()).rejects.toThrow()
      expect(Date.now() - started).toBeLessThan(5_000)
    } finally {
      await s.close()
    }
  })
})
