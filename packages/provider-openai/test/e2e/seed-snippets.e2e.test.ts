import { existsSync, readFileSync } from 'node:fs'
import { type ImageGenerationRequest, type ImageGenerationResponse, LLMKitClient } from '@llmkit/core'
import { afterEach, describe, expect, expectTypeOf, inject, it, vi } from 'vitest'
import { SEED_IN_REPO, SEED_SHARED, isSignature, materialize, seedSnippets } from '../seed/snippets.js'

const snippets = seedSnippets()
const runnable = snippets.filter((s) => !isSignature(s.code))

async function injectFault(fault: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${inject('emulatorUrl')}/__emulator/faults`, { method: 'POST', body: JSON.stringify(fault) })
  expect(res.status).toBe(200)
}

function captureConsole() {
  const log = vi.spyOn(console, 'log').mockImplementation(() => {})
  const error = vi.spyOn(console, 'error').mockImplementation(() => {})
  return {
    logs: () => log.mock.calls.map((c) => c.map(String).join(' ')),
    errors: () => error.mock.calls.map((c) => c.map(String).join(' ')),
  }
}

afterEach(() => vi.restoreAllMocks())

describe('the seed document', () => {
  it('is the same text as ../shared/seed (the repo copy is what the tests run)', () => {
    if (existsSync(SEED_SHARED)) expect(readFileSync(SEED_IN_REPO, 'utf8')).toBe(readFileSync(SEED_SHARED, 'utf8'))
    expect(snippets.map((s) => s.heading)).toStrictEqual([
      'TypeScript',
      '#### Constructor',
      'Complete Example',
      'Signature',
      'Example',
      'TypeScript: Batch Generation with Retry',
      'TypeScript',
    ].map((h) => h.replace(/^#+\s*/, '')))
  })

  it('has signatures that match the real API', () => {
    expect(snippets.filter((s) => isSignature(s.code))).toHaveLength(2)
    expectTypeOf<typeof import('@llmkit/core').ImageGenerationRequest>().toMatchTypeOf<new (model: string, prompt: string) => ImageGenerationRequest>()
    expectTypeOf<LLMKitClient['generateImage']>().toMatchTypeOf<(request: ImageGenerationRequest) => Promise<ImageGenerationResponse>>()
  })
})

describe('every runnable TypeScript snippet of the seed, unchanged, against the emulator', () => {
  it('quick start: generates one image and prints its URL', async () => {
    const out = captureConsole()
    await import(materialize(runnable[0]!, 'quick-start'))
    expect(out.logs()[0]).toBe('Generated 1 image(s)')
    expect(out.logs()[1]).toMatch(/^Image URL: http:\/\/127\.0\.0\.1:\d+\/files\/[\w-]+\.png$/)
  })

  it('complete builder example: builds the dall-e-3 request without error', async () => {
    expect(runnable[1]!.code).toContain('.with_format(ImageFormat.Url)')
    await expect(import(materialize(runnable[1]!, 'complete-example'))).resolves.toBeDefined()
  })

  it('generateImage example: generates with the client', async () => {
    expect(runnable[2]!.code).toContain("'A sunset over mountains'")
    await expect(import(materialize(runnable[2]!, 'example'))).resolves.toBeDefined()
  })

  it('batch generation with retry: returns after a provider error on the first attempt', async () => {
    const out = captureConsole()
    await injectFault({ pathPrefix: '/openai/', bodyIncludes: 'A cat in space', status: 500, body: { error: { message: 'The server had an error', type: 'server_error', param: null, code: null } } })
    await expect(import(materialize(runnable[3]!, 'batch-with-retry'))).resolves.toBeDefined()
    // The core's retry middleware (or, without it, the snippet's own loop) absorbs the 500.
    expect(out.errors().length).toBeLessThanOrEqual(1)
  })

  it('error handling: prints nothing on success', async () => {
    const out = captureConsole()
    await import(materialize(runnable[4]!, 'error-handling-ok'))
    expect(out.errors()).toStrictEqual([])
    expect(out.logs()).toStrictEqual([])
  })

  it('error handling: an exhausted quota prints the seed\'s "quota" hint', async () => {
    const out = captureConsole()
    await injectFault({
      pathPrefix: '/openai/',
      bodyIncludes: 'Generate image',
      count: 5,
      status: 429,
      body: { error: { message: 'You exceeded your current quota, please check your plan and billing details.', type: 'insufficient_quota', param: null, code: 'insufficient_quota' } },
    })
    await import(materialize(runnable[4]!, 'error-handling-quota'))
    await fetch(`${inject('emulatorUrl')}/__emulator/faults`, { method: 'DELETE' })
    expect(out.errors()[0]).toMatch(/^Image generation failed: openai dall-e-3: quota exhausted/)
    expect(out.logs()).toStrictEqual(['Rate limit reached, try again later'])
  })
})
