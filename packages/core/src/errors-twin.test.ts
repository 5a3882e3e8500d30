import { describe, expect, it, vi } from 'vitest'
import * as here from './errors.js'

// An app importing `llmkit` through an npm alias while a provider imports `@llmkit/core` loads
// two copies of this module; errors thrown by one copy must still match the other's classes.
async function twinCopy(): Promise<typeof here> {
  vi.resetModules()
  const twin = (await import('./errors.js')) as typeof here
  expect(twin.ProviderError).not.toBe(here.ProviderError)
  return twin
}

describe('errors from another copy of the core', () => {
  it('match instanceof of the same class and of LLMKitError', async () => {
    const twin = await twinCopy()
    const e = new twin.ContentPolicyError('refused', { provider: 'openai' })
    expect(e instanceof here.ContentPolicyError).toBe(true)
    expect(e instanceof here.LLMKitError).toBe(true)
    expect(new twin.BudgetExceededError('over', { budget: 'b', limitUsd: 1, reason: 'limit' }) instanceof here.BudgetExceededError).toBe(true)
  })

  it('do not match a different class', async () => {
    const twin = await twinCopy()
    const e = new twin.ProviderError('boom')
    expect(e instanceof here.ContentPolicyError).toBe(false)
    expect(e instanceof here.DeliveryError).toBe(false)
    expect(new Error('plain') instanceof here.LLMKitError).toBe(false)
  })

  it("leave a caller's own subclass to the plain prototype check", async () => {
    const twin = await twinCopy()
    class MyProviderError extends here.ProviderError {}
    expect(new twin.ProviderError('boom') instanceof MyProviderError).toBe(false)
    expect(new MyProviderError('mine') instanceof MyProviderError).toBe(true)
    expect(new MyProviderError('mine') instanceof here.ProviderError).toBe(true)
  })
})
