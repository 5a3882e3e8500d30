import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEmulator } from './server.js'
import type { RunningEmulator } from './types.js'
import { checkVendoredSchema, hasDefinition } from './vendored-schemas.js'

/**
 * Issue 12: the emulator follows the providers' vendored request schemas (the files the
 * conformance suite checks llmkit's bodies against), so it refuses what the real API would
 * refuse, each with the provider's own error shape. Every body below passes the emulator's
 * hand-written rules and is refused only by the schema.
 */

let emulator: RunningEmulator
const env = (name: string) => emulator.env[name]!

async function post(url: string, body: unknown, headers: Record<string, string>) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })
  return { status: res.status, contentType: res.headers.get('content-type'), json: (await res.json()) as Record<string, unknown> }
}

beforeAll(async () => {
  emulator = await startEmulator({ jobTiming: { queuedMs: 10, runningMs: 10 } })
})
afterAll(() => emulator.close())

describe('checkVendoredSchema', () => {
  it('names the field, the JSON pointer and the allowed values', () => {
    expect(checkVendoredSchema('runway', 'GptImage2_5Flare', { model: 'gpt_image_2_5_flare', promptText: 'p', ratio: 'auto', background: 'transparent' })).toStrictEqual({
      field: 'background',
      path: '/background',
      message: 'must be equal to one of the allowed values: "opaque", "auto"',
    })
    expect(checkVendoredSchema('runway', 'MuseImage', { model: 'muse_image', promptText: 'p', ratio: 'auto', referenceImages: [{ uri: 'https://x.test/a.png', tag: 'cat' }] })).toMatchObject({
      field: 'referenceImages',
      path: '/referenceImages/0/tag',
      message: 'is not a recognized field',
    })
    expect(checkVendoredSchema('runway', 'MuseImage', { model: 'muse_image', promptText: 'p', ratio: 'auto' })).toBeUndefined()
  })

  it('reads nested definitions (Replicate version inputs) and coerces multipart text where asked', () => {
    expect(hasDefinition('replicate', ['inputs', 'stability-ai/sdxl'])).toBe(true)
    expect(hasDefinition('replicate', ['inputs', 'nobody/nothing'])).toBe(false)
    expect(checkVendoredSchema('replicate', ['inputs', 'stability-ai/sdxl'], { prompt: 'p', scheduler: 'FOO' })?.path).toBe('/scheduler')
    expect(checkVendoredSchema('stability', 'V2betaStableImage', { prompt: 'p', seed: '4294967294' }, { form: true })).toBeUndefined()
    expect(checkVendoredSchema('stability', 'V2betaStableImage', { prompt: 'p', seed: '4294967295' }, { form: true })?.field).toBe('seed')
  })
})

describe('each emulated API refuses what its vendored schema refuses, in its own error shape', () => {
  it('Runway: 400 { error } naming the field (gpt_image_2_5_flare has no transparent background), and takes xhigh quality', async () => {
    const headers = { authorization: `Bearer ${env('RUNWAYML_API_SECRET')}`, 'x-runway-version': '2024-11-06' }
    const refused = await post(`${env('RUNWAYML_BASE_URL')}/v1/text_to_image`, { model: 'gpt_image_2_5_flare', promptText: 'p', ratio: 'auto', background: 'transparent' }, headers)
    expect(refused).toMatchObject({ status: 400, json: { error: 'background: must be equal to one of the allowed values: "opaque", "auto"' } })
    const accepted = await post(`${env('RUNWAYML_BASE_URL')}/v1/text_to_image`, { model: 'gpt_image_2_5_sunburst', promptText: 'p', ratio: 'auto', quality: 'xhigh', background: 'transparent' }, headers)
    expect(accepted.status).toBe(200)
  })

  it('Runway: refuses a tag on muse_image, a shared tag on gpt_image_2 and six human subjects on gemini_image3_pro', async () => {
    const headers = { authorization: `Bearer ${env('RUNWAYML_API_SECRET')}`, 'x-runway-version': '2024-11-06' }
    const tagged = await post(`${env('RUNWAYML_BASE_URL')}/v1/text_to_image`, { model: 'muse_image', promptText: 'p', ratio: 'auto', referenceImages: [{ uri: 'https://x.test/a.png', tag: 'cat' }] }, headers)
    expect(tagged).toMatchObject({ status: 400, json: { error: 'referenceImages.0.tag: Unrecognized key for model muse_image' } })
    const shared = await post(
      `${env('RUNWAYML_BASE_URL')}/v1/text_to_image`,
      { model: 'gpt_image_2', promptText: 'p', ratio: 'auto', referenceImages: [{ uri: 'https://x.test/a.png', tag: 'cat' }, { uri: 'https://x.test/b.png', tag: 'cat' }] },
      headers,
    )
    expect(shared).toMatchObject({ status: 400, json: { error: 'referenceImages.1.tag: No two images may share the same tag' } })
    const humans = await post(
      `${env('RUNWAYML_BASE_URL')}/v1/text_to_image`,
      { model: 'gemini_image3_pro', promptText: 'p', ratio: '1024:1024', referenceImages: Array.from({ length: 6 }, (_, i) => ({ uri: `https://x.test/${i}.png`, subject: 'human' })) },
      headers,
    )
    expect(humans).toMatchObject({ status: 400, json: { error: 'referenceImages: At most 5 images may pass subject "human"' } })
  })

  it('OpenAI: 400 invalid_request_error with param (moderation is auto | low)', async () => {
    const res = await post(`${env('OPENAI_BASE_URL')}/images/generations`, { model: 'gpt-image-1', prompt: 'p', moderation: 'strict' }, { authorization: `Bearer ${env('OPENAI_API_KEY')}` })
    expect(res.status).toBe(400)
    expect(res.json['error']).toMatchObject({ type: 'invalid_request_error', param: 'moderation', code: 'invalid_value' })
    expect((res.json['error'] as { message: string }).message).toContain("Invalid 'moderation'")
  })

  it('fal: 422 pydantic detail at the field (guidance_scale is a number on flux/dev)', async () => {
    const res = await post(`${env('FAL_BASE_URL')}/fal-ai/flux/dev`, { prompt: 'p', guidance_scale: 'high' }, { authorization: `Key ${env('FAL_KEY')}` })
    expect(res.status).toBe(422)
    expect(res.json['detail']).toMatchObject([{ loc: ['body', 'guidance_scale'], msg: 'Input must be number', type: 'value_error' }])
  })

  it('Recraft: 400 { code, message } naming the field (negative_prompt is a string)', async () => {
    const res = await post(`${env('RECRAFT_BASE_URL')}/images/generations`, { prompt: 'p', model: 'recraftv3', negative_prompt: 42 }, { authorization: `Bearer ${env('RECRAFT_API_KEY')}` })
    expect(res.status).toBe(400)
    expect(res.json).toMatchObject({ code: 'invalid_parameter', message: 'negative_prompt: must be string' })
  })

  it('Replicate: 422 problem+json with invalid_fields (SDXL scheduler from its cog schema)', async () => {
    const res = await post(
      `${env('REPLICATE_BASE_URL')}/predictions`,
      { version: '7762fd07cf82c948538e41f63f77d685e02b063e37e496e96eefd46c929f9bdc', input: { prompt: 'p', scheduler: 'FOO' } },
      { authorization: `Bearer ${env('REPLICATE_API_TOKEN')}` },
    )
    expect(res.status).toBe(422)
    expect(res.contentType).toBe('application/problem+json')
    expect(res.json['invalid_fields']).toMatchObject([{ field: 'input.scheduler' }])
  })
})
