import nock from 'nock'
import { InvalidRequestError, LLMKitClient, type ModelCapabilities, UnsupportedCapabilityError } from 'llmkit'
import { describe, expect, it } from 'vitest'
import { useNock } from '../../../test/nock.js'
import { runway, runwayModels, runwayPrices } from './index.js'

/**
 * Runway's newer text-to-image models (issue 12), each checked against its
 * `TextToImageCreateParams` type in @runwayml/sdk 4.20.1 (resources/text-to-image.ts):
 * muse_image, seedream5_pro, seedream5_lite, grok_imagine_image_2, gpt_image_2_5_flare and
 * gpt_image_2_5_sunburst.
 */

const BASE = 'https://api.runway.test'
const TASK = '17f20503-6c24-4c16-946b-35dbbce2af2f'

function client(unsupported?: 'warn' | 'error') {
  return new LLMKitClient({ providers: [runway({ pollIntervalMs: 1 })], env: { RUNWAYML_API_SECRET: `key_${'ab'.repeat(64)}`, RUNWAYML_BASE_URL: BASE }, unsupported })
}

/** A task that succeeds at the first poll with `outputs` URLs (of that file extension); returns the submit bodies seen. */
function quickTask(outputs = 1, extension = 'png') {
  const bodies: unknown[] = []
  nock(BASE)
    .post('/v1/text_to_image')
    .reply(200, { id: TASK })
    .on('request', (_req: unknown, _interceptor: unknown, body: string) => {
      bodies.push(JSON.parse(body))
    })
  nock(BASE)
    .get(`/v1/tasks/${TASK}`)
    .reply(200, { id: TASK, createdAt: '2025-06-01T12:00:00.000Z', status: 'SUCCEEDED', output: Array.from({ length: outputs }, (_, i) => `https://cdn.runway.test/${i}.${extension}`) })
  return bodies
}

useNock()

describe('newer Runway models: exact bodies', () => {
  it.each([
    ['muse_image', 'auto'],
    ['seedream5_pro', 'auto_1k'],
    ['grok_imagine_image_2', 'auto_1k'],
    ['gpt_image_2_5_flare', 'auto'],
    ['gpt_image_2_5_sunburst', 'auto'],
  ])("sends %s its own 'let the model choose' ratio (%s) when the request gives no size", async (model, ratio) => {
    const bodies = quickTask()
    await client('error').generateImage({ model, prompt: 'p' })
    const outputCount = model.startsWith('gpt_image_2_5') ? { outputCount: 1 } : {}
    expect(bodies).toStrictEqual([{ model, promptText: 'p', ratio, ...outputCount }])
  })

  it('sends seedream5_lite (which has no auto ratio) its 2048:2048 default', async () => {
    const bodies = quickTask()
    await client('error').generateImage({ model: 'seedream5_lite', prompt: 'p' })
    expect(bodies).toStrictEqual([{ model: 'seedream5_lite', promptText: 'p', ratio: '2048:2048' }])
  })

  it('sends muse_image an exact ratio, outputFormat webp and untagged references', async () => {
    const bodies = quickTask(1, 'webp')
    const referenceImages = [{ uri: 'https://example.com/a.png' }, { uri: 'data:image/png;base64,iVBORw0KGgo=' }]
    const response = await client('error').generateImage({ model: 'muse_image', prompt: 'combine them', size: '2352x1008', output_format: 'webp', provider_options: { referenceImages } })
    expect(bodies).toStrictEqual([{ model: 'muse_image', promptText: 'combine them', ratio: '2352:1008', outputFormat: 'webp', referenceImages }])
    expect(response.warnings).toStrictEqual([])
  })

  it('sends seedream5_pro outputFormat jpeg and grounding, and refuses webp (png or jpeg only) under error', async () => {
    const bodies = quickTask(1, 'jpeg')
    const response = await client('error').generateImage({ model: 'seedream5_pro', prompt: 'p', size: '2048x2048', output_format: 'jpeg', provider_options: { grounding: true } })
    expect(response.warnings).toStrictEqual([])
    expect(bodies).toStrictEqual([{ model: 'seedream5_pro', promptText: 'p', ratio: '2048:2048', outputFormat: 'jpeg', grounding: true }])
    // An output URL of another type than asked is named, without downloading it (deliver.ts output format check).
    quickTask(1, 'png')
    const mismatched = await client('error').generateImage({ model: 'seedream5_pro', prompt: 'p', output_format: 'jpeg' })
    expect(mismatched.warnings).toMatchObject([{ setting: 'output_format', requested: 'jpeg', used: 'image/png' }])
    await expect(client('error').generateImage({ model: 'seedream5_pro', prompt: 'p', output_format: 'webp' })).rejects.toBeInstanceOf(UnsupportedCapabilityError)
  })

  it('sends grok_imagine_image_2 quality low, edit with one reference, and maps hd to medium with a warning', async () => {
    const first = quickTask()
    const referenceImages = [{ uri: 'https://example.com/photo.png' }]
    await client('error').generateImage({ model: 'grok_imagine_image_2', prompt: 'make it night', size: '1280x720', quality: 'low', provider_options: { referenceImages, edit: true } })
    expect(first).toStrictEqual([{ model: 'grok_imagine_image_2', promptText: 'make it night', ratio: '1280:720', quality: 'low', referenceImages, edit: true }])
    const second = quickTask()
    const response = await client().generateImage({ model: 'grok_imagine_image_2', prompt: 'p', quality: 'hd' })
    expect(second).toStrictEqual([{ model: 'grok_imagine_image_2', promptText: 'p', ratio: 'auto_1k', quality: 'medium' }])
    expect(response.warnings).toMatchObject([{ type: 'mapped', setting: 'quality', used: 'medium' }])
  })

  it('refuses grok edit without a reference image before any call', async () => {
    const error = await client('error')
      .generateImage({ model: 'grok_imagine_image_2', prompt: 'p', provider_options: { edit: true } })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidRequestError)
    expect(error).toMatchObject({ param: 'provider_options.edit' })
    expect(nock.pendingMocks()).toStrictEqual([])
  })

  it('sends gpt_image_2_5_sunburst n images in one task, background transparent, and uniquely tagged references', async () => {
    const bodies = quickTask(2)
    const referenceImages = [{ uri: 'https://example.com/a.png', tag: 'logo' }, { uri: 'https://example.com/b.png', tag: 'mascot' }]
    const response = await client('error').generateImage({ model: 'gpt_image_2_5_sunburst', prompt: '@logo on @mascot', n: 2, size: '1920x1920', quality: 'high', background: 'transparent', provider_options: { referenceImages } })
    expect(bodies).toStrictEqual([{ model: 'gpt_image_2_5_sunburst', promptText: '@logo on @mascot', ratio: '1920:1920', outputCount: 2, quality: 'high', background: 'transparent', referenceImages }])
    expect(response.count).toBe(2)
  })

  it('refuses a transparent background on gpt_image_2_5_flare (opaque | auto only) under error, sends opaque', async () => {
    await expect(client('error').generateImage({ model: 'gpt_image_2_5_flare', prompt: 'p', background: 'transparent' })).rejects.toBeInstanceOf(UnsupportedCapabilityError)
    const bodies = quickTask()
    await client('error').generateImage({ model: 'gpt_image_2_5_flare', prompt: 'p', background: 'opaque' })
    expect(bodies).toStrictEqual([{ model: 'gpt_image_2_5_flare', promptText: 'p', ratio: 'auto', outputCount: 1, background: 'opaque' }])
  })
})

describe('newer Runway models: reference-image rules before any call', () => {
  const refuse = async (model: string, referenceImages: unknown[], expected: string) => {
    const error = await client('error')
      .generateImage({ model, prompt: 'p', provider_options: { referenceImages } })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidRequestError)
    expect(error).toMatchObject({ param: 'provider_options.referenceImages' })
    expect((error as Error).message).toContain(expected)
    expect(nock.pendingMocks()).toStrictEqual([])
  }

  it.each(['muse_image', 'seedream5_pro', 'seedream5_lite', 'grok_imagine_image_2'])('refuses a tag on %s, whose SDK reference type is { uri } only', async (model) => {
    await refuse(model, [{ uri: 'https://example.com/a.png', tag: 'cat' }], 'referenceImages[0].tag: a tag is not accepted')
  })

  it.each(['gpt_image_2', 'gpt_image_2_5_flare', 'gpt_image_2_5_sunburst'])('refuses two references sharing a tag on %s', async (model) => {
    await refuse(model, [{ uri: 'https://example.com/a.png', tag: 'cat' }, { uri: 'https://example.com/b.png', tag: 'cat' }], 'referenceImages[1].tag "cat" is already used')
  })

  it('lets gen4_image share a tag (its SDK type states no uniqueness rule)', async () => {
    const bodies = quickTask()
    const referenceImages = [{ uri: 'https://example.com/a.png', tag: 'cat' }, { uri: 'https://example.com/b.png', tag: 'cat' }]
    await client('error').generateImage({ model: 'gen4_image', prompt: '@cat', provider_options: { referenceImages } })
    expect(bodies).toMatchObject([{ referenceImages }])
  })

  it.each([
    ['muse_image', 10],
    ['grok_imagine_image_2', 3],
    ['gpt_image_2_5_flare', 16],
    ['gen4_image', 3],
    ['gemini_image3_pro', 14],
  ] as const)('refuses more than the SDK maximum of references on %s (%i)', async (model, max) => {
    await refuse(model, Array.from({ length: max + 1 }, (_, i) => ({ uri: `https://example.com/${i}.png` })), `at most ${max} reference images, got ${max + 1}`)
  })

  it('refuses more than five human subjects on gemini_image3.1_flash', async () => {
    await refuse('gemini_image3.1_flash', Array.from({ length: 6 }, (_, i) => ({ uri: `https://example.com/${i}.png`, subject: 'human' })), 'at most 5 reference images with subject "human"')
  })
})

describe('newer Runway models: table and prices', () => {
  it('lists each newer model with the SDK values of its fields', () => {
    const row = (id: string): ModelCapabilities => runwayModels.find((m) => m.id === id)!
    expect(row('muse_image').outputFormats).toStrictEqual(['png', 'webp', 'jpeg'])
    expect(row('seedream5_pro').outputFormats).toStrictEqual(['png', 'jpeg'])
    expect(row('seedream5_lite').maxPromptLength).toBe(4000)
    expect(row('grok_imagine_image_2').qualities).toStrictEqual(['low', 'medium'])
    expect(row('gpt_image_2_5_flare').qualities).toStrictEqual(['low', 'medium', 'high', 'xhigh', 'max'])
    expect(row('gpt_image_2_5_flare').backgrounds).toStrictEqual(['opaque', 'auto'])
    expect(row('gpt_image_2_5_sunburst').backgrounds).toStrictEqual(['transparent', 'opaque', 'auto'])
  })

  it('prices muse_image at its SDK-stated 1 credit per image and marks the others unknown', () => {
    const price = (id: string) => runwayPrices.find((p) => p.model === id)
    expect(price('muse_image')?.price).toStrictEqual({ kind: 'per-image', usd: 0.01 })
    for (const id of ['seedream5_pro', 'seedream5_lite', 'grok_imagine_image_2', 'gpt_image_2_5_flare', 'gpt_image_2_5_sunburst']) expect(price(id)?.price.kind).toBe('unknown')
  })
})
