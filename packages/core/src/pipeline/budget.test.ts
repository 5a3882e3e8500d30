import { describe, expect, it } from 'vitest'
import type { ModelPrice } from '../cost/price.js'
import { BudgetExceededError, InvalidRequestError, JobFailedError, LLMKitError, NetworkError, ProviderError } from '../errors.js'
import type { ProviderPlugin } from '../registry/plugin.js'
import { fakeAsyncPlugin, fakeClient, fakePlugin, type FakeGenerate, remoteJobs } from './__fixtures__/fake.js'
import { type BudgetStore, budget, createMemoryBudgetStore, toMicroUsd } from './budget.js'
import { createMemoryJobJournal, type JobJournal } from '../jobs/job-journal.js'
import { systemClock } from '../logger.js'

/** `one` and `many` cost $0.04 per image; `backup` $0.02; nothing else is priced. */
const PRICES: ModelPrice[] = [
  { model: 'one', price: { kind: 'per-image', usd: 0.04 }, source: 'https://fake.invalid/pricing', asOf: '2026-11-29', confidence: 'official' },
  { model: 'many', price: { kind: 'per-image', usd: 0.04 }, source: 'https://fake.invalid/pricing', asOf: '2026-11-29', confidence: 'official' },
  { model: 'backup', price: { kind: 'per-image', usd: 0.02 }, source: 'https://fake.invalid/pricing', asOf: '2026-11-29', confidence: 'official' },
]

function pricedPlugin(generate?: FakeGenerate, prices: ModelPrice[] = PRICES): ProviderPlugin & { calls: { n: number }[] } {
  return fakePlugin(generate, { prices })
}

/** A store that records every operation, around the in-memory one. */
function recordingStore(inner: BudgetStore = createMemoryBudgetStore()): BudgetStore & { ops: string[] } {
  const ops: string[] = []
  return {
    ops,
    reserve: async (b, amount, limit) => {
      ops.push(`reserve ${amount}`)
      return inner.reserve(b, amount, limit)
    },
    adjust: async (b, delta) => {
      ops.push(`adjust ${Math.round(delta * 1e6) / 1e6}`)
      return inner.adjust(b, delta)
    },
    spent: (b) => inner.spent(b),
    reset: (b) => inner.reset(b),
  }
}

const images = (n: number, url = 'https://img.fake/a.png') => ({ images: Array.from({ length: n }, () => ({ url })) })

describe('createMemoryBudgetStore', () => {
  it('reserves while the total stays within the limit, in whole micro-dollars', async () => {
    const store = createMemoryBudgetStore()
    // 0.1 + 0.2 is 0.30000000000000004 in floats; micro-dollars keep it exact.
    expect(await store.reserve('b', 0.1, 0.3)).toEqual({ ok: true, spentUsd: 0.1 })
    expect(await store.reserve('b', 0.2, 0.3)).toEqual({ ok: true, spentUsd: 0.3 })
    expect(await store.reserve('b', 0.000001, 0.3)).toEqual({ ok: false, spentUsd: 0.3 })
    expect(await store.spent('b')).toBe(0.3)
    expect(await store.spent('other')).toBe(0)
  })

  it('adjusts up and down, never below zero, and resets', async () => {
    const store = createMemoryBudgetStore()
    await store.reserve('b', 0.5, 1)
    expect(await store.adjust('b', -0.2)).toBe(0.3)
    expect(await store.adjust('b', 0.05)).toBe(0.35)
    expect(await store.adjust('b', -5)).toBe(0)
    await store.reserve('b', 0.7, 1)
    await store.reset('b')
    expect(await store.spent('b')).toBe(0)
  })

  it('counts in micro-dollars', () => {
    expect(toMicroUsd(0.04)).toBe(40_000)
    expect(toMicroUsd(0.0000004)).toBe(0)
  })
})

describe('budget options', () => {
  it.each([
    [{ limitUsd: -1 }, /budget\.limitUsd/],
    [{ limitUsd: Number.NaN }, /budget\.limitUsd/],
    [{ limitUsd: 1, unknownPrice: 'maybe' }, /budget\.unknownPrice/],
    [{ limitUsd: 1, name: '' }, /budget\.name/],
    [{ limitUsd: 1, storeTimeoutMs: 0 }, /budget\.storeTimeoutMs/],
    [{ limitUsd: 1, store: {} }, /budget\.store/],
  ])('rejects %j', (bad, message) => {
    expect(() => budget({ budget: bad as never })).toThrow(message)
  })
})

describe('response.cost', () => {
  it('is the price table times the images delivered, marked estimated, without a budget', async () => {
    const { client } = fakeClient([pricedPlugin(async (req) => images(req.n))])
    const res = await client.generateImage({ model: 'many', prompt: 'cat', n: 3 })
    expect(res.cost).toMatchObject({ usd: 0.12, estimated: true })
    expect(res.cost?.basis).toContain('many: $0.04 per image × 3')
    expect(res.cost?.basis).toContain('https://fake.invalid/pricing')
  })

  it('is exact when the provider reports usage the price can read', async () => {
    const prices: ModelPrice[] = [{ ...PRICES[0]!, usage: { usdPerCredit: 0.001 } }]
    // The fake plugin reports `credits: n`; here 35 units for one image.
    const { client } = fakeClient([pricedPlugin(async (req) => ({ ...images(req.n), usage: { credits: 35 } }), prices)], { budget: { limitUsd: 1 } })
    const res = await client.generateImage({ model: 'one', prompt: 'cat' })
    expect(res.cost).toMatchObject({ usd: 0.035, estimated: false })
    expect(res.cost?.basis).toContain('35 credits × $0.001, as reported')
    // The reservation of the estimate ($0.04) was adjusted to the actual cost.
    expect(await client.budgetSpentUsd()).toBe(0.035)
  })

  it('is summed over split parts', async () => {
    const plugin = pricedPlugin(async (req) => images(req.n))
    const { client } = fakeClient([plugin])
    const res = await client.generateImage({ model: 'one', prompt: 'cat', n: 3 })
    expect(plugin.calls).toHaveLength(3)
    expect(res.cost?.usd).toBe(0.12)
  })

  it('is undefined for a model with no price, and 0 for a cache hit', async () => {
    const plugin = pricedPlugin(async (req) => images(req.n))
    const { client } = fakeClient([plugin], { cache: true })
    expect((await client.generateImage({ model: 'backup', prompt: 'cat', seed: 1 })).cost?.usd).toBe(0.02)
    const hit = await client.generateImage({ model: 'backup', prompt: 'cat', seed: 1 })
    expect(plugin.calls).toHaveLength(1)
    expect(hit.cost).toEqual({ usd: 0, estimated: false, basis: 'no provider call (served from the cache or by a middleware)' })
    const unpriced = fakeClient([pricedPlugin(async (req) => images(req.n), [])])
    expect((await unpriced.client.generateImage({ model: 'one', prompt: 'cat' })).cost).toBeUndefined()
  })

  it('uses the client’s prices before the plugin’s', async () => {
    const { client } = fakeClient([pricedPlugin(async (req) => images(req.n))], { prices: [{ ...PRICES[0]!, price: { kind: 'per-image', usd: 0.01 } }] })
    expect((await client.generateImage({ model: 'one', prompt: 'cat' })).cost?.usd).toBe(0.01)
  })
})

describe('budget', () => {
  it('refuses a call that would pass the limit before any provider request, with a message that says what to do', async () => {
    const plugin = pricedPlugin(async (req) => images(req.n))
    const { client } = fakeClient([plugin], { budget: { limitUsd: 0.1, name: 'team-a' } })
    await client.generateImage({ model: 'one', prompt: 'cat' })
    await client.generateImage({ model: 'one', prompt: 'cat' })
    const error = await client.generateImage({ model: 'one', prompt: 'cat' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(BudgetExceededError)
    expect(error).toMatchObject({ code: 'LLMKIT_BUDGET_EXCEEDED', retryable: false, reason: 'limit', budget: 'team-a', limitUsd: 0.1, spentUsd: 0.08, estimateUsd: 0.04 })
    const message = (error as Error).message
    expect(message).toContain('limit $0.1')
    expect(message).toContain('spent $0.08')
    expect(message).toContain('estimated at $0.04')
    expect(message).toContain('Raise budget.limitUsd, or reset the budget')
    expect(plugin.calls).toHaveLength(2)
    expect(await client.budgetSpentUsd()).toBe(0.08)
    expect((error as LLMKitError).toJSON()).toMatchObject({ code: 'LLMKIT_BUDGET_EXCEEDED', reason: 'limit', spentUsd: 0.08 })
    await client.resetBudget()
    await client.generateImage({ model: 'one', prompt: 'cat' })
    expect(plugin.calls).toHaveLength(3)
  })

  it('never passes the limit under many parallel calls (the reservation is atomic)', async () => {
    const store = recordingStore()
    // Each call takes a few turns of the event loop, so the calls interleave.
    const plugin = pricedPlugin(async (req) => {
      await new Promise((resolve) => setTimeout(resolve, 1))
      return images(req.n)
    })
    const { client } = fakeClient([plugin], { budget: { limitUsd: 1, store }, concurrency: false })
    const results = await Promise.allSettled(Array.from({ length: 60 }, () => client.generateImage({ model: 'one', prompt: 'cat' })))
    const ok = results.filter((r) => r.status === 'fulfilled')
    const refused = results.filter((r) => r.status === 'rejected' && r.reason instanceof BudgetExceededError)
    expect(ok).toHaveLength(25)
    expect(refused).toHaveLength(35)
    expect(plugin.calls).toHaveLength(25)
    expect(await store.spent('default')).toBe(1)
  })

  it('refunds an attempt that failed before the provider accepted it', async () => {
    const store = recordingStore()
    const plugin = pricedPlugin(async () => {
      throw new InvalidRequestError('bad prompt')
    })
    const { client } = fakeClient([plugin], { budget: { limitUsd: 1, store } })
    await expect(client.generateImage({ model: 'one', prompt: 'cat' })).rejects.toBeInstanceOf(InvalidRequestError)
    expect(store.ops).toEqual(['reserve 0.04', 'adjust -0.04'])
    expect(await store.spent('default')).toBe(0)
  })

  it.each([
    ['an ambiguous outcome', new NetworkError('socket hang up after the body was sent', { mayHaveBeenCharged: true, retryable: false })],
    ['paid work not delivered', new LLMKitError('download failed', { paid: { provider: 'fake', model: 'one', images: [{ url: 'https://img.fake/a.png' }] } })],
    ['an accepted job that failed', new JobFailedError('job failed on the provider')],
  ])('keeps the charge of %s', async (_name, failure) => {
    const store = recordingStore()
    const plugin = pricedPlugin(async () => {
      throw failure
    })
    const { client } = fakeClient([plugin], { budget: { limitUsd: 1, store }, retry: false })
    await expect(client.generateImage({ model: 'one', prompt: 'cat' })).rejects.toBe(failure)
    expect(store.ops).toEqual(['reserve 0.04'])
    expect(await store.spent('default')).toBe(0.04)
  })

  it('counts every retry: a refunded 500, then a success', async () => {
    const store = recordingStore()
    const plugin = pricedPlugin(async (req, _o, call) => {
      if (call === 1) throw new ProviderError('server error', { status: 500 })
      return images(req.n)
    })
    const { client } = fakeClient([plugin], { budget: { limitUsd: 1, store } })
    const res = await client.generateImage({ model: 'one', prompt: 'cat' })
    expect(plugin.calls).toHaveLength(2)
    expect(store.ops).toEqual(['reserve 0.04', 'adjust -0.04', 'reserve 0.04'])
    expect(res.cost?.usd).toBe(0.04)
  })

  it('keeps a retried ambiguous attempt in the spend and in response.cost', async () => {
    const store = recordingStore()
    const plugin = pricedPlugin(async (req, _o, call) => {
      if (call === 1) throw new NetworkError('reset after the body was sent', { mayHaveBeenCharged: true })
      return images(req.n)
    })
    const { client } = fakeClient([plugin], { budget: { limitUsd: 1, store } })
    const res = await client.generateImage({ model: 'one', prompt: 'cat' })
    expect(plugin.calls).toHaveLength(2)
    expect(await store.spent('default')).toBe(0.08)
    expect(res.cost?.usd).toBe(0.08)
    expect(res.cost?.basis).toContain('kept: the failed attempt may have been charged')
  })

  it('refuses a split request that cannot fit before any part is sent', async () => {
    const store = recordingStore()
    const plugin = pricedPlugin(async (req) => images(req.n))
    const { client } = fakeClient([plugin], { budget: { limitUsd: 0.1, store } })
    const error = await client.generateImage({ model: 'one', prompt: 'cat', n: 3 }).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'LLMKIT_BUDGET_EXCEEDED', reason: 'limit', estimateUsd: 0.12, spentUsd: 0 })
    expect((error as Error).message).toContain('this request of 3 images is estimated at $0.12')
    expect(plugin.calls).toHaveLength(0)
    expect(store.ops).toEqual([])
  })

  it('reserves each split part on its own, so parallel parts never pass the limit', async () => {
    const inner = createMemoryBudgetStore()
    // Another process spends $0.04 right after the early check read the spend.
    const racing: BudgetStore = {
      ...inner,
      spent: async (b) => {
        const spent = await inner.spent(b)
        await inner.reserve(b, 0.04, 1)
        return spent
      },
    }
    const store = recordingStore(racing)
    const plugin = pricedPlugin(async (req) => images(req.n))
    const { client } = fakeClient([plugin], { budget: { limitUsd: 0.12, store } })
    await expect(client.generateImage({ model: 'one', prompt: 'cat', n: 3 })).rejects.toBeInstanceOf(BudgetExceededError)
    expect(store.ops.filter((op) => op.startsWith('reserve'))).toEqual(['reserve 0.04', 'reserve 0.04', 'reserve 0.04'])
    expect(await inner.spent('default')).toBeLessThanOrEqual(0.12)
    // A request within the limit reserves once per part.
    const fresh = fakeClient([pricedPlugin(async (req) => images(req.n))], { budget: { limitUsd: 0.12 } })
    expect((await fresh.client.generateImage({ model: 'one', prompt: 'cat', n: 3 })).cost?.usd).toBe(0.12)
    expect(await fresh.client.budgetSpentUsd()).toBe(0.12)
  })

  it('refuses a model with no price by default, or lets it through with a warning', async () => {
    const plugin = pricedPlugin(async (req) => images(req.n), [])
    const strict = fakeClient([plugin], { budget: { limitUsd: 1 } })
    const error = await strict.client.generateImage({ model: 'one', prompt: 'cat' }).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'LLMKIT_BUDGET_EXCEEDED', reason: 'unknown-price' })
    expect((error as Error).message).toContain("budget.unknownPrice: 'allow'")
    expect(plugin.calls).toHaveLength(0)
    const lenient = fakeClient([plugin], { budget: { limitUsd: 1, unknownPrice: 'allow' } })
    const res = await lenient.client.generateImage({ model: 'one', prompt: 'cat' })
    expect(res.cost).toBeUndefined()
    expect(res.warnings).toContainEqual(expect.objectContaining({ type: 'other', setting: 'budget' }))
    expect(await lenient.client.budgetSpentUsd()).toBe(0)
  })

  it('fails open by default when the store is down, and records the cost once it answers', async () => {
    let down = true
    const inner = createMemoryBudgetStore()
    const flaky: BudgetStore = {
      reserve: (b, a, l) => (down ? Promise.reject(new Error('ECONNREFUSED')) : inner.reserve(b, a, l)),
      adjust: (b, d) => inner.adjust(b, d),
      spent: (b) => inner.spent(b),
      reset: (b) => inner.reset(b),
    }
    const plugin = pricedPlugin(async (req) => {
      down = false
      return images(req.n)
    })
    const { client, logger } = fakeClient([plugin], { budget: { limitUsd: 1, store: flaky } })
    const res = await client.generateImage({ model: 'one', prompt: 'cat' })
    expect(res.count).toBe(1)
    expect(res.warnings).toContainEqual(expect.objectContaining({ setting: 'budget', message: expect.stringContaining('fail-open') }))
    expect(logger.events.some((e) => e.level === 'warn' && e.obj.reason === 'store-unavailable')).toBe(true)
    expect(await inner.spent('default')).toBe(0.04)
  })

  it('fails closed when asked, before any provider request; a store slower than storeTimeoutMs counts as down', async () => {
    const hanging: BudgetStore = {
      reserve: () => new Promise(() => {}),
      adjust: async () => 0,
      spent: async () => 0,
      reset: async () => {},
    }
    const plugin = pricedPlugin(async (req) => images(req.n))
    const { client } = fakeClient([plugin], { budget: { limitUsd: 1, store: hanging, failOpen: false, storeTimeoutMs: 20 } })
    const error = await client.generateImage({ model: 'one', prompt: 'cat' }).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'LLMKIT_BUDGET_EXCEEDED', reason: 'store-unavailable' })
    expect((error as Error).message).toContain('did not answer within 20 ms')
    expect(plugin.calls).toHaveLength(0)
  })

  it('gives back a reservation that lands after the call stopped waiting for it', async () => {
    const inner = createMemoryBudgetStore()
    let land: (() => void) | undefined
    const late: BudgetStore = {
      ...inner,
      reserve: (b, a, l) => new Promise((resolve) => (land = () => resolve(inner.reserve(b, a, l)))),
    }
    const plugin = pricedPlugin(async (req) => images(req.n))
    const { client } = fakeClient([plugin], { budget: { limitUsd: 1, store: late, storeTimeoutMs: 10 } })
    // Fail-open: the call runs unreserved and records its cost once.
    const res = await client.generateImage({ model: 'one', prompt: 'cat' })
    expect(res.count).toBe(1)
    expect(await inner.spent('default')).toBe(0.04)
    // The reservation lands late and is refunded: the call is still counted once.
    land?.()
    // Landing counts it (0.08 at once); the refund that follows brings it back.
    await expect.poll(() => inner.spent('default')).toBe(0.04)
  })

  it('ends the wait for the store when the caller aborts, and sends nothing', async () => {
    const hanging: BudgetStore = { ...createMemoryBudgetStore(), reserve: () => new Promise(() => {}) }
    const plugin = pricedPlugin(async (req) => images(req.n))
    const { client } = fakeClient([plugin], { budget: { limitUsd: 1, store: hanging, storeTimeoutMs: 60_000 } })
    const controller = new AbortController()
    const pending = client.generateImage({ model: 'one', prompt: 'cat' }, { signal: controller.signal })
    setTimeout(() => controller.abort(), 5)
    await expect(pending).rejects.toMatchObject({ code: 'LLMKIT_ABORT' })
    expect(plugin.calls).toHaveLength(0)
  })

  it('prices each fallback model on its own', async () => {
    const store = recordingStore()
    const plugin = pricedPlugin(async (req) => {
      if (req.modelId === 'one') throw new ProviderError('overloaded', { status: 503 })
      return images(req.n)
    })
    const { client } = fakeClient([plugin], { budget: { limitUsd: 1, store }, retry: false, fallback: { models: ['backup'] } })
    const res = await client.generateImage({ model: 'one', prompt: 'cat' })
    expect(res.model).toBe('backup')
    expect(store.ops).toEqual(['reserve 0.04', 'adjust -0.04', 'reserve 0.02'])
    expect(res.cost?.usd).toBe(0.02)
  })

  it('shares one limit between clients with the same store and name', async () => {
    const store = createMemoryBudgetStore()
    const a = fakeClient([pricedPlugin(async (req) => images(req.n))], { budget: { limitUsd: 0.08, store, name: 'shared' } })
    const b = fakeClient([pricedPlugin(async (req) => images(req.n))], { budget: { limitUsd: 0.08, store, name: 'shared' } })
    await a.client.generateImage({ model: 'one', prompt: 'cat' })
    await b.client.generateImage({ model: 'one', prompt: 'cat' })
    await expect(a.client.generateImage({ model: 'one', prompt: 'cat' })).rejects.toBeInstanceOf(BudgetExceededError)
    expect(await store.spent('shared')).toBe(0.08)
  })

  it('client.budgetSpentUsd and resetBudget need a budget', async () => {
    const { client } = fakeClient([pricedPlugin()])
    await expect(client.budgetSpentUsd()).rejects.toThrow(/no `budget`/)
  })
})

describe('client.estimateCost', () => {
  it('prices the normalized request and counts the provider calls, without any call', async () => {
    const plugin = pricedPlugin()
    const { client } = fakeClient([plugin])
    const estimate = await client.estimateCost({ model: 'many', prompt: 'cat', n: 6, size: '512x512' })
    expect(estimate).toMatchObject({ usd: 0.24, estimated: true, provider: 'fake', model: 'many', images: 6, calls: 2 })
    // The size was mapped to the model's only size, and the estimate says so.
    expect(estimate.warnings).toContainEqual(expect.objectContaining({ type: 'mapped', setting: 'size' }))
    expect(plugin.calls).toHaveLength(0)
  })

  it('says why when the price is unknown', async () => {
    const { client } = fakeClient([pricedPlugin(undefined, [])])
    const estimate = await client.estimateCost({ model: 'one', prompt: 'cat' })
    expect(estimate.usd).toBeUndefined()
    expect(estimate.basis).toBe('no price is known for one')
  })
})

describe('budget and the job journal: a job is counted once, when it is submitted', () => {
  /** An async plugin priced at $0.04 per image: each submit is a job that succeeds on its first poll. */
  function asyncPricedPlugin(submits: string[]): ProviderPlugin {
    const remote = { ...remoteJobs(), submits }
    return fakeAsyncPlugin(remote, { pollsPerJob: 1, extra: { prices: PRICES } })
  }

  /** A job a crashed process submitted (and counted in the shared store) under `key`. */
  async function leftBehind(journal: JobJournal, store: BudgetStore, key: string, callKey = key, n?: number) {
    const request = n === undefined ? { model: 'one', prompt: 'fox' } : { model: 'one', prompt: 'fox', n }
    await journal.claim({ key, callKey, owner: 'dead', provider: 'fake', model: 'one', request }, 60_000)
    await journal.accept(key, 'dead', `job-of-${key}`)
    await store.reserve('default', 0.04, 1)
  }

  it('a repeated key replays the recorded result without reserving or charging again', async () => {
    const submits: string[] = []
    const store = recordingStore()
    const { client } = fakeClient([asyncPricedPlugin(submits)], { clock: systemClock, jobJournal: createMemoryJobJournal(), budget: { limitUsd: 1, store } })
    await client.generateImage({ model: 'one', prompt: 'fox' }, { idempotencyKey: 'order-1' })
    expect(store.ops).toEqual(['reserve 0.04'])
    const again = await client.generateImage({ model: 'one', prompt: 'fox' }, { idempotencyKey: 'order-1' })
    expect(again.count).toBe(1)
    expect(submits).toEqual(['fox'])
    expect(store.ops).toEqual(['reserve 0.04'])
    expect(await store.spent('default')).toBe(0.04)
  })

  it('a job another process submitted and counted is resumed within a full budget, and not counted again', async () => {
    const submits: string[] = []
    const journal = createMemoryJobJournal()
    const store = recordingStore()
    await leftBehind(journal, store, 'order-2')
    store.ops.length = 0
    // The budget is exactly spent by the job that was submitted: resuming it must not be refused.
    const { client } = fakeClient([asyncPricedPlugin(submits)], { clock: systemClock, jobJournal: journal, budget: { limitUsd: 0.04, store } })
    const [resumed] = await client.resumeJobs()
    expect(resumed!.error).toBeUndefined()
    expect(resumed!.response!.first()?.url).toBe('https://img.fake/job-of-order-2.png')
    expect(submits).toEqual([])
    expect(store.ops).toEqual([])
    expect(await store.spent('default')).toBe(0.04)
  })

  it('refunds the reservation of an attempt that turned out to resume a recorded job (the journal could not be read first)', async () => {
    const submits: string[] = []
    const inner = createMemoryJobJournal()
    const store = recordingStore()
    await leftBehind(inner, store, 'order-3')
    store.ops.length = 0
    // The budget's look-up fails, so it reserves; the job runner's claim then finds the accepted job.
    let lookups = 0
    const journal: JobJournal = {
      ...inner,
      get: (key) => (lookups++ === 0 ? Promise.reject(new Error('journal read failed')) : inner.get(key)),
    }
    const { client } = fakeClient([asyncPricedPlugin(submits)], { clock: systemClock, jobJournal: journal, budget: { limitUsd: 1, store } })
    const res = await client.generateImage({ model: 'one', prompt: 'fox' }, { idempotencyKey: 'order-3' })
    expect(res.first()?.url).toBe('https://img.fake/job-of-order-3.png')
    expect(submits).toEqual([])
    expect(store.ops).toEqual(['reserve 0.04', 'adjust -0.04'])
    expect(await store.spent('default')).toBe(0.04)
  })

  it('a split request whose parts are recorded passes the early check of a full budget; only the new part is counted', async () => {
    const submits: string[] = []
    const journal = createMemoryJobJournal()
    const store = recordingStore()
    await leftBehind(journal, store, 'order-4#0', 'order-4', 2)
    store.ops.length = 0
    const { client } = fakeClient([asyncPricedPlugin(submits)], { clock: systemClock, jobJournal: journal, budget: { limitUsd: 0.08, store } })
    const res = await client.generateImage({ model: 'one', prompt: 'fox', n: 2 }, { idempotencyKey: 'order-4' })
    expect(res.images.map((i) => i.url)).toEqual(['https://img.fake/job-of-order-4#0.png', 'https://img.fake/job-1.png'])
    expect(submits).toEqual(['fox'])
    expect(store.ops).toEqual(['reserve 0.04'])
    expect(await store.spent('default')).toBe(0.08)
    // With the whole budget spent, a new two-image request is still refused before the network.
    const error = await client.generateImage({ model: 'one', prompt: 'fox', n: 2 }, { idempotencyKey: 'order-5' }).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'LLMKIT_BUDGET_EXCEEDED', reason: 'limit' })
    expect(submits).toEqual(['fox'])
  })
})
