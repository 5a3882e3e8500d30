import nock from 'nock'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { allowNonConformingBodies, assertBodiesConform, installBodyCheck } from './body-check.js'

/**
 * The hook `useNock()` installs in every provider unit test (issue 12): a body nock intercepts is
 * checked against its provider's vendored schema, and a test whose body breaks it fails.
 */

beforeAll(() => {
  nock.disableNetConnect()
  installBodyCheck()
})
afterAll(() => {
  nock.cleanAll()
  nock.enableNetConnect()
  nock.restore()
})

async function send(base: string, path: string, body: unknown): Promise<void> {
  nock(base).post(path).reply(200, { id: 'x' })
  await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
}

describe('body check on nock-intercepted requests', () => {
  it('fails on a Runway body its SDK type refuses, naming the request, the path in the body and the rule', async () => {
    await send('https://api.runway.test', '/v1/text_to_image', { model: 'gpt_image_2_5_flare', promptText: 'p', ratio: 'auto', background: 'transparent' })
    await expect(assertBodiesConform()).rejects.toThrow(/POST https:\/\/api\.runway\.test\/v1\/text_to_image .*: \/background must be equal to one of the allowed values: "opaque", "auto" \(vendored runway schema\)/)
  })

  it('fails on an OpenAI argument outside CreateImageRequest and on a Replicate SDXL input outside its cog schema', async () => {
    await send('https://api.openai.test', '/v1/images/generations', { model: 'dall-e-3', prompt: 'p', seed: 1 })
    await send('https://api.replicate.test', '/v1/models/stability-ai/sdxl/predictions', { input: { prompt: 'p', num_outputs: 5 } })
    const error = await assertBodiesConform().catch((e: unknown) => e)
    expect(String(error)).toContain('/seed is not a recognized field (vendored openai schema)')
    expect(String(error)).toContain('/num_outputs must be <= 4 (vendored replicate schema)')
  })

  it('checks Stability multipart text fields, coercing numbers as the service does', async () => {
    nock('https://api.stability.test').post('/v2beta/stable-image/generate/core').reply(200, {})
    const form = new FormData()
    form.set('prompt', 'p')
    form.set('seed', '4294967295')
    await fetch('https://api.stability.test/v2beta/stable-image/generate/core', { method: 'POST', body: form })
    await expect(assertBodiesConform()).rejects.toThrow('/seed must be <= 4294967294')
  })

  it('passes conforming bodies, hosts of no provider and requests no schema covers', async () => {
    await send('https://api.runway.test', '/v1/text_to_image', { model: 'muse_image', promptText: 'p', ratio: 'auto', outputFormat: 'webp' })
    await send('https://images.test', '/anything', { whatever: true })
    await send('https://queue.fal.test', '/fal-ai/some-new-model', { anything: 1 })
    await expect(assertBodiesConform()).resolves.toBeUndefined()
  })

  it('lets a test that sends a refused body on purpose opt out, for that test only', async () => {
    allowNonConformingBodies('asserts how the API 400 is mapped')
    await send('https://api.runway.test', '/v1/text_to_image', { model: 'gen4_image', promptText: 'p', ratio: '1:1' })
    await expect(assertBodiesConform()).resolves.toBeUndefined()
    await send('https://api.runway.test', '/v1/text_to_image', { model: 'gen4_image', promptText: 'p', ratio: '1:1' })
    await expect(assertBodiesConform()).rejects.toThrow('/ratio')
  })
})
