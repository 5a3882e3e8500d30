import Keyv from 'keyv'
import { describe, expect, it } from 'vitest'
import { AbortError, ProviderError } from '../errors.js'
import { fakeClient, fakePlugin } from './__fixtures__/fake.js'
import { cache, type CacheStore, createMemoryCacheStore } from './cache.js'

/** The 8-byte PNG signature: output checks let only image bytes through. */
const b64 = (req: { n: number }) => ({ images: Array.from({ length: req.n }, () => ({ b64: 'iVBORw0KGgo=' })) })

describe('cache', () => {
  it('misses, then hits on the same normalized request (no second provider call)', async () => {
    const plugin = fakePlugin()
    const { client, logger } = fakeClient([plugin], { cache: true })
    const first = await client.generateImage({ model: 'one', prompt: 'cat', seed: 7 })
    const second = await client.generateImage({ model: 'one', prompt: 'cat', seed: 7 })
    expect(plugin.calls).toHaveLength(1)
    expect([first.cached, second.cached]).toEqual([false, true])
    expect(second.images.map((i) => i.toJSON())).toEqual(first.images.map((i) => i.toJSON()))
    expect(second.images[0]?.expiresAt).toEqual(first.images[0]?.expiresAt)
    expect(logger.events.filter((e) => String(e.obj['event']).startsWith('cache.')).map((e) => e.obj['event'])).toEqual(['cache.miss', 'cache.hit'])
  })

  it('keys on every setting: a different prompt, seed, n or format misses', async () => {
    const plugin = fakePlugin(async (req) => b64(req))
    const { client } = fakeClient([plugin], { cache: true })
    await client.generateImage({ model: 'one', prompt: 'cat' })
    await client.generateImage({ model: 'one', prompt: 'dog' })
    await client.generateImage({ model: 'one', prompt: 'cat', seed: 1 })
    await client.generateImage({ model: 'many', prompt: 'cat', n: 2 })
    await client.generateImage({ model: 'one', prompt: 'cat', format: 'b64_json' })
    expect(plugin.calls).toHaveLength(5)
  })

  it('never puts the API key in a key: two clients with different keys share a store entry', async () => {
    const store = createMemoryCacheStore()
    const a = fakePlugin()
    const b = fakePlugin()
    const { client: first } = fakeClient([a], { cache: { store }, apiKeys: { fake: 'sk-key-one-aaaaaaaaaa' } })
    const { client: second } = fakeClient([b], { cache: { store }, apiKeys: { fake: 'sk-key-two-bbbbbbbbbb' } })
    await first.generateImage({ model: 'one', prompt: 'cat' })
    await second.generateImage({ model: 'one', prompt: 'cat' })
    expect([a.calls.length, b.calls.length]).toEqual([1, 0])
  })

  it('stores only successes', async () => {
    const plugin = fakePlugin(async (req, _o, call) => {
      if (call === 1) throw new ProviderError('down', { status: 400, retryable: false })
      return b64(req)
    })
    const { client } = fakeClient([plugin], { cache: true })
    await expect(client.generateImage({ model: 'one', prompt: 'cat' })).rejects.toThrow('down')
    await client.generateImage({ model: 'one', prompt: 'cat' })
    await client.generateImage({ model: 'one', prompt: 'cat' })
    expect(plugin.calls).toHaveLength(2)
  })

  it('expires entries after ttlMs', async () => {
    const plugin = fakePlugin(async (req) => b64(req))
    const { client, clock, logger } = fakeClient([plugin], { cache: { ttlMs: 10_000 } })
    await client.generateImage({ model: 'one', prompt: 'cat' })
    clock.current += 10_001
    await client.generateImage({ model: 'one', prompt: 'cat' })
    expect(plugin.calls).toHaveLength(2)
    expect(logger.events.map((e) => e.obj['event']).filter((e) => String(e).startsWith('cache.'))).toEqual(['cache.miss', 'cache.expired', 'cache.miss'])
  })

  it('never serves provider URLs past their expiry (minus a 5-minute margin), and skips URLs about to expire', async () => {
    let lifetimeMs = 3_600_000
    const plugin = fakePlugin(async () => ({ images: [{ url: 'https://img.fake/a.png', expiresAt: new Date(clockRef.now() + lifetimeMs) }] }))
    const { client, clock } = fakeClient([plugin], { cache: { ttlMs: 86_400_000 } })
    const clockRef = clock
    await client.generateImage({ model: 'one', prompt: 'cat' })
    clock.current += 3_600_000 - 300_000 - 1
    await client.generateImage({ model: 'one', prompt: 'cat' })
    expect(plugin.calls).toHaveLength(1)
    clock.current += 2
    lifetimeMs = 60_000
    await client.generateImage({ model: 'one', prompt: 'cat' })
    await client.generateImage({ model: 'one', prompt: 'cat' })
    expect(plugin.calls).toHaveLength(3)
  })

  it('shares one in-flight call between concurrent identical requests', async () => {
    let release: () => void = () => {}
    const plugin = fakePlugin(async (req) => {
      await new Promise<void>((r) => (release = r))
      return b64(req)
    })
    const { client } = fakeClient([plugin], { cache: true })
    const all = Promise.all([1, 2, 3].map(() => client.generateImage({ model: 'one', prompt: 'cat' })))
    await new Promise((r) => setTimeout(r, 5))
    release()
    const results = await all
    expect(plugin.calls).toHaveLength(1)
    expect(results.map((r) => r.count)).toEqual([1, 1, 1])
  })

  it("a waiter is not failed by the first caller's abort: it makes its own call", async () => {
    const plugin = fakePlugin(async (req, options, call) => {
      if (call === 1) return new Promise((_r, reject) => options.signal.addEventListener('abort', () => reject(options.signal.reason), { once: true }))
      return b64(req)
    })
    const { client } = fakeClient([plugin], { cache: true })
    const controller = new AbortController()
    const first = client.generateImage({ model: 'one', prompt: 'cat' }, { signal: controller.signal })
    await new Promise((r) => setTimeout(r, 5))
    const second = client.generateImage({ model: 'one', prompt: 'cat' })
    await new Promise((r) => setTimeout(r, 5))
    controller.abort()
    await expect(first).rejects.toBeInstanceOf(AbortError)
    expect((await second).count).toBe(1)
    expect(plugin.calls).toHaveLength(2)
  })

  it('bounds the in-memory store by entries (LRU)', async () => {
    const plugin = fakePlugin(async (req) => b64(req))
    const { client } = fakeClient([plugin], { cache: { maxEntries: 2 } })
    for (const prompt of ['a', 'b', 'c', 'a']) await client.generateImage({ model: 'one', prompt })
    expect(plugin.calls.map((c) => c.prompt)).toEqual(['a', 'b', 'c', 'a'])
  })

  it('bounds the in-memory store by bytes', async () => {
    const store = createMemoryCacheStore({ maxBytes: 50 })
    await store.set('small', { a: 1 })
    await store.set('big', { a: 'x'.repeat(100) })
    expect([await store.get('small'), await store.get('big')]).toEqual([{ a: 1 }, undefined])
  })

  it('takes a Keyv instance as its store', async () => {
    const keyv = new Keyv()
    const plugin = fakePlugin(async (req) => b64(req))
    const { client } = fakeClient([plugin], { cache: { store: keyv satisfies CacheStore } })
    await client.generateImage({ model: 'one', prompt: 'cat' })
    await client.generateImage({ model: 'one', prompt: 'cat' })
    expect(plugin.calls).toHaveLength(1)
  })

  it('a failing store costs a miss, never the generation', async () => {
    const broken: CacheStore = {
      get: () => Promise.reject(new Error('redis down')),
      set: () => Promise.reject(new Error('redis down')),
      delete: () => undefined,
      clear: () => undefined,
    }
    const { client } = fakeClient([fakePlugin()], { cache: { store: broken } })
    expect((await client.generateImage({ model: 'one', prompt: 'cat' })).count).toBe(1)
  })

  it('rejects a store without the Keyv methods', () => {
    expect(() => cache({ store: { get() {} } as never })).toThrow(new TypeError('Expected `store` to have a set() method (the Keyv store shape).'))
    expect(() => cache({ ttlMs: 0 })).toThrow(new TypeError('Expected `ttlMs` to be a finite number of at least 1, got 0.'))
  })
})
