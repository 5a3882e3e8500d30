import { DeliveryError, LLMKitClient, ProviderError, sniffImageType } from '@llmkit/core'
import { afterEach, describe, expect, it } from 'vitest'

/** The emulator of this project (its base URL variables are set by the shared test setup). */
const origin = () => new URL(process.env['REPLICATE_BASE_URL']!).origin

async function control(path: string, body?: unknown, method = 'POST'): Promise<Record<string, unknown>> {
  const res = await fetch(`${origin()}${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) })
  return (await res.json()) as Record<string, unknown>
}

/** Submissions the emulator received with this prompt (each is a paid prediction). */
async function submissions(prompt: string): Promise<number> {
  const log = (await control('/__emulator/log?submissions=1', undefined, 'GET')) as { entries: { prompt?: string }[] }
  return log.entries.filter((e) => e.prompt === prompt).length
}

afterEach(async () => {
  await control('/__emulator/faults', undefined, 'DELETE')
})

describe('delivery after a paid generation (emulator)', () => {
  it('the image host answers 503, then 200: one submission, the image is delivered as base64', async () => {
    const prompt = `delivery 503 then 200 ${Date.now()}`
    await control('/__emulator/faults', { count: 1, pathPrefix: '/files/', method: 'GET', kind: 'unavailable' })
    const res = await LLMKitClient.fromEnv({ downloads: { initialDelayMs: 1 } }).generateImage({ model: 'black-forest-labs/flux-schnell', prompt, format: 'b64_json' })
    expect(sniffImageType(Buffer.from(res.first()!.b64_json!, 'base64'))).toBe('image/png')
    expect(await submissions(prompt)).toBe(1)
  })

  it('the image host answers 503 on every try: a DeliveryError with the URLs and the prediction id, after exactly one submission', async () => {
    const prompt = `delivery 503 forever ${Date.now()}`
    await control('/__emulator/faults', { count: 3, pathPrefix: '/files/', method: 'GET', kind: 'unavailable' })
    const error = await LLMKitClient.fromEnv({ downloads: { initialDelayMs: 1 } })
      .generateImage({ model: 'black-forest-labs/flux-schnell', prompt, format: 'b64_json' })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DeliveryError)
    const paid = (error as DeliveryError).paid!
    expect(paid.provider).toBe('replicate')
    expect(paid.jobId).toBeTypeOf('string')
    expect(paid.images).toHaveLength(1)
    expect(paid.images[0]!.url).toMatch(new RegExp(`^${origin()}/files/`))
    expect(await submissions(prompt)).toBe(1)
    // The paid URL still works once the host recovers.
    expect((await fetch(paid.images[0]!.url!)).status).toBe(200)
  })

  it('an HTML page where the image should be is a non-retryable ProviderError, never a success, and not submitted again', async () => {
    const prompt = `delivery html ${Date.now()}`
    await control('/__emulator/faults', { count: 1, pathPrefix: '/files/', method: 'GET', kind: 'html-image' })
    const error = await LLMKitClient.fromEnv()
      .generateImage({ model: 'black-forest-labs/flux-schnell', prompt, format: 'b64_json' })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ProviderError)
    expect((error as ProviderError).retryable).toBe(false)
    expect((error as ProviderError).paid?.images).toHaveLength(1)
    expect(await submissions(prompt)).toBe(1)
  })
})
