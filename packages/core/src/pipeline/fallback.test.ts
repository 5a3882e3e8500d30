import { describe, expect, it } from 'vitest'
import { ContentPolicyError, InvalidRequestError, ProviderError, RateLimitError } from '../errors.js'
import { fakeClient, fakePlugin } from './__fixtures__/fake.js'
import { fallback } from './fallback.js'

const failOn = (model: string, error: Error) =>
  fakePlugin(async (req) => {
    if (req.modelId === model) throw error
    return { images: [{ url: `https://img.fake/${req.modelId}.png` }] }
  })

describe('fallback', () => {
  it('tries the next model after a retryable failure survives retry, and reports the model used', async () => {
    const plugin = failOn('one', new ProviderError('down', { status: 503 }))
    const { client, logger } = fakeClient([plugin], { fallback: { models: ['backup'] }, retry: { maxRetries: 1 } })
    const res = await client.generateImage({ model: 'one', prompt: 'cat' })
    expect(res.model).toBe('backup')
    expect(res.provider).toBe('fake')
    expect(plugin.calls.map((c) => c.modelId)).toEqual(['one', 'one', 'backup'])
    expect(res.warnings).toEqual([{ type: 'other', message: 'one failed (LLMKIT_PROVIDER); fell back to backup' }])
    expect(logger.events.find((e) => e.obj['event'] === 'generation.fallback')?.obj).toMatchObject({ model: 'one', fallbackModel: 'backup', status: 503 })
  })

  it('takes per-model chains', async () => {
    const plugin = failOn('many', new ProviderError('down', { status: 503 }))
    const { client } = fakeClient([plugin], { fallback: { models: { many: ['one'] } }, retry: false })
    expect((await client.generateImage({ model: 'many', prompt: 'cat' })).model).toBe('one')
  })

  it('does not fall back on a non-retryable error unless its code is configured', async () => {
    const policy = failOn('one', new ContentPolicyError('blocked'))
    const { client } = fakeClient([policy], { fallback: { models: ['backup'] } })
    await expect(client.generateImage({ model: 'one', prompt: 'cat' })).rejects.toBeInstanceOf(ContentPolicyError)
    const { client: configured } = fakeClient([failOn('one', new RateLimitError('quota exhausted', { retryable: false }))], {
      fallback: { models: ['backup'], codes: ['LLMKIT_RATE_LIMIT'] },
    })
    expect((await configured.generateImage({ model: 'one', prompt: 'cat' })).model).toBe('backup')
  })

  it('throws the last error when every model fails', async () => {
    const plugin = fakePlugin(async (req) => {
      throw new ProviderError(`${req.modelId} down`, { status: 503 })
    })
    const { client } = fakeClient([plugin], { fallback: { models: ['backup', 'many'] }, retry: false })
    await expect(client.generateImage({ model: 'one', prompt: 'cat' })).rejects.toThrow('many down')
    expect(plugin.calls.map((c) => c.modelId)).toEqual(['one', 'backup', 'many'])
  })

  it('validates the fallback model on its own (its own splitting)', async () => {
    const plugin = failOn('many', new InvalidRequestError('x', { retryable: true }))
    const { client } = fakeClient([plugin], { fallback: { models: ['one'] }, retry: false })
    const res = await client.generateImage({ model: 'many', prompt: 'cat', n: 2 })
    expect(plugin.calls.map((c) => [c.modelId, c.n])).toEqual([
      ['many', 2],
      ['one', 1],
      ['one', 1],
    ])
    expect(res.count).toBe(2)
  })

  it('rejects bad options with a TypeError naming them', () => {
    expect(() => fallback({ models: 'backup' as never })).toThrow(TypeError)
    expect(() => fallback({ shouldFallback: 1 as never })).toThrow(new TypeError('Expected `shouldFallback` to be a function, got number.'))
  })

  it("keeps a failed model's paid work: on its warning after a fallback, and on the error when every model fails", async () => {
    // `one` (1 per call) splits n=2; part 2 fails retryably once part 1 has delivered (per prompt).
    const gates = new Map<string, { opened: Promise<void>; open: () => void }>()
    const gate = (prompt: string) => {
      if (!gates.has(prompt)) {
        let open!: () => void
        const opened = new Promise<void>((resolve) => (open = resolve))
        gates.set(prompt, { opened, open })
      }
      return gates.get(prompt)!
    }
    const plugin = fakePlugin(async (req) => {
      if (req.modelId === 'one' && req.seed === 2) {
        await gate(req.prompt).opened
        throw new ProviderError('down', { status: 503 })
      }
      if (req.modelId === 'one') setImmediate(gate(req.prompt).open)
      if (req.modelId === 'backup' && req.prompt === 'fail') throw new ProviderError('backup down', { status: 503 })
      return { images: Array.from({ length: req.n }, () => ({ url: `https://img.fake/${req.modelId}-${req.seed}.png` })), requestId: `req-${req.modelId}-${req.seed}` }
    })
    const { client } = fakeClient([plugin], { fallback: { models: ['backup'] }, retry: false })
    const res = await client.generateImage({ model: 'one', prompt: 'cat', n: 2, seed: 1 })
    expect(res.model).toBe('backup')
    expect(res.warnings[0]).toMatchObject({ type: 'other', paid: { model: 'one', images: [{ url: 'https://img.fake/one-1.png' }] } })

    const { client: failing } = fakeClient([plugin], { fallback: { models: ['backup'] }, retry: false })
    const error = (await failing.generateImage({ model: 'one', prompt: 'fail', n: 2, seed: 1 }).catch((e: unknown) => e)) as ProviderError
    expect(error.message).toContain('backup down')
    expect(error.paid?.images.map((i) => i.url)).toEqual(['https://img.fake/one-1.png'])
    expect(error.partial?.images.map((i) => i.url)).toEqual(['https://img.fake/one-1.png'])
  })
})
