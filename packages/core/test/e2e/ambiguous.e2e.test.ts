import { fal } from '@llmkit/provider-fal'
import { openai } from '@llmkit/provider-openai'
import { replicate } from '@llmkit/provider-replicate'
import { LLMKitClient, type LLMKitClientOptions, NetworkError, TimeoutError } from 'llmkit'
import { afterEach, describe, expect, inject, it } from 'vitest'

// Ambiguous outcomes against the emulator: the provider handled the request (the work was done,
// and would be billed) and the connection then broke or hung before any status came back.
const emulator = inject('emulatorUrl')

interface LogEntry {
  method: string
  path: string
  submission: boolean
  handled: boolean
  prompt?: string
}

async function fault(spec: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${emulator}/__emulator/faults`, { method: 'POST', body: JSON.stringify(spec) })
  expect(res.status).toBe(200)
}

/** Submissions the emulator handled for a prompt: each one would have been billed. */
async function billed(prompt: string): Promise<number> {
  const res = await fetch(`${emulator}/__emulator/log?submissions=1`)
  const { entries } = (await res.json()) as { entries: LogEntry[] }
  return entries.filter((e) => e.handled && e.prompt === prompt).length
}

function client(options: LLMKitClientOptions = {}): LLMKitClient {
  return new LLMKitClient({ providers: [openai(), fal(), replicate()], env: process.env, retry: { random: () => 0 }, ...options })
}

afterEach(async () => {
  await fetch(`${emulator}/__emulator/faults`, { method: 'DELETE' })
})

describe('ambiguous outcomes', () => {
  it('a sync provider (OpenAI) retries a reset after handling by default; the response says it may have been charged twice', async () => {
    const prompt = 'ambiguous sync reset'
    await fault({ kind: 'reset-after-handling', pathPrefix: '/openai/v1/images', bodyIncludes: prompt })
    const res = await client().generateImage({ model: 'dall-e-3', prompt })
    expect(res.count).toBe(1)
    expect(res.attempts).toBe(2)
    expect(res.mayHaveBeenCharged).toBe(true)
    expect(await billed(prompt)).toBe(2)
  })

  it("the same call under retry.ambiguous 'fail' is one billed request and a marked, non-retryable error", async () => {
    const prompt = 'ambiguous sync reset, no retry'
    await fault({ kind: 'reset-after-handling', pathPrefix: '/openai/v1/images', bodyIncludes: prompt })
    const error = await client({ retry: { ambiguous: { openai: 'fail' } } })
      .generateImage({ model: 'dall-e-3', prompt })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(NetworkError)
    expect(error).toMatchObject({ mayHaveBeenCharged: true, retryable: false })
    expect(await billed(prompt)).toBe(1)
  })

  it('an async provider (fal) never submits again after an ambiguous submit by default', async () => {
    const prompt = 'ambiguous fal submit'
    await fault({ kind: 'reset-after-handling', pathPrefix: '/fal/', method: 'POST', bodyIncludes: prompt })
    const error = await client().generateImage({ model: 'fal-ai/flux/schnell', prompt }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(NetworkError)
    expect(error).toMatchObject({ mayHaveBeenCharged: true, retryable: false })
    expect(await billed(prompt)).toBe(1)
  })

  it('a hung async submit (Replicate) hits the attempt deadline, is marked, and is not submitted again', async () => {
    const prompt = 'ambiguous replicate hang'
    await fault({ kind: 'hang-after-handling', pathPrefix: '/replicate/', method: 'POST', bodyIncludes: prompt })
    const error = await client({ timeout: { attemptTimeoutMs: 300 } })
      .generateImage({ model: 'black-forest-labs/flux-schnell', prompt })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TimeoutError)
    expect(error).toMatchObject({ mayHaveBeenCharged: true, retryable: false })
    expect((error as Error).message).toMatch(/submit of attempt 1 got no answer within 300 ms/)
    expect(await billed(prompt)).toBe(1)
  })

  it("with retry.ambiguous 'retry', a hung async submit is given up at the attempt deadline and submitted again", async () => {
    const prompt = 'hung fal submit, retry allowed'
    // The emulator read the body and never answered: sent in full, so ambiguous from the client's side.
    await fault({ hang: true, pathPrefix: '/fal/', method: 'POST', bodyIncludes: prompt })
    const res = await client({ timeout: { attemptTimeoutMs: 300 }, retry: { ambiguous: { fal: 'retry' }, random: () => 0 } }).generateImage({ model: 'fal-ai/flux/schnell', prompt })
    expect(res.count).toBe(1)
    expect(res.attempts).toBe(2)
    expect(res.mayHaveBeenCharged).toBe(true)
    // Here the hung one was never handled, so only the retry was billed; the client could not know that.
    expect(await billed(prompt)).toBe(1)
  })
})
