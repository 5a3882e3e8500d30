import { sniffImageType } from '@llmkit/core'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GATEWAY_KEY, leakedKeys, type Stack, startStack } from './helpers.js'

/** One model of each provider the emulator speaks, as an OpenAI client would name it. */
const MODELS = [
  { provider: 'openai', model: 'dall-e-2' },
  { provider: 'fal', model: 'fal-ai/flux/schnell' },
  { provider: 'stability', model: 'stability-ai/stable-image-core' },
  { provider: 'recraft', model: 'recraft-v3' },
  { provider: 'runway', model: 'gen4_image' },
  { provider: 'replicate', model: 'black-forest-labs/flux-schnell' },
] as const

let stack: Stack
let openai: OpenAI

beforeAll(async () => {
  stack = await startStack()
  openai = new OpenAI({ apiKey: GATEWAY_KEY, baseURL: `${stack.url}/v1`, fetch: stack.fetch, maxRetries: 0 })
})
afterAll(async () => {
  await stack.close()
})

describe('the official openai SDK against the gateway', () => {
  it.each(MODELS)('generates a b64_json image with $provider ($model)', async ({ provider, model }) => {
    const res = await openai.images.generate({ model, prompt: `a lighthouse at dusk, ${provider}`, response_format: 'b64_json' })
    expect(res.data).toHaveLength(1)
    const b64 = res.data?.[0]?.b64_json
    expect(typeof b64).toBe('string')
    expect(sniffImageType(Buffer.from(b64!, 'base64'))).toMatch(/^image\//)
    expect((res as unknown as { llmkit: { provider: string } }).llmkit.provider).toBe(provider)
  })

  it.each(MODELS)('generates a url image with $provider ($model) that can be downloaded', async ({ provider, model }) => {
    const res = await openai.images.generate({ model, prompt: `a red fox in snow, ${provider}`, response_format: 'url' })
    const url = res.data?.[0]?.url
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//)
    const image = await fetch(url!)
    expect(image.status).toBe(200)
    expect(sniffImageType(Buffer.from(await image.arrayBuffer()))).toMatch(/^image\//)
  })

  it('takes llmkit fields OpenAI has no field for (seed, negative_prompt, aspect_ratio) and n', async () => {
    const res = await openai.images.generate({
      model: 'fal-ai/flux/schnell',
      prompt: 'a teapot',
      n: 2,
      response_format: 'b64_json',
      // The SDK forwards extra body fields as given.
      ...({ seed: 42, aspect_ratio: '16:9' } as object),
    })
    expect(res.data).toHaveLength(2)
    const again = await openai.images.generate({ model: 'stability-ai/stable-image-core', prompt: 'a teapot', response_format: 'b64_json', ...({ seed: 7, negative_prompt: 'blurry' } as object) })
    expect(again.data).toHaveLength(1)
  })

  it('serves bytes the provider returned at a signed URL; a tampered or missing signature is refused', async () => {
    // Stability answers with image bytes, so a url must be served by the gateway itself.
    const res = await openai.images.generate({ model: 'stability-ai/stable-image-core', prompt: 'a harbor', response_format: 'url' })
    const url = new URL(res.data![0]!.url!)
    expect(url.origin).toBe(stack.url)
    expect(url.pathname).toMatch(/^\/v1\/images\/files\//)
    expect((await fetch(url)).status).toBe(200)
    const tampered = new URL(url)
    tampered.searchParams.set('expires', String(Number(url.searchParams.get('expires')) + 3600))
    const refused = await stack.fetch(tampered)
    expect(refused.status).toBe(403)
    expect(await refused.json()).toMatchObject({ error: { type: 'invalid_request_error', code: 'invalid_signature' } })
    expect((await stack.fetch(`${stack.url}${url.pathname}`)).status).toBe(403)
  })

  it('lists the models it offers', async () => {
    const ids: string[] = []
    for await (const model of openai.models.list()) ids.push(model.id)
    for (const { model } of MODELS) expect(ids).toContain(model)
    const one = await openai.models.retrieve('fal-ai/flux/schnell')
    expect(one).toMatchObject({ id: 'fal-ai/flux/schnell', object: 'model', owned_by: 'fal' })
  })

  it('sees OpenAI errors the SDK understands: a bad key is an AuthenticationError', async () => {
    const wrong = new OpenAI({ apiKey: 'gw-not-a-key-0000000000000000', baseURL: `${stack.url}/v1`, fetch: stack.fetch, maxRetries: 0 })
    await expect(wrong.images.generate({ model: 'dall-e-2', prompt: 'x' })).rejects.toBeInstanceOf(OpenAI.AuthenticationError)
    await expect(openai.images.generate({ model: 'no-such-model-xyz', prompt: 'x' })).rejects.toBeInstanceOf(OpenAI.NotFoundError)
  })

  it('never lets a provider key out in a response or a log line', () => {
    expect(stack.capture.responses.length).toBeGreaterThan(15)
    expect(stack.capture.logs.length).toBeGreaterThan(20)
    expect(leakedKeys(stack.capture)).toEqual([])
  })
})
