import { afterEach, describe, expect, it, vi } from 'vitest'
import { AbortError, TimeoutError } from '../errors.js'
import { fakeClient, fakePlugin } from './__fixtures__/fake.js'
import { systemClock } from '../logger.js'
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

  describe('async models: the attempt deadline bounds the submit only', () => {
    const asyncModel = { id: 'slow', wireId: 'slow', mode: 'async', maxImagesPerCall: 1, sizes: { kind: 'list', values: ['1024x1024'] }, qualities: [], styles: [], negativePrompt: false, seed: null, formats: ['url'] } as const
    function asyncPlugin(submit: (signal: AbortSignal, call: number) => Promise<{ id: string }>, polls: () => Promise<{ state: 'running' } | { state: 'succeeded'; result: { images: { url: string }[] } }>) {
      let submits = 0
      const plugin = fakePlugin(undefined, {
        models: [asyncModel],
        create: (ctx) => ({
          generate: (req, options) => ctx.jobs.run({ provider: 'fake', model: req.modelId, submit: (signal) => submit(signal, ++submits), poll: polls }, options),
        }),
      })
      return { plugin, submits: () => submits }
    }

    it('a hung submit is given up at attemptTimeoutMs and retried', async () => {
      vi.useFakeTimers()
      const { plugin, submits } = asyncPlugin(
        (signal, call) => (call === 1 ? hang(signal) : Promise.resolve({ id: 'job-2' })),
        async () => ({ state: 'succeeded', result: { images: [{ url: 'https://img.fake/a.png' }] } }),
      )
      // The real clock under fake timers: the job's own deadline and poll waits run in time order.
      const { client } = fakeClient([plugin], { clock: systemClock, timeout: { attemptTimeoutMs: 1_000 } })
      const pending = client.generateImage({ model: 'slow', prompt: 'cat' })
      await vi.advanceTimersByTimeAsync(5_000)
      const res = await pending
      expect(res.count).toBe(1)
      expect(submits()).toBe(2)
      expect(res.attempts).toBe(2)
    })

    it('an accepted job outlives the attempt deadline (it is bounded by jobTimeoutMs)', async () => {
      vi.useFakeTimers()
      let polls = 0
      const { plugin, submits } = asyncPlugin(
        async () => ({ id: 'job-1' }),
        async () => {
          await new Promise((r) => setTimeout(r, 400))
          return ++polls < 5 ? { state: 'running' } : { state: 'succeeded', result: { images: [{ url: 'https://img.fake/a.png' }] } }
        },
      )
      const { client } = fakeClient([plugin], { clock: systemClock, timeout: { attemptTimeoutMs: 1_000 } })
      const pending = client.generateImage({ model: 'slow', prompt: 'cat' })
      // Five polls of 400 ms with waits between them: several times the attempt deadline.
      await vi.advanceTimersByTimeAsync(20_000)
      const res = await pending
      expect(res.count).toBe(1)
      expect(submits()).toBe(1)
      expect(polls).toBe(5)
    })
  })

  it('a sync attempt cut by its deadline after its request was sent keeps the mark', async () => {
    vi.useFakeTimers()
    // The transport's answer to its deadline after a full send: the signal's reason, marked.
    const sentThenCut = (signal: AbortSignal) =>
      new Promise<never>((_resolve, reject) =>
        signal.addEventListener('abort', () => reject(new TimeoutError((signal.reason as Error).message, { retryable: true, mayHaveBeenCharged: true })), { once: true }),
      )
    const plugin = fakePlugin(async (_req, options) => sentThenCut(options.signal))
    const { client } = fakeClient([plugin], { timeout: { attemptTimeoutMs: 500 }, retry: { ambiguous: 'fail' } })
    const pending = client.generateImage({ model: 'one', prompt: 'cat' }).catch((e: unknown) => e)
    await vi.advanceTimersByTimeAsync(500)
    const error = await pending
    expect(error).toBeInstanceOf(TimeoutError)
    expect(error).toMatchObject({ mayHaveBeenCharged: true, retryable: false })
    expect(plugin.calls).toHaveLength(1)
  })

  it('a sync attempt cut before its request was sent is retried without a mark', async () => {
    vi.useFakeTimers()
    const plugin = fakePlugin(async (_req, options, call) => (call === 1 ? hang(options.signal) : { images: [{ url: 'https://img.fake/a.png' }] }))
    const { client } = fakeClient([plugin], { timeout: { attemptTimeoutMs: 500 }, retry: { ambiguous: 'fail' } })
    const pending = client.generateImage({ model: 'one', prompt: 'cat' })
    await vi.advanceTimersByTimeAsync(500)
    const res = await pending
    expect(res.mayHaveBeenCharged).toBe(false)
    expect(res.attempts).toBe(2)
  })

  it.each([
    [() => attemptTimeout({ attemptTimeoutMs: 0 }), 'Expected `attemptTimeoutMs` to be a number of at least 1, got 0.'],
    [() => totalTimeout({ totalTimeoutMs: -5 }), 'Expected `totalTimeoutMs` to be a number of at least 1, got -5.'],
  ])('rejects bad options with a TypeError naming the option', (make, message) => {
    expect(make).toThrow(new TypeError(message))
  })
})
