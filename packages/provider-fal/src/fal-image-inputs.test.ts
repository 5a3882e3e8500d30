import nock from 'nock'
import { ImageFormat, ImageGenerationRequest, InvalidRequestError, LLMKitClient, type Clock, UnsupportedCapabilityError, systemClock } from '@llmkit/core'
import { describe, expect, it } from 'vitest'
import { useNock } from '../../../test/nock.js'
import { jpeg, png, webp } from '../../core/src/inputs/__fixtures__/images.js'
import { FAL_IMAGE_FIELDS, fal, falAppId, falModels, falPrices } from './index.js'

const BASE = 'https://queue.fal.test'
const KEY = 'fal-key-id:0123456789abcdef0123'
const ID = '0b3a3c8e-7d0e-4a49-9d64-3f7e1f1c2a10'

function fastClock(factor = 200): Clock {
  const start = Date.now()
  return { now: () => start + (Date.now() - start) * factor, sleep: (ms, signal) => systemClock.sleep(ms / factor, signal) }
}

function client() {
  return new LLMKitClient({ providers: [fal({ statusStream: false })], env: { FAL_KEY: KEY, FAL_BASE_URL: BASE }, clock: fastClock(), retry: false })
}

const dataUrl = (type: string, bytes: Uint8Array) => `data:${type};base64,${Buffer.from(bytes).toString('base64')}`

/** One job at `model`: records the submit body, answers one image. */
function expectJob(model: string, url = 'https://v3.fal.media/files/koala/out.png', count = 1) {
  const app = falAppId(model)
  const bodies: unknown[] = []
  const scope = nock(BASE)
    .post(`/${model}`, (body: unknown) => {
      bodies.push(body)
      return true
    })
    .reply(200, { status: 'IN_QUEUE', request_id: ID, queue_position: 0 })
    .get(`/${app}/requests/${ID}/status`)
    .reply(200, { status: 'COMPLETED', request_id: ID })
    .get(`/${app}/requests/${ID}`)
    .reply(200, { images: Array.from({ length: count }, () => ({ url, width: 64, height: 48, content_type: 'image/png' })), seed: 5, has_nsfw_concepts: Array.from({ length: count }, () => false) })
  return { bodies, scope }
}

useNock()

describe('fal image endpoint rows', () => {
  it('are one row per endpoint, need an image, and take png/jpeg/webp under 10 MiB', () => {
    const rows = falModels.filter((m) => 'imageInputs' in m)
    expect(rows.map((m) => m.id)).toStrictEqual(['fal-ai/flux/dev/image-to-image', 'fal-ai/flux-pro/kontext', 'fal-ai/flux-pro/kontext/max', 'fal-ai/flux-pro/kontext/multi', 'fal-ai/flux-pro/v1/fill'])
    for (const row of rows) {
      expect(row.wireId).toBe(row.id)
      expect(row.imageInputs).toMatchObject({ textToImage: false, mimeTypes: ['image/png', 'image/jpeg', 'image/webp'], maxBytes: 10 * 1024 * 1024 })
      expect(FAL_IMAGE_FIELDS[row.id]).toBeDefined()
    }
    const by = (id: string) => rows.find((m) => m.id === id)!.imageInputs
    expect(by('fal-ai/flux/dev/image-to-image').operations).toStrictEqual({ 'image-to-image': { maxImages: 1, strength: true } })
    expect(by('fal-ai/flux-pro/kontext').operations).toStrictEqual({ edit: { maxImages: 1 } })
    expect(by('fal-ai/flux-pro/kontext/multi').operations).toStrictEqual({ edit: { maxImages: 4 } })
    expect(by('fal-ai/flux-pro/v1/fill')).toMatchObject({ operations: { inpaint: { maxImages: 1, mask: 'required' } }, mask: { sameSize: true, kind: 'luminance' } })
    // The text-to-image rows stay text-only.
    expect(falModels.filter((m) => !('imageInputs' in m)).map((m) => m.id)).toStrictEqual(['fal-ai/flux/dev', 'fal-ai/flux/schnell', 'fal-ai/stable-diffusion-3'])
  })

  it('price Kontext and Kontext multi per image and Fill per megapixel as fal states; the others stay unknown', () => {
    const price = (model: string) => falPrices.find((p) => p.model === model)?.price
    expect(price('fal-ai/flux-pro/kontext')).toStrictEqual({ kind: 'per-image', usd: 0.04 })
    expect(price('fal-ai/flux-pro/kontext/multi')).toStrictEqual({ kind: 'per-image', usd: 0.04 })
    expect(price('fal-ai/flux-pro/v1/fill')).toMatchObject({ kind: 'per-megapixel', usdPerMegapixel: 0.05, roundUp: true })
    expect(price('fal-ai/flux-pro/kontext/max')?.kind).toBe('unknown')
    expect(price('fal-ai/flux/dev/image-to-image')?.kind).toBe('unknown')
  })
})

describe('fal image request bodies', () => {
  it('FLUX dev image-to-image: image_url as a data URI and strength, no image_size', async () => {
    const source = png(64, 48)
    const { bodies, scope } = expectJob('fal-ai/flux/dev/image-to-image', undefined, 2)
    const request = new ImageGenerationRequest('fal-ai/flux/dev/image-to-image', 'make it autumn').with_image(source).with_strength(0.6).with_seed(7).with_n(2)
    const response = await client().generateImage(request)
    expect(bodies).toStrictEqual([{ prompt: 'make it autumn', num_images: 2, image_url: dataUrl('image/png', source), strength: 0.6, seed: 7 }])
    expect(response.images).toHaveLength(2)
    expect(scope.isDone()).toBe(true)
  })

  it('Kontext edit: image_url, aspect_ratio, output_format and sync_mode for base64', async () => {
    const source = jpeg(40, 30)
    const { bodies } = expectJob('fal-ai/flux-pro/kontext', dataUrl('image/png', png(64, 48)))
    const response = await client().generateImage({
      model: 'fal-ai/flux-pro/kontext',
      prompt: 'put a hat on the cat',
      images: [source],
      aspect_ratio: '16:9',
      output_format: 'png',
      format: 'b64_json',
      provider_options: { safety_tolerance: '2' },
    })
    expect(response.first()?.b64_json).toBe(Buffer.from(png(64, 48)).toString('base64'))
    expect(bodies).toStrictEqual([
      { prompt: 'put a hat on the cat', num_images: 1, image_url: dataUrl('image/jpeg', source), aspect_ratio: '16:9', sync_mode: true, output_format: 'png', safety_tolerance: '2' },
    ])
  })

  it('Kontext max sends the same fields at its own endpoint', async () => {
    const source = webp(32, 32)
    const { bodies, scope } = expectJob('fal-ai/flux-pro/kontext/max')
    await client().generateImage(new ImageGenerationRequest('fal-ai/flux-pro/kontext/max', 'night scene').with_image(source))
    expect(bodies).toStrictEqual([{ prompt: 'night scene', num_images: 1, image_url: dataUrl('image/webp', source) }])
    expect(scope.isDone()).toBe(true)
  })

  it('Kontext multi sends every image, in order, as image_urls', async () => {
    const a = png(32, 32)
    const b = jpeg(16, 16)
    const { bodies } = expectJob('fal-ai/flux-pro/kontext/multi')
    await client().generateImage(new ImageGenerationRequest('fal-ai/flux-pro/kontext/multi', 'the duck on the shirt').with_image(a).with_image(b))
    expect(bodies).toStrictEqual([{ prompt: 'the duck on the shirt', num_images: 1, image_urls: [dataUrl('image/png', a), dataUrl('image/jpeg', b)] }])
  })

  it('Fill inpaint: image_url and mask_url', async () => {
    const source = png(48, 48)
    const mask = png(48, 48, { fill: 255 })
    const { bodies } = expectJob('fal-ai/flux-pro/v1/fill')
    await client().generateImage(new ImageGenerationRequest('fal-ai/flux-pro/v1/fill', 'a red door').with_image(source).with_mask(mask).with_format(ImageFormat.Url))
    expect(bodies).toStrictEqual([{ prompt: 'a red door', num_images: 1, image_url: dataUrl('image/png', source), mask_url: dataUrl('image/png', mask) }])
  })
})

describe('bad fal image inputs fail before any request', () => {
  const cases: [string, () => Promise<unknown>, new (...args: never[]) => Error][] = [
    ['a text-only request to Kontext', () => client().generateImage({ model: 'fal-ai/flux-pro/kontext', prompt: 'no image' }), InvalidRequestError],
    ['an image for text-only FLUX dev', () => client().generateImage({ model: 'fal-ai/flux/dev', prompt: 'p', images: [png(8, 8)] }), UnsupportedCapabilityError],
    ['two images for Kontext', () => client().generateImage({ model: 'fal-ai/flux-pro/kontext', prompt: 'p', images: [png(8, 8), png(8, 8)] }), InvalidRequestError],
    ['a Fill request without a mask', () => client().generateImage({ model: 'fal-ai/flux-pro/v1/fill', prompt: 'p', images: [png(8, 8)] }), InvalidRequestError],
    ['a mask of another size', () => client().generateImage({ model: 'fal-ai/flux-pro/v1/fill', prompt: 'p', images: [png(8, 8)], mask: png(9, 8) }), InvalidRequestError],
    ['a GIF', () => client().generateImage({ model: 'fal-ai/flux-pro/kontext', prompt: 'p', images: [new Uint8Array(Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1'))] }), InvalidRequestError],
    ['an input over 10 MiB', () => client().generateImage({ model: 'fal-ai/flux-pro/kontext', prompt: 'p', images: [Buffer.concat([Buffer.from(png(8, 8)), Buffer.alloc(10 * 1024 * 1024)])] }), InvalidRequestError],
    ['a size for image-to-image, which answers at the input size', () => client().generateImage({ model: 'fal-ai/flux/dev/image-to-image', prompt: 'p', images: [png(8, 8)], size: '512x512' }), InvalidRequestError],
  ]
  it.each(cases)('%s', async (_label, run, type) => {
    nock(BASE).post(/.*/).reply(500, {})
    const error = await run().then(() => undefined, (e: unknown) => e)
    expect(error).toBeInstanceOf(type)
    expect(nock.pendingMocks()).toHaveLength(1)
  })

  it('a strength on Kontext (which has none) fails under unsupported: error', async () => {
    const strict = new LLMKitClient({ providers: [fal({ statusStream: false })], env: { FAL_KEY: KEY, FAL_BASE_URL: BASE }, retry: false, unsupported: 'error' })
    nock(BASE).post(/.*/).reply(500, {})
    await expect(strict.generateImage({ model: 'fal-ai/flux-pro/kontext', prompt: 'p', images: [png(8, 8)], strength: 0.5 })).rejects.toBeInstanceOf(UnsupportedCapabilityError)
    expect(nock.pendingMocks()).toHaveLength(1)
  })
})
