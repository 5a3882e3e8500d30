import { describe, expect, it, vi } from 'vitest'
import { AbortError } from '../errors.js'
import { fakeClient, fakePlugin } from './__fixtures__/fake.js'
import { concurrency } from './concurrency.js'
import { rateLimit, TokenBucket } from './rate-limit.js'

describe('concurrency', () => {
  it('keeps at most maxConcurrency provider calls in flight', async () => {
    let inFlight = 0
    let peak = 0
    const plugin = fakePlugin(async () => {
      inFlight++
      peak = Math.max(peak, inFlight)
      await new Promise((r) => setTimeout(r, 5))
      inFlight--
      return { images: [{ url: 'https://img.fake/a.png' }] }
    })
    const { client } = fakeClient([plugin], { concurrency: { maxConcurrency: 2 } })
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => client.generateImage({ model: 'one', prompt: `p${i}` })))
    expect(results).toHaveLength(6)
    expect(peak).toBe(2)
  })

  it('an abort while queued leaves the queue without calling the provider', async () => {
    let release: () => void = () => {}
    const plugin = fakePlugin(async (_req, _o, call) => {
      if (call === 1) await new Promise<void>((r) => (release = r))
      return { images: [{ url: 'https://img.fake/a.png' }] }
    })
    const { client } = fakeClient([plugin], { concurrency: { maxConcurrency: 1 } })
    const first = client.generateImage({ model: 'one', prompt: 'a' })
    const controller = new AbortController()
    const second = client.generateImage({ model: 'one', prompt: 'b' }, { signal: controller.signal })
    await vi.waitFor(() => expect(plugin.calls).toHaveLength(1))
    controller.abort()
    await expect(second).rejects.toBeInstanceOf(AbortError)
    release()
    await first
    expect(plugin.calls).toHaveLength(1)
  })

  it('rejects a bad maxConcurrency with a TypeError naming it', () => {
    expect(() => concurrency({ maxConcurrency: 0 })).toThrow(new TypeError('Expected `maxConcurrency` to be an integer of at least 1, got 0.'))
  })
})

describe('rateLimit', () => {
  it('lets a burst of `requests` through, then one per interval/requests', () => {
    const bucket = new TokenBucket({ requests: 2, intervalMs: 1_000 })
    expect([0, 0, 0, 0].map(() => bucket.reserve(0))).toEqual([0, 0, 500, 1_000])
    expect(bucket.reserve(5_000)).toBe(0)
  })

  it('paces a batch through the clock with no sleeps in user code', async () => {
    const plugin = fakePlugin()
    const { client, clock } = fakeClient([plugin], { rateLimit: { limits: { fake: { requests: 2, intervalMs: 60_000 } } } })
    for (let i = 0; i < 4; i++) await client.generateImage({ model: 'one', prompt: `p${i}` })
    // Two immediately, then the next two a whole interval after the first two: no 60 s window
    // ever holds more than 2 requests.
    expect(clock.sleeps).toEqual([60_000])
  })

  it("uses the plugin's documented rate limit when the user gives none", async () => {
    const plugin = fakePlugin(undefined, { rateLimit: { requests: 1, intervalMs: 1_000 } })
    const { client, clock } = fakeClient([plugin])
    await client.generateImage({ model: 'one', prompt: 'a' })
    await client.generateImage({ model: 'one', prompt: 'b' })
    expect(clock.sleeps).toEqual([1_000])
  })

  it('rejects a bad limit with a TypeError naming it', () => {
    expect(() => rateLimit({ limits: { fake: { requests: 0, intervalMs: 1 } } })).toThrow(new TypeError('Expected `limits.fake.requests` to be an integer of at least 1, got 0.'))
  })
})
