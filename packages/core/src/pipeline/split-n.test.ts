import { describe, expect, it } from 'vitest'
import { AbortError, DeliveryError, InvalidRequestError, LLMKitError, NetworkError, type PaidWork, ProviderError } from '../errors.js'
import { fakeClient, fakeModels, fakePlugin } from './__fixtures__/fake.js'
import { splitN } from './split-n.js'

describe('splitN', () => {
  it('splits n above the per-call maximum into parallel calls, seeds part i with seed + i, merges in order', async () => {
    const plugin = fakePlugin()
    const { client } = fakeClient([plugin])
    const res = await client.generateImage({ model: 'one', prompt: 'cat', n: 3, seed: 42 })
    expect(plugin.calls.map((c) => [c.n, c.seed])).toEqual([
      [1, 42],
      [1, 43],
      [1, 44],
    ])
    expect(res.images.map((i) => i.seed)).toEqual([42, 43, 44])
    expect(res.images.map((i) => i.url)).toEqual(['https://img.fake/1-0.png', 'https://img.fake/2-0.png', 'https://img.fake/3-0.png'])
    expect(res.requestIds).toEqual(['req-1', 'req-2', 'req-3'])
    expect(res.usage?.credits).toBe(3)
  })

  it("wraps part seeds into the model's seed range, skipping 0 where 0 means random", async () => {
    const models = [
      { ...fakeModels[0]!, id: 'wrap', wireId: 'wrap', seed: { min: 0, max: 10 } },
      { ...fakeModels[0]!, id: 'zero', wireId: 'zero', seed: { min: 0, max: 10, zeroIsRandom: true } },
    ]
    const plugin = fakePlugin(undefined, { models })
    const { client } = fakeClient([plugin])
    await client.generateImage({ model: 'wrap', prompt: 'cat', n: 3, seed: 9 })
    await client.generateImage({ model: 'zero', prompt: 'cat', n: 3, seed: 9 })
    await client.generateImage({ model: 'zero', prompt: 'cat', n: 2, seed: 0 })
    expect(plugin.calls.map((c) => c.seed)).toEqual([9, 10, 0, 9, 10, 1, 0, 0])
    // A seed outside the range is refused before any call.
    await expect(client.generateImage({ model: 'zero', prompt: 'cat', n: 2, seed: 11 })).rejects.toBeInstanceOf(InvalidRequestError)
    expect(plugin.calls).toHaveLength(8)
  })

  it('merges attempts as the most any part needed, and mayHaveBeenCharged from any part', async () => {
    const callsBySeed = new Map<number, number>()
    const plugin = fakePlugin(async (req) => {
      const calls = (callsBySeed.get(req.seed!) ?? 0) + 1
      callsBySeed.set(req.seed!, calls)
      // Part 2 is sent in full, gets no answer, and is retried (sync default): it may have been charged.
      if (req.seed === 11 && calls === 1) throw new NetworkError('reset after the body was sent', { mayHaveBeenCharged: true })
      return { images: [{ url: `https://img.fake/${req.seed}.png` }] }
    })
    const { client } = fakeClient([plugin])
    const res = await client.generateImage({ model: 'one', prompt: 'cat', n: 3, seed: 10 })
    expect(res.count).toBe(3)
    expect(res.attempts).toBe(2)
    expect(res.mayHaveBeenCharged).toBe(true)
    const plain = await fakeClient([fakePlugin()]).client.generateImage({ model: 'one', prompt: 'cat', n: 3 })
    expect(plain.attempts).toBe(1)
    expect(plain.mayHaveBeenCharged).toBe(false)
  })

  it("'partial': a failed part that may have been charged marks the response", async () => {
    const plugin = fakePlugin(async (req) => {
      if (req.seed === 11) throw new NetworkError('sent, no answer', { mayHaveBeenCharged: true, retryable: false })
      return { images: [{ url: `https://img.fake/${req.seed}.png` }] }
    })
    const { client } = fakeClient([plugin], { splitN: { partialFailure: 'partial' } })
    const res = await client.generateImage({ model: 'one', prompt: 'cat', n: 2, seed: 10 })
    expect(res.count).toBe(1)
    expect(res.mayHaveBeenCharged).toBe(true)
  })

  it('cuts n by the model maximum (n=6 on a 4-per-call model is 4 + 2)', async () => {
    const plugin = fakePlugin()
    const { client } = fakeClient([plugin])
    const res = await client.generateImage({ model: 'many', prompt: 'cat', n: 6 })
    expect(plugin.calls.map((c) => c.n)).toEqual([4, 2])
    expect(res.count).toBe(6)
  })

  it("'fail' (default): one failed part fails the request and cancels the others", async () => {
    const aborted: boolean[] = []
    const plugin = fakePlugin(async (req, options, call) => {
      if (call === 2) throw new InvalidRequestError('part 2 rejected')
      await new Promise<void>((resolve) => {
        options.signal.addEventListener('abort', () => resolve(), { once: true })
        setTimeout(resolve, 50)
      })
      aborted.push(options.signal.aborted)
      return { images: Array.from({ length: req.n }, () => ({ url: 'https://img.fake/a.png' })) }
    })
    const { client } = fakeClient([plugin])
    await expect(client.generateImage({ model: 'one', prompt: 'cat', n: 3 })).rejects.toThrow('part 2 rejected')
    expect(aborted).toEqual([true, true])
  })

  it("'partial': returns what succeeded with a warning per failed part", async () => {
    const plugin = fakePlugin(async (req, _o, call) => {
      if (call === 2) throw new InvalidRequestError('part 2 rejected')
      return { images: Array.from({ length: req.n }, () => ({ url: `https://img.fake/${call}.png` })) }
    })
    const { client } = fakeClient([plugin], { splitN: { partialFailure: 'partial' } })
    const res = await client.generateImage({ model: 'one', prompt: 'cat', n: 3 })
    expect(res.images.map((i) => i.url)).toEqual(['https://img.fake/1.png', 'https://img.fake/3.png'])
    expect(res.warnings).toEqual([{ type: 'other', setting: 'n', message: 'part 2 of 3 (1 image(s)) failed: LLMKIT_INVALID_REQUEST: part 2 rejected', requested: 3, used: 2 }])
  })

  it("'fail': the error keeps what the parts that succeeded delivered (partial) and paid for (paid)", async () => {
    let firstReturned!: () => void
    const first = new Promise<void>((resolve) => (firstReturned = resolve))
    const plugin = fakePlugin(async (req, _o, call) => {
      if (call === 2) {
        // Part 1 has returned and, its path being promise callbacks only, is merged by the next macrotask.
        await first
        await new Promise((resolve) => setImmediate(resolve))
        throw new InvalidRequestError('part 2 rejected')
      }
      if (call === 1) setImmediate(firstReturned)
      return { images: [{ url: `https://img.fake/${req.seed}.png`, seed: req.seed }], requestId: `req-${req.seed}`, usage: { credits: 1 } }
    })
    const { client } = fakeClient([plugin])
    const error = await client.generateImage({ model: 'one', prompt: 'cat', n: 2, seed: 7 }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidRequestError)
    const e = error as LLMKitError
    expect(e.message).toBe('part 2 rejected')
    expect(e.partial?.images.map((i) => i.url)).toEqual(['https://img.fake/7.png'])
    expect(e.partial?.requestIds).toEqual(['req-7'])
    expect(e.partial?.usage?.credits).toBe(1)
    expect(e.paid).toEqual({ provider: 'fake', model: 'one', jobId: undefined, requestId: 'req-7', images: [{ url: 'https://img.fake/7.png', seed: 7, mimeType: undefined }] })
    expect(e.toJSON()).toMatchObject({
      code: 'LLMKIT_INVALID_REQUEST',
      partial: { provider: 'fake', model: 'one', count: 1, requestIds: ['req-7'], images: [{ url: 'https://img.fake/7.png', seed: 7, mimeType: undefined }] },
    })
  })

  it('paid work of a failed part and of the parts that succeeded is merged in part order, job and request ids kept', async () => {
    const undelivered: PaidWork = { provider: 'fake', model: 'one', requestId: 'req-b', images: [{ url: 'https://img.fake/b.png', seed: 2 }] }
    const plugin = fakePlugin(async (req) => {
      if (req.seed === 2) throw new DeliveryError('image host down', { paid: undelivered })
      return { images: [{ url: `https://img.fake/${req.seed}.png`, seed: req.seed }], requestId: `req-${req.seed}` }
    })
    const { client } = fakeClient([plugin], { splitN: { partialFailure: 'partial' } })
    // Under 'partial' the failed part's paid work rides on its warning.
    const res = await client.generateImage({ model: 'one', prompt: 'cat', n: 3, seed: 1 })
    expect(res.images.map((i) => i.url)).toEqual(['https://img.fake/1.png', 'https://img.fake/3.png'])
    expect(res.warnings.map((w) => w.paid)).toEqual([undelivered])

    // Under 'fail', once the failure is thrown, the error's paid holds every part's images.
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    const failing = fakePlugin(async (req) => {
      if (req.seed === 2) {
        await gate
        throw new DeliveryError('image host down', { paid: undelivered })
      }
      if (req.seed === 3) setImmediate(release)
      return { images: [{ url: `https://img.fake/${req.seed}.png`, seed: req.seed }], requestId: `req-${req.seed}` }
    })
    const error = (await fakeClient([failing]).client.generateImage({ model: 'one', prompt: 'cat', n: 3, seed: 1 }).catch((e: unknown) => e)) as LLMKitError
    expect(error).toBeInstanceOf(DeliveryError)
    expect(error.paid?.images.map((i) => i.url)).toEqual(['https://img.fake/1.png', 'https://img.fake/b.png', 'https://img.fake/3.png'])
    expect(error.paid?.requestIds).toEqual(['req-1', 'req-b', 'req-3'])
    expect(error.paid?.requestId).toBe('req-1')
    expect(error.partial?.images.map((i) => i.url)).toEqual(['https://img.fake/1.png', 'https://img.fake/3.png'])
  })

  it('a key a server echoed into a part that succeeded is redacted from the error\'s partial and paid', async () => {
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    const plugin = fakePlugin(async (req) => {
      if (req.seed === 2) {
        await gate
        throw new InvalidRequestError('part 2 rejected')
      }
      setImmediate(release)
      return { images: [{ url: 'https://img.fake/1.png' }], requestId: 'echo-sk-secret-fake-0123456789' }
    })
    const error = (await fakeClient([plugin]).client.generateImage({ model: 'one', prompt: 'cat', n: 2, seed: 1 }).catch((e: unknown) => e)) as LLMKitError
    expect(error.partial?.requestIds).toEqual(['echo-[redacted]'])
    expect(error.paid?.requestId).toBe('echo-[redacted]')
    expect(JSON.stringify(error.toJSON())).not.toContain('sk-secret')
  })

  it('an error with nothing paid carries no partial or paid', async () => {
    const plugin = fakePlugin(async () => {
      throw new InvalidRequestError('nope')
    })
    const error = (await fakeClient([plugin]).client.generateImage({ model: 'one', prompt: 'cat', n: 2 }).catch((e: unknown) => e)) as LLMKitError
    expect(error.partial).toBeUndefined()
    expect(error.paid).toBeUndefined()
    expect(error.toJSON().partial).toBeUndefined()
  })

  it("'partial' still throws when every part fails", async () => {
    const plugin = fakePlugin(async () => {
      throw new InvalidRequestError('nope')
    })
    const { client } = fakeClient([plugin], { splitN: { partialFailure: 'partial' } })
    await expect(client.generateImage({ model: 'one', prompt: 'cat', n: 2 })).rejects.toThrow('nope')
  })

  it('each part is retried on its own', async () => {
    const plugin = fakePlugin(async (req, _o, call) => {
      if (call === 1) throw new ProviderError('flaky', { status: 500 })
      return { images: Array.from({ length: req.n }, () => ({ url: 'https://img.fake/a.png' })) }
    })
    const { client } = fakeClient([plugin])
    const res = await client.generateImage({ model: 'one', prompt: 'cat', n: 2 })
    expect(res.count).toBe(2)
    expect(plugin.calls).toHaveLength(3)
  })

  it('an abort cancels every part', async () => {
    const plugin = fakePlugin(
      (_req, options) => new Promise((_r, reject) => options.signal.addEventListener('abort', () => reject(options.signal.reason), { once: true })),
    )
    const { client } = fakeClient([plugin])
    const controller = new AbortController()
    const pending = client.generateImage({ model: 'one', prompt: 'cat', n: 2 }, { signal: controller.signal })
    await new Promise((r) => setTimeout(r, 5))
    controller.abort()
    await expect(pending).rejects.toBeInstanceOf(AbortError)
  })

  it('removing splitN makes an oversized n an UnsupportedCapabilityError', async () => {
    const { client } = fakeClient([fakePlugin()], { splitN: false })
    await expect(client.generateImage({ model: 'one', prompt: 'cat', n: 2 })).rejects.toMatchObject({ code: 'LLMKIT_UNSUPPORTED_CAPABILITY' })
  })

  it('rejects a bad policy with a TypeError naming it', () => {
    expect(() => splitN({ partialFailure: 'some' as never })).toThrow(new TypeError("Expected `partialFailure` to be one of 'fail', 'partial', got some."))
  })
})
