import nock from 'nock'
import { ImageGenerationRequest, InvalidRequestError, LLMKitClient, type ModelCapabilities } from '@llmkit/core'
import { describe, expect, it } from 'vitest'
import { useNock } from '../../../test/nock.js'
import { png } from '../../core/src/inputs/__fixtures__/images.js'
import { RUNWAY_MAX_INPUT_BYTES, runway, runwayModels } from './index.js'

/**
 * Issue 13: Runway reference images as first-class inputs. `with_image()` images are sent as
 * `referenceImages` (operation `reference`): the https URL they were given as (Runway fetches it),
 * else a data URI of their bytes; tags come from `provider_options.reference_tags` (one per image,
 * cited as `@tag`; Runway has no default tag). Limits per model are capability data.
 */

const BASE = 'https://api.runway.test'
const IMAGES = 'https://images.example.com'
const TASK = '17f20503-6c24-4c16-946b-35dbbce2af2f'

function client() {
  return new LLMKitClient({ providers: [runway({ pollIntervalMs: 1 })], env: { RUNWAYML_API_SECRET: `key_${'ab'.repeat(64)}`, RUNWAYML_BASE_URL: BASE }, unsupported: 'error' })
}

function quickTask() {
  const bodies: unknown[] = []
  nock(BASE)
    .post('/v1/text_to_image')
    .reply(200, { id: TASK })
    .on('request', (_req: unknown, _interceptor: unknown, body: string) => {
      bodies.push(JSON.parse(body))
    })
  nock(BASE).get(`/v1/tasks/${TASK}`).reply(200, { id: TASK, status: 'SUCCEEDED', output: ['https://cdn.runway.test/0.png'] })
  return bodies
}

const dataUri = (bytes: Uint8Array) => `data:image/png;base64,${Buffer.from(bytes).toString('base64')}`

useNock()

describe('with_image() references: exact bodies', () => {
  it('sends gen4_image its images as data URIs, tagged in order from reference_tags', async () => {
    const bodies = quickTask()
    const a = png(8, 8)
    const b = png(4, 6)
    await client().generateImage(new ImageGenerationRequest('gen4_image', '@hero meets @villain').with_image(a).with_image(b).with_provider_options({ reference_tags: ['hero', 'villain'] }))
    expect(bodies).toStrictEqual([{ model: 'gen4_image', promptText: '@hero meets @villain', ratio: '1024:1024', referenceImages: [{ uri: dataUri(a), tag: 'hero' }, { uri: dataUri(b), tag: 'villain' }] }])
  })

  it('sends an image given as an https URL as that URL (Runway fetches it), untagged when no tags are given', async () => {
    const bytes = png(8, 8)
    // The core reads https inputs once to check them (type, size) before the call.
    nock(IMAGES).get('/cat.png').reply(200, Buffer.from(bytes), { 'content-type': 'image/png' })
    const bodies = quickTask()
    await client().generateImage({ model: 'gemini_2.5_flash', prompt: 'the cat, in watercolor', images: [`${IMAGES}/cat.png`] })
    expect(bodies).toStrictEqual([{ model: 'gemini_2.5_flash', promptText: 'the cat, in watercolor', ratio: '1024:1024', referenceImages: [{ uri: `${IMAGES}/cat.png` }] }])
  })

  it('sends grok_imagine_image_2 its references without tags, with edit', async () => {
    const bodies = quickTask()
    const photo = png(8, 8)
    await client().generateImage({ model: 'grok_imagine_image_2', prompt: 'make it night', images: [photo], provider_options: { edit: true } })
    expect(bodies).toStrictEqual([{ model: 'grok_imagine_image_2', promptText: 'make it night', ratio: 'auto_1k', referenceImages: [{ uri: dataUri(photo) }], edit: true }])
  })

  it('sends gemini_image3_pro a subject per image from reference_subjects (null leaves one out), with the tags', async () => {
    const bodies = quickTask()
    const hero = png(8, 8)
    const car = png(6, 6)
    await client().generateImage({ model: 'gemini_image3_pro', prompt: '@hero drives @car', images: [hero, car], provider_options: { reference_tags: ['hero', 'car'], reference_subjects: ['human', null] } })
    expect(bodies).toStrictEqual([
      { model: 'gemini_image3_pro', promptText: '@hero drives @car', ratio: '1024:1024', referenceImages: [{ uri: dataUri(hero), tag: 'hero', subject: 'human' }, { uri: dataUri(car), tag: 'car' }] },
    ])
  })

  it('keeps the raw provider_options.referenceImages path for models that run from text', async () => {
    const bodies = quickTask()
    const referenceImages = [{ uri: 'https://example.com/a.png', tag: 'cat' }]
    await client().generateImage({ model: 'gen4_image', prompt: '@cat', provider_options: { referenceImages } })
    expect(bodies).toStrictEqual([{ model: 'gen4_image', promptText: '@cat', ratio: '1024:1024', referenceImages }])
  })
})

describe('with_image() references: refused before any call', () => {
  const refused = async (request: Record<string, unknown>, param: string, text: string) => {
    const error = await client()
      .generateImage(request as never)
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidRequestError)
    expect(error).toMatchObject({ param })
    expect((error as Error).message).toContain(text)
    expect(nock.pendingMocks()).toStrictEqual([])
  }

  it('refuses reference_tags of another length than the images', async () => {
    await refused({ model: 'gen4_image', prompt: 'p', images: [png(8, 8)], provider_options: { reference_tags: ['a1b', 'c2d'] } }, 'provider_options.reference_tags', 'an array of 1 strings, one tag per with_image() image')
  })

  it('refuses a tag outside the SDK rule, naming its position', async () => {
    await refused({ model: 'gen4_image', prompt: 'p', images: [png(8, 8)], provider_options: { reference_tags: ['my-cat'] } }, 'provider_options.reference_tags', 'reference_tags[0] "my-cat": a tag must be 3-16 characters')
  })

  it('refuses two images sharing a tag on gpt_image_2', async () => {
    await refused({ model: 'gpt_image_2', prompt: 'p', images: [png(8, 8), png(8, 8)], provider_options: { reference_tags: ['cat', 'cat'] } }, 'provider_options.reference_tags', 'reference_tags[1] "cat" is already used')
  })

  it('refuses images and raw referenceImages together, naming the new way', async () => {
    await refused(
      { model: 'gen4_image', prompt: 'p', images: [png(8, 8)], provider_options: { referenceImages: [{ uri: 'https://example.com/a.png' }] } },
      'provider_options.referenceImages',
      'give them all with with_image() (tags in provider_options.reference_tags)',
    )
  })

  it('refuses a reference_subjects value that is not human, object or null', async () => {
    await refused({ model: 'gemini_image3_pro', prompt: 'p', images: [png(8, 8)], provider_options: { reference_subjects: ['animal'] } }, 'provider_options.reference_subjects', "one per with_image() image in order: 'human', 'object' or null")
  })

  it('refuses more than five human subjects on gemini_image3.1_flash, naming reference_subjects', async () => {
    const images = Array.from({ length: 6 }, () => png(8, 8))
    await refused({ model: 'gemini_image3.1_flash', prompt: 'p', images, provider_options: { reference_subjects: images.map(() => 'human') } }, 'provider_options.reference_subjects', 'at most 5 reference images with subject "human", got 6')
  })

  it('declares reference_subjects only on the Gemini 3 models (the SDK types with subject)', () => {
    expect(runwayModels.filter((m: ModelCapabilities) => m.providerOptions?.['reference_subjects'] !== undefined).map((m) => m.id)).toStrictEqual(['gemini_image3_pro', 'gemini_image3.1_flash'])
  })

  it('refuses reference_tags without images', async () => {
    await refused({ model: 'gen4_image', prompt: 'p', provider_options: { reference_tags: ['cat'] } }, 'provider_options.reference_tags', 'there are none; add the images with with_image()')
  })

  it('refuses more images than the model takes (core check from imageInputs)', async () => {
    const error = await client()
      .generateImage({ model: 'grok_imagine_image_2', prompt: 'p', images: [png(8, 8), png(8, 8), png(8, 8), png(8, 8)] })
      .catch((e: unknown) => e)
    expect(error).toMatchObject({ name: 'InvalidRequestError', param: 'images' })
  })
})

describe('reference capability data', () => {
  it('declares operation reference with the SDK maximum per model, and none where the SDK states no maximum (seedream)', () => {
    const max = Object.fromEntries(runwayModels.map((m: ModelCapabilities) => [m.id, m.imageInputs?.operations.reference?.maxImages]))
    expect(max).toStrictEqual({
      gen4_image: 3,
      gen4_image_turbo: 3,
      gpt_image_2: 16,
      gpt_image_2_5_flare: 16,
      gpt_image_2_5_sunburst: 16,
      muse_image: 10,
      seedream5_pro: undefined,
      seedream5_lite: undefined,
      grok_imagine_image_2: 3,
      gemini_image3_pro: 14,
      'gemini_image3.1_flash': 14,
      'gemini_2.5_flash': 3,
    })
    const turbo = runwayModels.find((m) => m.id === 'gen4_image_turbo') as ModelCapabilities
    expect(turbo.imageInputs).toMatchObject({ textToImage: false, operations: { reference: { minImages: 1, maxImages: 3 } }, mimeTypes: ['image/png', 'image/jpeg', 'image/webp'] })
    // "up to 5MB" data URIs: 5,000,000 characters of base64 after the prefix.
    expect(RUNWAY_MAX_INPUT_BYTES).toBe(3_749_982)
  })
})
