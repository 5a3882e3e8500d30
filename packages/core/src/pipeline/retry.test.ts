import { describe, expect, it, vi } from 'vitest'
import { AbortError, InvalidRequestError, JobFailedError, NetworkError, ProviderError, RateLimitError, TimeoutError } from '../errors.js'
import { createJobRunner } from '../jobs/poll-job.js'
import { fakeClient, fakePlugin, FakeClock } from './__fixtures__/fake.js'
import { backoffDelayMs, DEFAULT_AMBIGUOUS_RETRY, retry } from './retry.js'

const ok = (n = 1) => ({ images: Array.from({ length: n }, () => ({ url: 'https://img.fake/a.png' })) })

describe('retry', () => {
  it('retries a 500 then succeeds, logging the retry', async () => {
    const plugin = fakePlugin(async (_req, _o, call) => {
      if (call === 1) throw new ProviderError('fake one: provider error (500)', { status: 500 })
      return ok()
    })
    const { client, clock, logger } = fakeClient([plugin])
    const res = await client.generateImage({ model: 'one', prompt: 'cat' })
    expect(res.count).toBe(1)
    expect(plugin.calls).toHaveLength(2)
    // full jitter with random() = 0.5 over the first ceiling of 500 ms
    expect(clock.sleeps).toEqual([250])
    const retries = logger.events.filter((e) => e.obj['event'] === 'generation.retry')
    expect(retries).toHaveLength(1)
    expect(retries[0]!.obj).toMatchObject({ attempt: 1, retriesLeft: 1, delayMs: 250, code: 'LLMKIT_PROVIDER', status: 500, hint: 'backoff' })
  })

  it('waits the server hint (retryAfterMs) instead of the backoff', async () => {
    const plugin = fakePlugin(async (_req, _o, call) => {
      if (call === 1) throw new RateLimitError('rate limit or quota reached (429)', { status: 429, retryAfterMs: 1_234 })
      return ok()
    })
    const { client, clock } = fakeClient([plugin])
    await client.generateImage({ model: 'one', prompt: 'cat' })
    expect(clock.sleeps).toEqual([1_234])
  })

  it.each([
    ['network error', new NetworkError('reset')],
    ['timeout', new TimeoutError('slow')],
    ['429', new RateLimitError('quota', { status: 429 })],
  ])('retries a %s', async (_name, error) => {
    const plugin = fakePlugin(async (_req, _o, call) => {
      if (call === 1) throw error
      return ok()
    })
    const { client } = fakeClient([plugin])
    await client.generateImage({ model: 'one', prompt: 'cat' })
    expect(plugin.calls).toHaveLength(2)
  })

  it.each([
    ['exhausted quota', new RateLimitError('quota exhausted', { status: 429, retryable: false })],
    ['400', new InvalidRequestError('bad', { status: 400 })],
    ['x-should-retry: false on a 500', new ProviderError('no', { status: 500, retryable: false })],
    ['a job the provider accepted', new JobFailedError('failed', {})],
  ])('never retries %s', async (_name, error) => {
    const plugin = fakePlugin(async () => {
      throw error
    })
    const { client } = fakeClient([plugin])
    await expect(client.generateImage({ model: 'one', prompt: 'cat' })).rejects.toBe(error)
    expect(plugin.calls).toHaveLength(1)
  })

  it('stops after maxRetries and throws the last error', async () => {
    const plugin = fakePlugin(async (_req, _o, call) => {
      throw new ProviderError(`boom ${call}`, { status: 503 })
    })
    const { client, clock } = fakeClient([plugin], { retry: { maxRetries: 3, random: () => 1 } })
    await expect(client.generateImage({ model: 'one', prompt: 'cat' })).rejects.toThrow('boom 4')
    expect(plugin.calls).toHaveLength(4)
    expect(clock.sleeps).toEqual([500, 1000, 2000])
  })

  it('maxRetries: 0 turns retrying off', async () => {
    const plugin = fakePlugin(async () => {
      throw new ProviderError('boom', { status: 503 })
    })
    const { client } = fakeClient([plugin], { retry: { maxRetries: 0 } })
    await expect(client.generateImage({ model: 'one', prompt: 'cat' })).rejects.toThrow('boom')
    expect(plugin.calls).toHaveLength(1)
  })

  it('bounds the total retry time', async () => {
    const plugin = fakePlugin(async () => {
      throw new RateLimitError('quota', { status: 429, retryAfterMs: 40_000 })
    })
    const { client, clock } = fakeClient([plugin], { retry: { maxRetries: 10, maxRetryTimeMs: 60_000 } })
    await expect(client.generateImage({ model: 'one', prompt: 'cat' })).rejects.toBeInstanceOf(RateLimitError)
    expect(clock.sleeps).toEqual([40_000])
    expect(plugin.calls).toHaveLength(2)
  })

  it('an abort during the wait ends it with an AbortError and no further attempt', async () => {
    const plugin = fakePlugin(async () => {
      throw new ProviderError('boom', { status: 503 })
    })
    const { client, clock } = fakeClient([plugin], { retry: { maxRetries: 5 } })
    clock.hold = true
    const controller = new AbortController()
    const pending = client.generateImage({ model: 'one', prompt: 'cat' }, { signal: controller.signal })
    await vi.waitFor(() => expect(clock.sleeps.length).toBeGreaterThan(0))
    controller.abort()
    await expect(pending).rejects.toBeInstanceOf(AbortError)
    expect(plugin.calls).toHaveLength(1)
  })

  it('never resubmits an async job the provider accepted, even when polling fails retryably', async () => {
    let submits = 0
    const plugin = fakePlugin(undefined, {
      models: [{ id: 'slow', wireId: 'slow', mode: 'async', maxImagesPerCall: 1, sizes: { kind: 'list', values: ['1024x1024'] }, qualities: [], styles: [], negativePrompt: false, seed: null, formats: ['url'] }],
      create: (ctx) => ({
        generate: (req, options) =>
          ctx.jobs.run(
            {
              provider: 'fake',
              model: req.modelId,
              submit: async () => {
                submits++
                return { id: 'job-1' }
              },
              poll: async () => {
                throw new ProviderError('status 503', { status: 503 })
              },
            },
            { signal: options.signal },
          ),
      }),
    })
    const { client } = fakeClient([plugin])
    await expect(client.generateImage({ model: 'slow', prompt: 'cat' })).rejects.toMatchObject({ retryable: false })
    expect(submits).toBe(1)
  })

  it("the caller's abort cancels the remote job of an async provider and is not retried", async () => {
    const cancelled: string[] = []
    let submits = 0
    const plugin = fakePlugin(undefined, {
      models: [{ id: 'slow', wireId: 'slow', mode: 'async', maxImagesPerCall: 1, sizes: { kind: 'list', values: ['1024x1024'] }, qualities: [], styles: [], negativePrompt: false, seed: null, formats: ['url'] }],
      create: (ctx) => ({
        generate: (req, options) =>
          ctx.jobs.run(
            {
              provider: 'fake',
              model: req.modelId,
              submit: async () => ({ id: `job-${++submits}` }),
              poll: async () => ({ state: 'running' }),
              cancel: async (id) => void cancelled.push(id),
            },
            { signal: options.signal },
          ),
      }),
    })
    const { client, clock } = fakeClient([plugin])
    clock.hold = true
    const controller = new AbortController()
    const pending = client.generateImage({ model: 'slow', prompt: 'cat' }, { signal: controller.signal })
    await vi.waitFor(() => expect(clock.sleeps.length).toBeGreaterThan(0))
    controller.abort()
    await expect(pending).rejects.toBeInstanceOf(AbortError)
    expect(cancelled).toEqual(['job-1'])
    expect(submits).toBe(1)
  })

  it('keeps the job runner error non-retryable after acceptance (runner contract)', async () => {
    const runner = createJobRunner({ clock: new FakeClock(), logger: { debug() {}, info() {}, warn() {}, error() {} } })
    const error = await runner
      .run({ provider: 'p', model: 'm', submit: async () => ({ id: 'j' }), poll: async () => ({ state: 'failed', error: new ProviderError('x', { status: 500 }) }) }, { signal: new AbortController().signal })
      .catch((e: unknown) => e)
    expect(error).toMatchObject({ retryable: false })
  })

  describe('ambiguous outcomes (sent in full, no answer)', () => {
    const asyncModel = { id: 'slow', wireId: 'slow', mode: 'async', maxImagesPerCall: 1, sizes: { kind: 'list', values: ['1024x1024'] }, qualities: [], styles: [], negativePrompt: false, seed: null, formats: ['url'] } as const
    const ambiguous = () => new NetworkError('POST https://fake.invalid/images failed: other side closed', { mayHaveBeenCharged: true })

    it('retries an ambiguous failure of a sync model by default and marks the response', async () => {
      const plugin = fakePlugin(async (_req, _o, call) => {
        if (call === 1) throw ambiguous()
        return ok()
      })
      const { client, logger } = fakeClient([plugin])
      const res = await client.generateImage({ model: 'one', prompt: 'cat' })
      expect(plugin.calls).toHaveLength(2)
      expect(res.attempts).toBe(2)
      expect(res.mayHaveBeenCharged).toBe(true)
      expect(logger.events.find((e) => e.obj['event'] === 'generation.retry')?.obj).toMatchObject({ ambiguous: true })
    })

    it('counts attempts without marking the response when no attempt was ambiguous', async () => {
      const plugin = fakePlugin(async (_req, _o, call) => {
        if (call < 3) throw new ProviderError('boom', { status: 503 })
        return ok()
      })
      const { client } = fakeClient([plugin])
      const res = await client.generateImage({ model: 'one', prompt: 'cat' })
      expect(res.attempts).toBe(3)
      expect(res.mayHaveBeenCharged).toBe(false)
      const first = await fakeClient([fakePlugin()]).client.generateImage({ model: 'one', prompt: 'cat' })
      expect(first.attempts).toBe(1)
      expect(first.mayHaveBeenCharged).toBe(false)
    })

    it("fails an ambiguous submit of an async model by default, not retryable, so no fallback pays either", async () => {
      let submits = 0
      const plugin = fakePlugin(undefined, {
        models: [asyncModel],
        create: (ctx) => ({
          generate: (req, options) =>
            ctx.jobs.run(
              {
                provider: 'fake',
                model: req.modelId,
                submit: async () => {
                  submits++
                  throw ambiguous()
                },
                poll: async () => ({ state: 'running' }),
              },
              options,
            ),
        }),
      })
      const { client } = fakeClient([plugin])
      const error = await client.generateImage({ model: 'slow', prompt: 'cat' }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(NetworkError)
      expect(error).toMatchObject({ retryable: false, mayHaveBeenCharged: true })
      expect((error as Error).message).toMatch(/may have charged for it; it was not retried/)
      expect(submits).toBe(1)
    })

    it("honors retry.ambiguous over the default, globally and by provider id", async () => {
      const failing = () =>
        fakePlugin(async (_req, _o, call) => {
          if (call === 1) throw ambiguous()
          return ok()
        })
      const global = failing()
      await expect(fakeClient([global], { retry: { ambiguous: 'fail' } }).client.generateImage({ model: 'one', prompt: 'cat' })).rejects.toMatchObject({ mayHaveBeenCharged: true, retryable: false })
      expect(global.calls).toHaveLength(1)
      const byId = failing()
      await expect(fakeClient([byId], { retry: { ambiguous: { fake: 'fail' } } }).client.generateImage({ model: 'one', prompt: 'cat' })).rejects.toMatchObject({ mayHaveBeenCharged: true })
      expect(byId.calls).toHaveLength(1)
      const other = failing()
      const res = await fakeClient([other], { retry: { ambiguous: { openai: 'fail' } } }).client.generateImage({ model: 'one', prompt: 'cat' })
      expect(res.mayHaveBeenCharged).toBe(true)
      expect(other.calls).toHaveLength(2)
    })

    it("honors the plugin's ambiguousRetry when the caller says nothing", async () => {
      const plugin = fakePlugin(
        async () => {
          throw ambiguous()
        },
        { ambiguousRetry: 'fail' },
      )
      await expect(fakeClient([plugin]).client.generateImage({ model: 'one', prompt: 'cat' })).rejects.toMatchObject({ mayHaveBeenCharged: true, retryable: false })
      expect(plugin.calls).toHaveLength(1)
    })

    it("under 'fail' no fallback model is tried either (it would be paid on top)", async () => {
      const plugin = fakePlugin(async (req) => {
        if (req.modelId === 'one') throw ambiguous()
        return ok()
      })
      const { client } = fakeClient([plugin], { fallback: { models: ['backup'] }, retry: { ambiguous: 'fail' } })
      await expect(client.generateImage({ model: 'one', prompt: 'cat' })).rejects.toMatchObject({ mayHaveBeenCharged: true, retryable: false })
      expect(plugin.calls.map((c) => c.modelId)).toStrictEqual(['one'])
    })

    it('marks the final error when an earlier attempt was ambiguous', async () => {
      const plugin = fakePlugin(async (_req, _o, call) => {
        if (call === 1) throw ambiguous()
        throw new InvalidRequestError('bad', { status: 400 })
      })
      const error = await fakeClient([plugin]).client.generateImage({ model: 'one', prompt: 'cat' }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(InvalidRequestError)
      expect(error).toMatchObject({ mayHaveBeenCharged: true })
    })

    it('states the default per mode as data', () => {
      expect(DEFAULT_AMBIGUOUS_RETRY).toStrictEqual({ sync: 'retry', async: 'fail' })
      expect(() => retry({ ambiguous: 'sometimes' as never })).toThrow(new TypeError("Expected `ambiguous` to be one of 'retry', 'fail', got sometimes."))
      expect(() => retry({ ambiguous: { openai: 'maybe' as never } })).toThrow(TypeError)
    })
  })

  it('computes full-jitter backoff under a doubling, capped ceiling', () => {
    const opts = { initialDelayMs: 500, maxDelayMs: 8_000, random: () => 0.999 }
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelayMs(n, opts))).toEqual([499, 999, 1998, 3996, 7992, 7992])
    expect(backoffDelayMs(3, { ...opts, random: () => 0 })).toBe(0)
  })

  it.each([
    [{ maxRetries: -1 }, 'Expected `maxRetries` to be an integer of at least 0, got -1.'],
    [{ maxRetries: 1.5 }, 'Expected `maxRetries` to be an integer of at least 0, got 1.5.'],
    [{ initialDelayMs: Number.NaN }, 'Expected `initialDelayMs` to be a finite number of at least 0, got NaN.'],
    [{ random: 3 }, 'Expected `random` to be a function, got number.'],
  ])('rejects bad options %j with a TypeError naming the option', (options, message) => {
    expect(() => retry(options as never)).toThrow(new TypeError(message))
  })
})
