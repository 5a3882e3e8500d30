import { openai } from '@llmkit/provider-openai'
import { BudgetExceededError, type Clock, createMemoryBudgetStore, LLMKitClient, type LLMKitClientOptions, type ProviderPlugin } from 'llmkit'
import { beforeEach, describe, expect, inject, it } from 'vitest'

const emulator = inject('emulatorUrl')
const IMAGES = '/openai/v1/images/generations'

async function fault(spec: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${emulator}/__emulator/faults`, { method: 'POST', body: JSON.stringify({ pathPrefix: IMAGES, ...spec }) })
  expect(res.status).toBe(200)
}

/** Sleeps return at once, so retry waits cost nothing. */
const instantClock: Clock = {
  now: () => Date.now(),
  sleep: async (_ms, signal) => {
    if (signal?.aborted) throw signal.reason
  },
}

/** The OpenAI plugin with its provider calls counted (what reached the emulator). */
function countingOpenAI(): ProviderPlugin & { calls: number } {
  const base = openai()
  const plugin = {
    ...base,
    calls: 0,
    create(ctx: Parameters<ProviderPlugin['create']>[0]) {
      const provider = base.create(ctx)
      return {
        generate: (req: Parameters<ReturnType<ProviderPlugin['create']>['generate']>[0], options: Parameters<ReturnType<ProviderPlugin['create']>['generate']>[1]) => {
          plugin.calls++
          return provider.generate(req, options)
        },
      }
    },
  }
  return plugin
}

function setup(options: LLMKitClientOptions = {}) {
  const plugin = countingOpenAI()
  const client = new LLMKitClient({ providers: [plugin], clock: instantClock, ...options })
  return { client, plugin }
}

beforeEach(async () => {
  await fetch(`${emulator}/__emulator/faults`, { method: 'DELETE' })
})

describe('cost and budget against the emulator', () => {
  it('prices DALL·E 3 from the table and stops at the limit before the network', async () => {
    const { client, plugin } = setup({ budget: { limitUsd: 0.1 } })
    const first = await client.generateImage({ model: 'dall-e-3', prompt: 'budget: a lighthouse' })
    expect(first.cost).toMatchObject({ usd: 0.04, estimated: true })
    await client.generateImage({ model: 'dall-e-3', prompt: 'budget: a lighthouse' })
    await expect(client.generateImage({ model: 'dall-e-3', prompt: 'budget: a lighthouse' })).rejects.toBeInstanceOf(BudgetExceededError)
    expect(plugin.calls).toBe(2)
    expect(await client.budgetSpentUsd()).toBe(0.08)
  })

  it('computes GPT image cost from the reported tokens, and settles the reservation to it', async () => {
    const store = createMemoryBudgetStore()
    const { client } = setup({ budget: { limitUsd: 1, store } })
    const estimate = await client.estimateCost({ model: 'gpt-image-1', prompt: 'budget: a fox' })
    // No quality and no size: both `auto`, reserved at the dearest standard size at high quality (1536x1024).
    expect(estimate.usd).toBe(0.25)
    const res = await client.generateImage({ model: 'gpt-image-1', prompt: 'budget: a fox' })
    // The emulator reports 50 input and 1056 output tokens: 50 × $5/1M + 1056 × $40/1M.
    expect(res.cost).toMatchObject({ usd: 0.04249, estimated: false })
    expect(await store.spent('default')).toBe(0.04249)
  })

  it('refunds a failed attempt and charges the retry that succeeded', async () => {
    await fault({ kind: 'server-error', bodyIncludes: 'budget: retried' })
    const { client, plugin } = setup({ budget: { limitUsd: 1 } })
    const res = await client.generateImage({ model: 'dall-e-2', prompt: 'budget: retried', size: '512x512' })
    expect(plugin.calls).toBe(2)
    expect(res.cost?.usd).toBe(0.018)
    expect(await client.budgetSpentUsd()).toBe(0.018)
  })

  it('keeps the charge of an attempt the emulator handled but never answered', async () => {
    await fault({ kind: 'reset-after-handling', bodyIncludes: 'budget: ambiguous' })
    const { client, plugin } = setup({ budget: { limitUsd: 1 }, retry: { maxRetries: 1 } })
    const res = await client.generateImage({ model: 'dall-e-3', prompt: 'budget: ambiguous' })
    expect(plugin.calls).toBe(2)
    expect(res.mayHaveBeenCharged).toBe(true)
    expect(res.cost?.usd).toBe(0.08)
    expect(await client.budgetSpentUsd()).toBe(0.08)
  })

  it('refuses a split request that cannot fit without sending any part', async () => {
    const { client, plugin } = setup({ budget: { limitUsd: 0.1 } })
    const error = await client.generateImage({ model: 'dall-e-3', prompt: 'budget: three', n: 3 }).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'LLMKIT_BUDGET_EXCEEDED', estimateUsd: 0.12 })
    expect(plugin.calls).toBe(0)
  })
})
