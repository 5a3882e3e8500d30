import nock from 'nock'
import { describe, expect, it } from 'vitest'
import { useNock } from '../../../../test/nock.js'
import { LLMKitError } from '../errors.js'
import type { ProviderPlugin, RateLimit } from '../registry/plugin.js'
import { FakeClock, fakeClient, fakePlugin } from './__fixtures__/fake.js'
import { createMemoryRateLimitStore, parseResetDuration, providerHoldMs, type RateLimitStore, rateLimitBucket, RateLimiter } from './rate-limit.js'

useNock()

/** A plugin whose provider sends one real HTTP request per image through the core (so the registry sees every answer). */
function httpPlugin(extra: Partial<ProviderPlugin> = {}): ProviderPlugin {
  return fakePlugin(undefined, {
    defaultBaseUrl: 'https://rl.fake.test',
    create: (ctx) => ({
      generate: async (req, options) => {
        const res = await ctx.http.request({ method: 'POST', path: '/gen', json: { prompt: req.prompt }, signal: options.signal, model: req.modelId })
        return { images: [{ url: String((res.json() as { url: string }).url) }] }
      },
    }),
    ...extra,
  })
}

describe('memory rate-limit store', () => {
  it('hands out at most `requests` slots per window: a burst, then the next ones one interval after the burst', async () => {
    const clock = new FakeClock()
    const store = createMemoryRateLimitStore(clock)
    const limit: RateLimit = { requests: 2, intervalMs: 1_000 }
    const waits = []
    for (let i = 0; i < 6; i++) waits.push(await store.reserve('p', limit))
    expect(waits).toEqual([0, 0, 1_000, 1_000, 2_000, 2_000])
    clock.current += 10_000
    expect(await store.reserve('p', limit)).toBe(0)
    expect(await store.reserve('other', limit)).toBe(0)
  })

  it('a block holds every later slot of its bucket (also with no limit), and never shortens an earlier block', async () => {
    const clock = new FakeClock()
    const store = createMemoryRateLimitStore(clock)
    await store.block('p', 5_000)
    await store.block('p', 1_000)
    expect(await store.reserve('p', undefined)).toBe(5_000)
    expect(await store.reserve('p', { requests: 10, intervalMs: 1_000 })).toBe(5_000)
    expect(await store.reserve('q', undefined)).toBe(0)
  })
})

describe('rate limit: reading provider hints', () => {
  it('parses reset durations in the forms providers send', () => {
    expect(parseResetDuration('1s')).toBe(1_000)
    expect(parseResetDuration('6m0s')).toBe(360_000)
    expect(parseResetDuration('20ms')).toBe(20)
    expect(parseResetDuration('1h2m3.5s')).toBe(3_723_500)
    expect(parseResetDuration('12')).toBe(12_000)
    expect(parseResetDuration(String(1_700_000_030), 1_700_000_000_000)).toBe(30_000)
    expect(parseResetDuration('soon')).toBeUndefined()
    expect(parseResetDuration('')).toBeUndefined()
    expect(parseResetDuration(undefined)).toBeUndefined()
  })

  it("holds for a 429's Retry-After, or an exhausted x-ratelimit-remaining-* until its reset (capped at 60 s)", () => {
    expect(providerHoldMs(429, { 'retry-after': '3' })).toBe(3_000)
    expect(providerHoldMs(200, { 'retry-after': '3' })).toBeUndefined()
    expect(providerHoldMs(200, { 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '1.5s' })).toBe(1_500)
    expect(providerHoldMs(200, { 'x-ratelimit-remaining-requests': '3', 'x-ratelimit-reset-requests': '1.5s' })).toBeUndefined()
    expect(providerHoldMs(200, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '2' })).toBe(2_000)
    expect(providerHoldMs(200, { 'ratelimit-remaining': '0', 'ratelimit-reset': '6m0s' })).toBe(60_000)
    expect(providerHoldMs(429, { 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '7s' })).toBe(7_000)
  })
})

describe('rate limit middleware', () => {
  it('an exhausted x-ratelimit-remaining-requests seen by one client holds another client sharing the store', async () => {
    const clock = new FakeClock()
    const store = createMemoryRateLimitStore(clock)
    nock('https://rl.fake.test').post('/gen').reply(200, { url: 'https://img.fake/a.png' }, { 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '20s' })
    nock('https://rl.fake.test').post('/gen').reply(200, { url: 'https://img.fake/b.png' })
    const a = fakeClient([httpPlugin()], { clock, rateLimit: { store } })
    const b = fakeClient([httpPlugin()], { clock, rateLimit: { store } })
    await a.client.generateImage({ model: 'one', prompt: 'first' })
    await b.client.generateImage({ model: 'one', prompt: 'second' })
    expect(clock.sleeps).toEqual([20_000])
  })

  it("a 429's Retry-After seen by one client holds the other client, which never saw it", async () => {
    const clock = new FakeClock()
    const store = createMemoryRateLimitStore(clock)
    nock('https://rl.fake.test').post('/gen').reply(429, { error: { message: 'slow down' } }, { 'retry-after': '3' })
    nock('https://rl.fake.test').post('/gen').reply(200, { url: 'https://img.fake/b.png' })
    const a = fakeClient([httpPlugin()], { clock, rateLimit: { store }, retry: false })
    const b = fakeClient([httpPlugin()], { clock, rateLimit: { store } })
    await expect(a.client.generateImage({ model: 'one', prompt: 'first' })).rejects.toMatchObject({ status: 429 })
    await b.client.generateImage({ model: 'one', prompt: 'second' })
    expect(clock.sleeps).toEqual([3_000])
  })

  it('keys buckets by provider and a one-way hash of the API key: never the key, and other keys are not held', async () => {
    const seen: string[] = []
    const inner = createMemoryRateLimitStore(new FakeClock())
    const store: RateLimitStore = {
      reserve: (bucket, limit) => {
        seen.push(bucket)
        return inner.reserve(bucket, limit)
      },
      block: (bucket, ms) => inner.block(bucket, ms),
    }
    const plugin = fakePlugin()
    const one = fakeClient([plugin], { rateLimit: { store, limits: { fake: { requests: 1, intervalMs: 60_000 } } }, apiKeys: { fake: 'sk-key-one-0123456789' } })
    const two = fakeClient([plugin], { rateLimit: { store, limits: { fake: { requests: 1, intervalMs: 60_000 } } }, apiKeys: { fake: 'sk-key-two-0123456789' } })
    await one.client.generateImage({ model: 'one', prompt: 'a' })
    await two.client.generateImage({ model: 'one', prompt: 'b' })
    expect(one.clock.sleeps).toEqual([])
    expect(two.clock.sleeps).toEqual([])
    expect(seen).toEqual([rateLimitBucket('fake', 'sk-key-one-0123456789'), rateLimitBucket('fake', 'sk-key-two-0123456789')])
    expect(seen[0]).toMatch(/^fake:[0-9a-f]{16}$/)
    expect(seen[0]).not.toBe(seen[1])
    expect(seen.join()).not.toContain('key-one')
  })

  it('fails open by default when the store fails: the call goes through, and the failure is logged', async () => {
    const store: RateLimitStore = { reserve: () => Promise.reject(new Error('ECONNREFUSED')), block: () => Promise.resolve() }
    const plugin = fakePlugin()
    const { client, logger } = fakeClient([plugin], { rateLimit: { store, limits: { fake: { requests: 1, intervalMs: 1_000 } } } })
    await client.generateImage({ model: 'one', prompt: 'a' })
    expect(plugin.calls).toHaveLength(1)
    expect(logger.events.find((e) => e.obj['event'] === 'rateLimit.store_error')?.obj).toMatchObject({ policy: 'open', error: 'Error: ECONNREFUSED' })
  })

  it("fails closed with onStoreError: 'closed': a retryable LLMKitError saying what to do, and no provider call", async () => {
    const store: RateLimitStore = { reserve: () => Promise.reject(new Error('ECONNREFUSED')), block: () => Promise.resolve() }
    const plugin = fakePlugin()
    const { client } = fakeClient([plugin], { retry: false, rateLimit: { store, onStoreError: 'closed', limits: { fake: { requests: 1, intervalMs: 1_000 } } } })
    const error = await client.generateImage({ model: 'one', prompt: 'a' }).catch((e: unknown) => e)
    expect(LLMKitError.isInstance(error) && error.retryable).toBe(true)
    expect((error as Error).message).toContain("onStoreError is 'closed'; fix the store or pass onStoreError: 'open'")
    expect(plugin.calls).toHaveLength(0)
  })

  it('rejects bad options with a TypeError naming them', () => {
    expect(() => new RateLimiter({ marginMs: -1 })).toThrow(new TypeError('Expected `marginMs` to be a finite number of at least 0, got -1.'))
    expect(() => new RateLimiter({ onStoreError: 'maybe' as never })).toThrow(new TypeError("Expected `onStoreError` to be 'open' or 'closed', got maybe."))
    expect(() => new RateLimiter({ store: {} as never })).toThrow(new TypeError('Expected `store` to have reserve() and block() methods (a RateLimitStore).'))
  })

  it('adds marginMs to every interval', async () => {
    const plugin = fakePlugin()
    const { client, clock } = fakeClient([plugin], { rateLimit: { marginMs: 250, limits: { fake: { requests: 1, intervalMs: 1_000 } } } })
    await client.generateImage({ model: 'one', prompt: 'a' })
    await client.generateImage({ model: 'one', prompt: 'b' })
    expect(clock.sleeps).toEqual([1_250])
  })
})
