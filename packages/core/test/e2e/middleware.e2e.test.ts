import { openai } from '@llmkit/provider-openai'
import { AbortError, type Clock, createMemoryCacheStore, GeneratedImage, ImageGenerationRequest, LLMKitClient, type LLMKitClientOptions, type ProviderPlugin, RateLimitError, type RetryEvent } from 'llmkit'
import { beforeEach, describe, expect, inject, it } from 'vitest'

const emulator = inject('emulatorUrl')
const IMAGES = '/openai/v1/images/generations'

async function fault(spec: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${emulator}/__emulator/faults`, { method: 'POST', body: JSON.stringify({ pathPrefix: IMAGES, ...spec }) })
  expect(res.status).toBe(200)
}

/** A clock whose sleeps return at once (time still moves), so retry waits cost nothing. */
function instantClock(): Clock & { sleeps: number[]; current: number } {
  const clock = {
    current: Date.now(),
    sleeps: [] as number[],
    now: () => clock.current,
    sleep: async (ms: number, signal?: AbortSignal) => {
      if (signal?.aborted) throw signal.reason
      clock.sleeps.push(ms)
      clock.current += ms
    },
  }
  return clock
}

/** The OpenAI plugin, with its provider calls counted (written against the public contract only). */
function countingOpenAI(): ProviderPlugin & { calls: number[] } {
  const base = openai()
  const calls: number[] = []
  return {
    ...base,
    calls,
    create(ctx) {
      const provider = base.create(ctx)
      return {
        generate: (req, options) => {
          calls.push(req.n)
          return provider.generate(req, options)
        },
      }
    },
  }
}

function setup(options: LLMKitClientOptions = {}) {
  const plugin = countingOpenAI()
  const clock = instantClock()
  const retries: RetryEvent[] = []
  const client = new LLMKitClient({
    providers: [plugin],
    clock,
    ...options,
    retry: options.retry === false ? false : { onRetry: (e) => retries.push(e), ...options.retry },
  })
  return { client, plugin, clock, retries }
}

const rateLimited = { error: { message: 'Rate limit reached for images per minute', type: 'requests', code: 'rate_limit_exceeded' } }
const serverError = { error: { message: 'The server had an error processing your request', type: 'server_error', code: null } }

beforeEach(async () => {
  await fetch(`${emulator}/__emulator/faults`, { method: 'DELETE' })
})

describe('retry against the emulator', () => {
  it.each([
    ['retry-after-ms', { 'retry-after-ms': '1500' }, 1_500],
    ['Retry-After in seconds', { 'retry-after': '2' }, 2_000],
  ])('honors a 429 with %s', async (_name, headers, wait) => {
    await fault({ status: 429, headers, body: rateLimited })
    const { client, plugin, clock, retries } = setup()
    const res = await client.generateImage(new ImageGenerationRequest('dall-e-2', 'a red fox'))
    expect(res.count).toBe(1)
    expect(plugin.calls).toHaveLength(2)
    expect(clock.sleeps).toEqual([wait])
    expect(retries[0]).toMatchObject({ attempt: 1, delayMs: wait, error: { code: 'LLMKIT_RATE_LIMIT', status: 429 } })
  })

  it('honors a 429 with Retry-After as an HTTP date', async () => {
    await fault({ status: 429, headers: { 'retry-after': new Date(Date.now() + 3_000).toUTCString() }, body: rateLimited })
    const { client, clock } = setup()
    await client.generateImage({ model: 'dall-e-2', prompt: 'a red fox' })
    expect(clock.sleeps).toHaveLength(1)
    // HTTP dates have whole seconds: the wait lands in (1 s, 3 s].
    expect(clock.sleeps[0]).toBeGreaterThan(1_000)
    expect(clock.sleeps[0]).toBeLessThanOrEqual(3_000)
  })

  it('reads a Retry-After date once, on the client clock: the retry waits for it and the rate limiter adds no second wait', async () => {
    // A client clock an hour behind the wall clock: against Date.now() this date would be long past.
    const { client, clock, plugin } = setup()
    clock.current -= 3_600_000
    const at = Math.floor(clock.current / 1000) * 1000 + 3_000
    await fault({ status: 429, headers: { 'retry-after': new Date(at).toUTCString() }, body: rateLimited })
    const start = clock.current
    await client.generateImage({ model: 'dall-e-2', prompt: 'a red fox' })
    expect(plugin.calls).toHaveLength(2)
    // The instant clock stands still until it sleeps: the one wait ends exactly at the date.
    expect(clock.sleeps).toEqual([at - start])
    expect(clock.sleeps[0]).toBeGreaterThan(2_000)
    expect(clock.sleeps[0]).toBeLessThanOrEqual(3_000)
  })

  it('obeys x-should-retry: false on a 500', async () => {
    await fault({ status: 500, headers: { 'x-should-retry': 'false' }, body: serverError })
    const { client, plugin } = setup()
    await expect(client.generateImage({ model: 'dall-e-2', prompt: 'a red fox' })).rejects.toMatchObject({ code: 'LLMKIT_PROVIDER', retryable: false })
    expect(plugin.calls).toHaveLength(1)
  })

  it('never retries insufficient quota', async () => {
    await fault({ status: 429, body: { error: { message: 'You exceeded your current quota', type: 'insufficient_quota', code: 'insufficient_quota' } } })
    const { client, plugin } = setup()
    const error = await client.generateImage({ model: 'dall-e-2', prompt: 'a red fox' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RateLimitError)
    expect((error as Error).message).toContain('quota')
    expect(plugin.calls).toHaveLength(1)
  })

  it('retries a 500 then succeeds', async () => {
    await fault({ status: 500, body: serverError })
    const { client, plugin, retries } = setup()
    const res = await client.generateImage({ model: 'dall-e-2', prompt: 'a red fox' })
    expect(res.count).toBe(1)
    expect(plugin.calls).toHaveLength(2)
    expect(retries[0]?.error.code).toBe('LLMKIT_PROVIDER')
  })

  it.each([408, 409, 502, 504])('retries a %i', async (status) => {
    await fault({ status, body: serverError })
    const { client, plugin } = setup()
    expect((await client.generateImage({ model: 'dall-e-2', prompt: 'a red fox' })).count).toBe(1)
    expect(plugin.calls).toHaveLength(2)
  })

  it.each([400, 401, 403, 404, 422])('never retries a %i', async (status) => {
    await fault({ status, body: { error: { message: 'nope', type: 'invalid_request_error', code: null } } })
    const { client, plugin } = setup()
    await expect(client.generateImage({ model: 'dall-e-2', prompt: 'a red fox' })).rejects.toMatchObject({ status, retryable: false })
    expect(plugin.calls).toHaveLength(1)
  })

  it('retries a connection reset', async () => {
    await fault({ reset: true })
    const { client, plugin, retries } = setup()
    expect((await client.generateImage({ model: 'dall-e-2', prompt: 'a red fox' })).count).toBe(1)
    expect(plugin.calls).toHaveLength(2)
    expect(retries[0]?.error.code).toBe('LLMKIT_NETWORK')
  })

  it('times out an attempt that hangs and retries it', async () => {
    await fault({ hang: true })
    const { client, plugin, retries } = setup({ timeout: { attemptTimeoutMs: 300 } })
    expect((await client.generateImage({ model: 'dall-e-2', prompt: 'a red fox' })).count).toBe(1)
    expect(plugin.calls).toHaveLength(2)
    expect(retries[0]?.error.code).toBe('LLMKIT_TIMEOUT')
  })

  it('an abort mid-retry ends the wait with an AbortError and sends nothing more', async () => {
    await fault({ status: 429, headers: { 'retry-after': '30' }, body: rateLimited, count: 5 })
    const controller = new AbortController()
    // The real clock: the 30 s wait must be cut by the abort, not skipped.
    const plugin = countingOpenAI()
    const client = new LLMKitClient({ providers: [plugin], retry: { onRetry: () => controller.abort() } })
    await expect(client.generateImage({ model: 'dall-e-2', prompt: 'a red fox' }, { signal: controller.signal })).rejects.toBeInstanceOf(AbortError)
    expect(plugin.calls).toHaveLength(1)
  })
})

describe('cache against the emulator', () => {
  it('misses, hits, expires, and shares in-flight calls', async () => {
    const { client, plugin, clock } = setup({ cache: { ttlMs: 60_000 } })
    const req = { model: 'dall-e-2', prompt: 'a lighthouse', size: '256x256' as const }
    const [a, b] = await Promise.all([client.generateImage(req), client.generateImage(req)])
    expect(plugin.calls).toHaveLength(1)
    expect(b.first()?.url).toBe(a.first()?.url)
    const hit = await client.generateImage(req)
    expect(plugin.calls).toHaveLength(1)
    expect(hit.first()?.url).toBe(a.first()?.url)
    clock.current += 60_001
    await client.generateImage(req)
    expect(plugin.calls).toHaveLength(2)
  })
})

describe('cache hits and download trust', () => {
  it("a hit carries its client's download trust: bytes() of an emulator URL works from a hit as from the fresh response", async () => {
    const store = createMemoryCacheStore()
    const { client, plugin } = setup({ cache: { store } })
    const req = { model: 'dall-e-2', prompt: 'a trusted lighthouse', size: '256x256' as const }
    const fresh = await client.generateImage(req)
    const hit = await client.generateImage(req)
    expect(plugin.calls).toHaveLength(1)
    expect(hit.first()?.url).toBe(fresh.first()?.url)
    expect(new URL(hit.first()!.url!).origin).toBe(emulator)
    const bytes = await fresh.first()!.bytes()
    expect((await hit.first()!.bytes()).equals(bytes)).toBe(true)
    // The trust is the client's configuration, not data in the entry: a client whose OpenAI base
    // URL is elsewhere is served the same entry but may not fetch plain http on the emulator.
    const other = setup({ cache: { store }, baseUrls: { openai: 'https://api.openai.invalid/v1' } })
    const foreign = await other.client.generateImage(req)
    expect(other.plugin.calls).toHaveLength(0)
    await expect(foreign.first()!.bytes()).rejects.toMatchObject({ code: 'LLMKIT_INVALID_REQUEST' })
    // And an image built by hand from the same URL has no trust at all.
    await expect(GeneratedImage.from_url(hit.first()!.url!).bytes()).rejects.toMatchObject({ code: 'LLMKIT_INVALID_REQUEST' })
  })
})

describe('split and fallback against the emulator', () => {
  it('splits n=4 on dall-e-3 into 4 calls and returns 4 images in order', async () => {
    const { client, plugin } = setup()
    const res = await client.generateImage(new ImageGenerationRequest('dall-e-3', 'a mountain lake').with_n(4))
    expect(plugin.calls).toEqual([1, 1, 1, 1])
    expect(res.count).toBe(4)
    expect(res.requestIds).toHaveLength(4)
  })

  it('falls back to another model on a 503 and reports the model used', async () => {
    await fault({ status: 503, body: serverError })
    const { client } = setup({ retry: { maxRetries: 0 }, fallback: { models: ['dall-e-2'] } })
    const res = await client.generateImage({ model: 'dall-e-3', prompt: 'a mountain lake' })
    expect(res.model).toBe('dall-e-2')
    expect(res.provider).toBe('openai')
    expect(res.warnings).toContainEqual({ type: 'other', message: 'dall-e-3 failed (LLMKIT_PROVIDER); fell back to dall-e-2' })
  })
})

describe('usage and timings', () => {
  it('each response carries provider, model, timings and the usage the provider reports', async () => {
    const { client } = setup()
    const res = await client.generateImage({ model: 'gpt-image-1', prompt: 'a lantern', n: 2 })
    expect(res.provider).toBe('openai')
    expect(res.model).toBe('gpt-image-1')
    expect(res.usage?.totalTokens).toBeGreaterThan(0)
    expect(res.timings?.totalMs).toBeGreaterThanOrEqual(0)
    expect(res.timings?.providerMs).toBeGreaterThanOrEqual(0)
  })
})
