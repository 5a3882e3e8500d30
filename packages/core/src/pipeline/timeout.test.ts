import { afterEach, describe, expect, it, vi } from 'vitest'
import { AbortError, TimeoutError } from '../errors.js'
import { fakeClient, fakePlugin } from './__fixtures__/fake.js'
import { attemptTimeout, totalTimeout } from './timeout.js'

/** A provider call that only ends when its signal aborts (a hung connection). */
const hang = (signal: AbortSignal) =>
  new Promise<never>((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }))

afterEach(() => {
  vi.useRealTimers()
})

describe('timeouts', () => {
  it('a hung attempt times out, is retried, and the retry succeeds', async () => {
    vi.useFakeTimers()
    const plugin = fakePlugin(async (_req, options, call) => (call === 1 ? hang(options.signal) : { images: [{ url: 'https://img.fake/a.png' }] }))
    const { client } = fakeClient([plugin], { timeout: { attemptTimeoutMs: 1_000 } })
    const pending = client.generateImage({ model: 'one', prompt: 'cat' })
    await vi.advanceTimersByTimeAsync(1_000)
    const res = await pending
    expect(res.count).toBe(1)
    expect(plugin.calls).toHaveLength(2)
  })

  it('the total timeout is final and cuts retries short', async () => {
    vi.useFakeTimers()
    const plugin = fakePlugin(async (_req, options) => hang(options.signal))
    const { client } = fakeClient([plugin], { timeout: { attemptTimeoutMs: 1_000, totalTimeoutMs: 2_500 }, retry: { maxRetries: 10 } })
    const pending = client.generateImage({ model: 'one', prompt: 'cat' }).catch((e: unknown) => e)
    await vi.advanceTimersByTimeAsync(2_500)
    const error = await pending
    expect(error).toBeInstanceOf(TimeoutError)
    expect(error).toMatchObject({ retryable: false, message: 'fake one: the generation did not finish within 2500 ms' })
    expect(plugin.calls.length).toBeGreaterThanOrEqual(2)
  })

  it('the caller abort wins over a timeout and is an AbortError', async () => {
    const plugin = fakePlugin(async (_req, options) => hang(options.signal))
    const { client } = fakeClient([plugin])
    const controller = new AbortController()
    const pending = client.generateImage({ model: 'one', prompt: 'cat' }, { signal: controller.signal })
    await vi.waitFor(() => expect(plugin.calls).toHaveLength(1))
    controller.abort()
    await expect(pending).rejects.toBeInstanceOf(AbortError)
    expect(plugin.calls).toHaveLength(1)
  })

  it('a provider that ignores its signal still cannot hold the caller past the deadline', async () => {
    vi.useFakeTimers()
    const plugin = fakePlugin(async () => new Promise<never>(() => {}))
    const { client } = fakeClient([plugin], { timeout: { attemptTimeoutMs: 500 }, retry: { maxRetries: 0 } })
    const pending = client.generateImage({ model: 'one', prompt: 'cat' }).catch((e: unknown) => e)
    // The deadline, plus the 50 ms a cut-short call gets to report whether its request was sent.
    await vi.advanceTimersByTimeAsync(550)
    expect(await pending).toMatchObject({ code: 'LLMKIT_TIMEOUT', retryable: true })
  })

  it.each([
    [() => attemptTimeout({ attemptTimeoutMs: 0 }), 'Expected `attemptTimeoutMs` to be a number of at least 1, got 0.'],
    [() => totalTimeout({ totalTimeoutMs: -5 }), 'Expected `totalTimeoutMs` to be a number of at least 1, got -5.'],
  ])('rejects bad options with a TypeError naming the option', (make, message) => {
    expect(make).toThrow(new TypeError(message))
  })
})
