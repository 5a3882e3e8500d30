import { describe, expect, it } from 'vitest'
import { InvalidRequestError, UnsupportedCapabilityError } from '../errors.js'
import type { ModelCapabilities } from '../registry/capabilities.js'
import { parseModelCapabilities } from '../registry/capabilities.js'
import { ImageGenerationRequest } from '../request.js'
import { checkImageRequest, checkInputLimits } from './check-inputs.js'
import { describeImage } from './image-input.js'
import { jpeg, png } from './__fixtures__/images.js'

const base = {
  mode: 'sync',
  maxImagesPerCall: 1,
  sizes: { kind: 'list', values: ['1024x1024'] },
  qualities: [],
  styles: [],
  negativePrompt: false,
  seed: null,
  formats: ['b64_json'],
} as const

const textOnly = parseModelCapabilities({ ...base, id: 'text', wireId: 'text' })
const editor = parseModelCapabilities({
  ...base,
  id: 'editor',
  wireId: 'editor',
  imageInputs: {
    operations: { edit: { maxImages: 4, mask: 'optional' }, variation: { maxImages: 1, prompt: 'none' } },
    mimeTypes: ['image/png', 'image/jpeg'],
    maxBytes: 1_000_000,
    mask: { sameSize: true, kind: 'alpha' },
  },
})
const img2img = parseModelCapabilities({
  ...base,
  id: 'i2i',
  wireId: 'i2i',
  imageInputs: { operations: { 'image-to-image': { maxImages: 1, strength: true }, inpaint: { maxImages: 1, mask: 'required' } }, textToImage: false, mimeTypes: ['image/png'], maxBytes: 1000, square: true, maxSide: 64, mask: { sameSize: true, kind: 'luminance' } },
})

function check(req: ImageGenerationRequest, caps: ModelCapabilities, imageModels?: string[]) {
  const reported: string[] = []
  const result = checkImageRequest(req, caps.id, caps, (setting, _requested, why) => reported.push(`${setting}: ${why}`), imageModels ? () => imageModels : undefined)
  return { ...result, reported }
}

const req = (prompt = 'make it blue') => new ImageGenerationRequest('x', prompt)
const image = png(32, 32)

describe('checkImageRequest', () => {
  it('is a plain generation without images', () => {
    expect(check(req(), editor)).toMatchObject({ operation: 'generate', sendPrompt: true, reported: [] })
  })

  it('refuses images on a text-only model, naming models that take them', () => {
    const attempt = () => check(req().with_image(image), textOnly, ['openai:gpt-image-1', 'fal:fal-ai/flux-pro/kontext'])
    expect(attempt).toThrow(UnsupportedCapabilityError)
    expect(attempt).toThrow(/text takes no input images .* Models that take images: openai:gpt-image-1, fal:fal-ai\/flux-pro\/kontext/)
  })

  it('picks the operation: asked, else inpaint for a mask, else the first offered of edit, image-to-image, reference', () => {
    expect(check(req().with_image(image), editor).operation).toBe('edit')
    expect(check(req().with_image(image).with_mask(image), img2img).operation).toBe('inpaint')
    expect(check(req().with_image(image).with_mask(image), editor).operation).toBe('edit')
    expect(check(req().with_image(image), img2img).operation).toBe('image-to-image')
    expect(check(ImageGenerationRequest.variation('x', image), editor)).toMatchObject({ operation: 'variation', sendPrompt: false })
    expect(() => check(req().with_image(image).with_operation('outpaint'), editor)).toThrow(/does not offer operation "outpaint" \(it offers: edit, variation\)/)
  })

  it('checks counts, masks, strength and prompt rules before anything is read', () => {
    let r = req()
    for (let i = 0; i < 5; i++) r = r.with_image(image)
    expect(() => check(r, editor)).toThrow(/editor edit takes 1 to 4 input images; got 5/)
    expect(() => check(req().with_image(image).with_operation('inpaint'), img2img)).toThrow(/needs a mask/)
    expect(() => check(req().with_mask(image), editor)).toThrow(/a mask needs an image/)
    expect(() => check(req().with_image(image).with_operation('image-to-image').with_mask(image), img2img)).toThrow(/image-to-image takes no mask/)
    expect(check(req().with_image(image).with_strength(0.4), img2img).strength).toBe(0.4)
    expect(check(req().with_image(image).with_strength(0.4), editor)).toMatchObject({ strength: undefined, reported: ['strength: has no strength setting for edit'] })
  })

  it('needs an image for a model that cannot draw from text alone', () => {
    expect(() => check(req(), img2img)).toThrow(/i2i needs an input image \(inpaint, image-to-image\)/)
  })
})

describe('checkInputLimits', () => {
  const inputs = (images: Uint8Array[], mask?: Uint8Array) => ({ images: images.map((b, i) => describeImage(b, `images.${i}`, `image-${i + 1}`)), mask: mask === undefined ? undefined : describeImage(mask, 'mask', 'mask') })

  it('takes inputs inside the limits', () => {
    expect(() => checkInputLimits(inputs([png(32, 32)], png(32, 32, { alpha: true })), 'editor', editor.imageInputs!)).not.toThrow()
  })

  it('names the input and the limit it breaks', () => {
    expect(() => checkInputLimits(inputs([png(32, 32)]), 'i2i', { ...img2img.imageInputs!, mimeTypes: ['image/jpeg'] })).toThrow(/i2i: images.0 is image\/png; this model takes image\/jpeg/)
    expect(() => checkInputLimits(inputs([png(32, 32)]), 'i2i', { ...img2img.imageInputs!, maxBytes: 10 })).toThrow(/images.0 is \d+ bytes; this model takes at most 10/)
    expect(() => checkInputLimits(inputs([png(64, 32)]), 'i2i', img2img.imageInputs!)).toThrow(/is 64x32; this model takes square images only/)
    expect(() => checkInputLimits(inputs([png(80, 80)]), 'i2i', img2img.imageInputs!)).toThrow(/sides must be at most 64 px/)
    expect(() => checkInputLimits(inputs([jpeg(32, 32)]), 'i2i', img2img.imageInputs!)).toThrow(InvalidRequestError)
  })

  it('checks the mask: same size as the image, and an alpha channel where transparency marks the area', () => {
    expect(() => checkInputLimits(inputs([png(32, 32)], png(16, 16, { alpha: true })), 'editor', editor.imageInputs!)).toThrow(/the mask is 16x16 but the image is 32x32/)
    expect(() => checkInputLimits(inputs([png(32, 32)], png(32, 32)), 'editor', editor.imageInputs!)).toThrow(/the mask has no alpha channel/)
    expect(() => checkInputLimits(inputs([png(32, 32)], png(32, 32)), 'i2i', img2img.imageInputs!)).not.toThrow()
  })
})

describe("strength: 'required'", () => {
  const needs = parseModelCapabilities({ ...base, id: 'needs', wireId: 'needs', imageInputs: { operations: { 'image-to-image': { maxImages: 1, strength: 'required' } }, mimeTypes: ['image/png'], maxBytes: 1000 } })
  it('refuses an image-to-image without a strength before the network, and sends the one given', () => {
    expect(() => check(req().with_image(image), needs)).toThrow(/needs image-to-image needs a strength/)
    expect(check(req().with_image(image).with_strength(0.7), needs).strength).toBe(0.7)
  })
})
