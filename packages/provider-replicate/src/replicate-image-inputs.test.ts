import nock from 'nock'
import { ImageGenerationRequest, InvalidRequestError, LLMKitClient, type ModelCapabilities, UnsupportedCapabilityError } from '@llmkit/core'
import { describe, expect, it } from 'vitest'
import { useNock } from '../../../test/nock.js'
import { jpeg, png, webp } from '../../core/src/inputs/__fixtures__/images.js'
import { REPLICATE_IMAGE_FIELDS, SDXL_VERSION, replicate, replicateModels, replicatePrices } from './index.js'

const BASE = 'https://api.replicate.test'
const TOKEN = 'r8_test0123456789abcdef'
const OUTPUT = `data:image/png;base64,${Buffer.from(png(8, 8)).toString('base64')}`

function client(options: { unsupported?: 'warn' | 'error' } = {}) {
  return new LLMKitClient({ providers: [replicate()], env: { REPLICATE_API_TOKEN: TOKEN, REPLICATE_BASE_URL: `${BASE}/v1` }, retry: false, unsupported: options.unsupported })
}

const dataUrl = (type: string, bytes: Uint8Array) => `data:${type};base64,${Buffer.from(bytes).toString('base64')}`

/** One create call at `path`, finished within the held request; records the body. */
function expectCreate(path: string, output: unknown = OUTPUT) {
  const bodies: unknown[] = []
  const scope = nock(BASE)
    .post(path, (body: unknown) => {
      bodies.push(body)
      return true
    })
    .reply(201, { id: 'p1', model: 'm/n', version: 'hidden', input: {}, logs: '', output, error: null, status: 'succeeded', created_at: '2026-01-10T12:00:00.000Z', urls: {} })
  return { bodies, scope }
}

useNock()

describe('Replicate image-input rows', () => {
  it('map each model to its own input fields, as data', () => {
    expect(REPLICATE_IMAGE_FIELDS).toStrictEqual({
      'black-forest-labs/flux-kontext-pro': { image: 'input_image', matchInputAspect: 'match_input_image' },
      'black-forest-labs/flux-kontext-max': { image: 'input_image', matchInputAspect: 'match_input_image' },
      'black-forest-labs/flux-dev': { image: 'image', strength: 'prompt_strength' },
      'black-forest-labs/flux-fill-pro': { image: 'image', mask: 'mask', inputSized: true },
      'stability-ai/sdxl': { image: 'image', mask: 'mask', strength: 'prompt_strength' },
    })
    const rows: readonly ModelCapabilities[] = replicateModels.filter((m: ModelCapabilities) => m.imageInputs !== undefined)
    expect(rows.map((m) => m.id).sort()).toStrictEqual(Object.keys(REPLICATE_IMAGE_FIELDS).sort())
    const by = (id: string) => rows.find((m) => m.id === id)!.imageInputs!
    expect(by('black-forest-labs/flux-kontext-pro')).toStrictEqual({ operations: { edit: { maxImages: 1 } }, mimeTypes: ['image/png', 'image/jpeg', 'image/webp'], maxBytes: 10 * 1024 * 1024 })
    expect(by('black-forest-labs/flux-dev').operations).toStrictEqual({ 'image-to-image': { maxImages: 1, strength: true } })
    expect(by('stability-ai/sdxl')).toMatchObject({ operations: { inpaint: { maxImages: 1, mask: 'required', strength: true } }, mask: { sameSize: false, kind: 'luminance' } })
    expect(by('black-forest-labs/flux-fill-pro')).toMatchObject({ textToImage: false, mask: { sameSize: true, kind: 'luminance' } })
    expect(replicatePrices.find((p) => p.model === 'black-forest-labs/flux-kontext-pro')?.price).toStrictEqual({ kind: 'per-image', usd: 0.04 })
  })
})

describe('Replicate image inputs on the wire', () => {
  it('Kontext edit: input_image as a data URI and aspect_ratio match_input_image', async () => {
    const source = png(40, 30)
    const { bodies, scope } = expectCreate('/v1/models/black-forest-labs/flux-kontext-pro/predictions')
    await client().generateImage(new ImageGenerationRequest('black-forest-labs/flux-kontext-pro', 'make it a 90s cartoon').with_image(source).with_seed(3))
    expect(bodies).toStrictEqual([{ input: { prompt: 'make it a 90s cartoon', seed: 3, output_format: 'png', input_image: dataUrl('image/png', source), aspect_ratio: 'match_input_image' } }])
    expect(scope.isDone()).toBe(true)
  })

  it('Kontext max with a ratio and jpeg output keeps the ratio asked for', async () => {
    const source = jpeg(32, 32)
    const { bodies } = expectCreate('/v1/models/black-forest-labs/flux-kontext-max/predictions')
    await client().generateImage({ model: 'black-forest-labs/flux-kontext-max', prompt: 'letters in 3D', images: [source], aspect_ratio: '16:9', output_format: 'jpeg', provider_options: { safety_tolerance: 2 } })
    expect(bodies).toStrictEqual([{ input: { prompt: 'letters in 3D', aspect_ratio: '16:9', output_format: 'jpg', input_image: dataUrl('image/jpeg', source), safety_tolerance: 2 } }])
  })

  it('Kontext without an image is plain text-to-image (input_image is optional)', async () => {
    const { bodies } = expectCreate('/v1/models/black-forest-labs/flux-kontext-pro/predictions')
    await client().generateImage({ model: 'black-forest-labs/flux-kontext-pro', prompt: 'a fox', aspect_ratio: '1:1' })
    expect(bodies).toStrictEqual([{ input: { prompt: 'a fox', aspect_ratio: '1:1', output_format: 'png' } }])
  })

  it('FLUX dev image-to-image: image and prompt_strength', async () => {
    const source = webp(24, 24)
    const { bodies } = expectCreate('/v1/models/black-forest-labs/flux-dev/predictions', [OUTPUT])
    await client().generateImage(new ImageGenerationRequest('black-forest-labs/flux-dev', 'watercolour').with_image(source).with_strength(0.7))
    expect(bodies).toStrictEqual([{ input: { prompt: 'watercolour', num_outputs: 1, output_format: 'png', image: dataUrl('image/webp', source), prompt_strength: 0.7 } }])
  })

  it('SDXL inpaint: image, mask and prompt_strength on the pinned version', async () => {
    const source = png(64, 64)
    const mask = png(32, 32, { fill: 255 })
    const { bodies } = expectCreate('/v1/predictions', [OUTPUT])
    await client().generateImage(new ImageGenerationRequest('stability-ai/sdxl', 'a cat on the bench').with_image(source).with_mask(mask).with_strength(0.9))
    expect(bodies).toStrictEqual([{ version: SDXL_VERSION, input: { prompt: 'a cat on the bench', num_outputs: 1, image: dataUrl('image/png', source), mask: dataUrl('image/png', mask), prompt_strength: 0.9 } }])
  })

  it('FLUX Fill: image and mask of the same size', async () => {
    const source = png(48, 32)
    const mask = png(48, 32, { fill: 255 })
    const { bodies } = expectCreate('/v1/models/black-forest-labs/flux-fill-pro/predictions')
    await client().generateImage(new ImageGenerationRequest('black-forest-labs/flux-fill-pro', 'a red door').with_image(source).with_mask(mask).with_provider_options({ steps: 30 }))
    expect(bodies).toStrictEqual([{ input: { prompt: 'a red door', output_format: 'png', image: dataUrl('image/png', source), mask: dataUrl('image/png', mask), steps: 30 } }])
  })
})

describe('bad Replicate image inputs fail before any request', () => {
  const cases: [string, () => Promise<unknown>, new (...args: never[]) => Error][] = [
    ['an image for a text-only model', () => client().generateImage({ model: 'black-forest-labs/flux-schnell', prompt: 'p', images: [png(8, 8)] }), UnsupportedCapabilityError],
    ['Fill without an image', () => client().generateImage({ model: 'black-forest-labs/flux-fill-pro', prompt: 'p' }), InvalidRequestError],
    ['Fill without a mask', () => client().generateImage({ model: 'black-forest-labs/flux-fill-pro', prompt: 'p', images: [png(8, 8)] }), InvalidRequestError],
    ['a Fill mask of another size', () => client().generateImage({ model: 'black-forest-labs/flux-fill-pro', prompt: 'p', images: [png(8, 8)], mask: png(8, 9) }), InvalidRequestError],
    ['two images for Kontext', () => client().generateImage({ model: 'black-forest-labs/flux-kontext-pro', prompt: 'p', images: [png(8, 8), png(8, 8)] }), InvalidRequestError],
    ['a mask for Kontext', () => client().generateImage({ model: 'black-forest-labs/flux-kontext-pro', prompt: 'p', images: [png(8, 8)], mask: png(8, 8) }), UnsupportedCapabilityError],
    ['a file that is no image', () => client().generateImage({ model: 'stability-ai/sdxl', prompt: 'p', images: [new TextEncoder().encode('not an image at all')] }), InvalidRequestError],
    ['an input over 10 MiB', () => client().generateImage({ model: 'black-forest-labs/flux-dev', prompt: 'p', images: [Buffer.concat([Buffer.from(png(8, 8)), Buffer.alloc(10 * 1024 * 1024)])] }), InvalidRequestError],
    ['a size for Fill, which answers at the input size', () => client().generateImage({ model: 'black-forest-labs/flux-fill-pro', prompt: 'p', images: [png(8, 8)], mask: png(8, 8), size: '512x512' }), InvalidRequestError],
  ]
  it.each(cases)('%s', async (_label, run, type) => {
    nock(BASE).post(/.*/).reply(500, {})
    const error = await run().then(() => undefined, (e: unknown) => e)
    expect(error).toBeInstanceOf(type)
    expect(nock.pendingMocks()).toHaveLength(1)
  })
})
