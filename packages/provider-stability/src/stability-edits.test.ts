import nock from 'nock'
import { ImageGenerationRequest, LLMKitClient, type ModelCapabilities, modelCapabilitiesSchema } from '@llmkit/core'
import { describe, expect, it } from 'vitest'
import { headersOf, useNock } from '../../../test/nock.js'
import { jpeg, png, webp } from '../../core/src/inputs/__fixtures__/images.js'
import { stability, stabilityModels, stabilityPrices } from './index.js'
import { refusedBeforeRequest } from '../../../test/failure.js'

const BASE = 'https://api.stability.test'
const KEY = 'sk-stability-test-0123456789'
const ANSWER = { image: 'iVBORw0KGgo=', finish_reason: 'SUCCESS', seed: 7 }

function client(options: { unsupported?: 'warn' | 'error' } = {}) {
  return new LLMKitClient({ providers: [stability()], env: { STABILITY_API_KEY: KEY, STABILITY_BASE_URL: BASE }, unsupported: options.unsupported, retry: false })
}

/** One multipart part as the service reads it: text fields by value, files by name, type and bytes. */
type Part = [name: string, value: string] | [name: string, file: { filename: string; type: string; bytes: Uint8Array }]

/** Captures the multipart parts of the one request nock sees at `path`, parsed from the raw wire bytes. */
function expectForm(path: string) {
  let parts: Promise<Part[]> = Promise.resolve([])
  let headers: Record<string, string> = {}
  const scope = nock(BASE).post(path).reply(200, ANSWER, { 'x-request-id': 'req_edit_1', 'content-type': 'application/json; type=image/png' })
  scope.on('request', (req: { headers: Record<string, string> | Headers }, _interceptor: unknown, body: string) => {
    headers = headersOf(req.headers)
    // nock hands a binary body over hex-encoded.
    const raw = /^[0-9a-f]+$/.test(body) ? Buffer.from(body, 'hex') : Buffer.from(body, 'binary')
    parts = new Response(raw, { headers: { 'content-type': headers['content-type'] ?? '' } }).formData().then((form) =>
      Promise.all(
        [...form.entries()].map(async ([name, value]): Promise<Part> =>
          typeof value === 'string' ? [name, value] : [name, { filename: value.name, type: value.type, bytes: new Uint8Array(await value.arrayBuffer()) }],
        ),
      ),
    )
  })
  return { parts: () => parts, headers: () => headers, scope }
}

const file = (filename: string, type: string, bytes: Uint8Array) => ({ filename, type, bytes })

useNock()

describe('image-input rows', () => {
  it('parse with the capability schema; Core stays text-only, the edit rows need an image', () => {
    for (const row of stabilityModels) expect(modelCapabilitiesSchema.safeParse(row).success).toBe(true)
    const byId: Record<string, ModelCapabilities> = Object.fromEntries(stabilityModels.map((m) => [m.id, m]))
    expect(byId['stability-ai/stable-image-core']).not.toHaveProperty('imageInputs')
    expect(byId['stability-ai/stable-diffusion-xl']).not.toHaveProperty('imageInputs')
    for (const id of ['stability-ai/sd3.5-large', 'stability-ai/sd3.5-large-turbo', 'stability-ai/sd3.5-medium', 'stability-ai/sd3.5-flash', 'stability-ai/stable-image-ultra']) {
      expect(byId[id]?.imageInputs?.operations).toStrictEqual({ 'image-to-image': { maxImages: 1, strength: 'required' } })
    }
    expect(byId['stability-ai/inpaint']?.imageInputs).toMatchObject({ textToImage: false, operations: { inpaint: { maxImages: 1, mask: 'optional' } }, minSide: 64, maxPixels: 9_437_184, mask: { sameSize: false, kind: 'luminance' } })
    expect(byId['stability-ai/outpaint']?.imageInputs).toMatchObject({ textToImage: false, operations: { outpaint: { maxImages: 1, prompt: 'optional' } } })
    expect(byId['stability-ai/search-and-replace']).toMatchObject({ requiredProviderOptions: ['search_prompt'], imageInputs: { operations: { edit: { maxImages: 1 } } } })
  })

  it('resolves the edit rows by wire id too (stability:inpaint)', async () => {
    expect((await client().capabilities('stability:inpaint')).id).toBe('stability-ai/inpaint')
    expect((await client().capabilities('stability:search-and-replace')).id).toBe('stability-ai/search-and-replace')
  })

  it('prices each edit endpoint per image in credits', () => {
    const usd = (model: string) => stabilityPrices.find((p) => p.model === model)?.price
    expect(usd('stability-ai/inpaint')).toStrictEqual({ kind: 'per-image', usd: 0.05 })
    expect(usd('stability-ai/outpaint')).toStrictEqual({ kind: 'per-image', usd: 0.04 })
    expect(usd('stability-ai/search-and-replace')).toStrictEqual({ kind: 'per-image', usd: 0.05 })
  })
})

describe('SD 3.5 and Ultra image-to-image', () => {
  it('sends model, mode image-to-image, prompt, strength and the image file to /generate/sd3, and no aspect_ratio', async () => {
    const input = png(96, 80)
    const call = expectForm('/v2beta/stable-image/generate/sd3')
    const response = await client().generateImage(
      new ImageGenerationRequest('stability-ai/sd3.5-medium', 'as a watercolour')
        .with_image(input)
        .with_strength(0.35)
        .with_seed(12)
        .with_negative_prompt('blurry')
        .with_output_format('webp')
        .with_aspect_ratio('16:9'),
    )
    expect(await call.parts()).toStrictEqual([
      ['model', 'sd3.5-medium'],
      ['mode', 'image-to-image'],
      ['prompt', 'as a watercolour'],
      ['negative_prompt', 'blurry'],
      ['strength', '0.35'],
      ['seed', '12'],
      ['output_format', 'webp'],
      ['image', file('image-1.png', 'image/png', input)],
    ])
    expect(call.headers()['accept']).toBe('application/json')
    expect(call.headers()['authorization']).toBe(`Bearer ${KEY}`)
    expect(response.first()?.seed).toBe(7)
    // The other warning says the stub answered PNG for the webp asked.
    expect(response.warnings.filter((w) => w.setting === 'size')).toMatchObject([{ type: 'unsupported', requested: '16:9', message: expect.stringMatching(/keeps the input image's proportions/) }])
  })

  it('sends Ultra its image, strength and aspect_ratio (Ultra takes a ratio in image-to-image too)', async () => {
    const input = jpeg(640, 480)
    const call = expectForm('/v2beta/stable-image/generate/ultra')
    await client().generateImage({ model: 'stability-ai/stable-image-ultra', prompt: 'at night', images: [input], strength: 0.8, aspect_ratio: '3:2' })
    expect(await call.parts()).toStrictEqual([
      ['prompt', 'at night'],
      ['aspect_ratio', '3:2'],
      ['strength', '0.8'],
      ['image', file('image-1.jpg', 'image/jpeg', input)],
    ])
  })

  it('refuses image-to-image without a strength (the API requires one) before any request', async () => {
    const scope = nock(BASE).post(/.*/).reply(200, ANSWER)
    await expect(client().generateImage({ model: 'stability-ai/sd3.5-large', prompt: 'p', images: [png(64, 64)] })).rejects.toMatchObject({ name: 'InvalidRequestError', param: 'strength' })
    expect(scope.isDone()).toBe(false)
  })
})

describe('edit endpoints', () => {
  it('inpaint sends prompt, options, the image and the mask as files', async () => {
    const image = png(128, 96)
    const mask = png(128, 96, { fill: 255 })
    const call = expectForm('/v2beta/stable-image/edit/inpaint')
    await client().generateImage(
      new ImageGenerationRequest('stability-ai/inpaint', 'a red door').with_image(image).with_mask(mask).with_negative_prompt('text').with_provider_options({ grow_mask: 8, style_preset: 'photographic' }),
    )
    expect(await call.parts()).toStrictEqual([
      ['prompt', 'a red door'],
      ['negative_prompt', 'text'],
      ['grow_mask', '8'],
      ['style_preset', 'photographic'],
      ['image', file('image-1.png', 'image/png', image)],
      ['mask', file('mask.png', 'image/png', mask)],
    ])
  })

  it('inpaint without a mask sends the image alone (its alpha channel is the mask)', async () => {
    const image = png(64, 64, { alpha: true })
    const call = expectForm('/v2beta/stable-image/edit/inpaint')
    await client().generateImage({ model: 'stability-ai/inpaint', prompt: 'sky', images: [image] })
    expect(await call.parts()).toStrictEqual([
      ['prompt', 'sky'],
      ['image', file('image-1.png', 'image/png', image)],
    ])
  })

  it('outpaint sends the directions as provider options, and warns that a size is not sent', async () => {
    const image = webp(300, 200)
    const call = expectForm('/v2beta/stable-image/edit/outpaint')
    const response = await client().generateImage({ model: 'stability-ai/outpaint', prompt: 'more beach', images: [image], size: '1024x1024', provider_options: { left: 200, down: 100, creativity: 0.4 } })
    expect(await call.parts()).toStrictEqual([
      ['prompt', 'more beach'],
      ['left', '200'],
      ['down', '100'],
      ['creativity', '0.4'],
      ['image', file('image-1.webp', 'image/webp', image)],
    ])
    expect(response.warnings.map((w) => [w.type, w.setting])).toStrictEqual([['unsupported', 'size']])
  })

  it('search-and-replace sends search_prompt (a required option) with the prompt', async () => {
    const image = png(100, 100)
    const call = expectForm('/v2beta/stable-image/edit/search-and-replace')
    await client().generateImage({ model: 'stability-ai/search-and-replace', prompt: 'a golden retriever', images: [image], seed: 3, provider_options: { search_prompt: 'dog' } })
    expect(await call.parts()).toStrictEqual([
      ['prompt', 'a golden retriever'],
      ['seed', '3'],
      ['search_prompt', 'dog'],
      ['image', file('image-1.png', 'image/png', image)],
    ])
  })
})

describe('bad inputs are typed errors before any request', () => {
  const cases: Array<[string, Record<string, unknown>, string, RegExp]> = [
    ['a GIF-like non-image', { model: 'stability-ai/inpaint', prompt: 'p', images: [new Uint8Array([0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 1, 2, 3])] }, 'images.0', /PNG, JPEG or WebP|png|type/i],
    ['an image above 9,437,184 pixels', { model: 'stability-ai/inpaint', prompt: 'p', images: [jpeg(4000, 3000)] }, 'images.0', /at most 9437184 pixels/],
    ['a side below 64 px', { model: 'stability-ai/sd3.5-large', prompt: 'p', images: [jpeg(63, 500)], strength: 0.5 }, 'images.0', /at least 64 px/],
    ['an input over 10 MiB', { model: 'stability-ai/sd3.5-large', prompt: 'p', images: [new Uint8Array([...jpeg(512, 512), ...new Uint8Array(10 * 1024 * 1024)])], strength: 0.5 }, 'images.0', /at most 10485760/],
    ['outpaint with no direction', { model: 'stability-ai/outpaint', prompt: 'p', images: [png(64, 64)] }, 'provider_options', /at least one direction/],
    ['outpaint beyond 2000 px', { model: 'stability-ai/outpaint', prompt: 'p', images: [png(64, 64)], provider_options: { up: 2001 } }, 'provider_options.up', /0 to 2000/],
    ['outpaint of a 3:1 image', { model: 'stability-ai/outpaint', prompt: 'p', images: [jpeg(900, 300)], provider_options: { left: 10 } }, 'images.0', /1:2.5 to 2.5:1/],
    ['search-and-replace without search_prompt', { model: 'stability-ai/search-and-replace', prompt: 'p', images: [png(64, 64)] }, 'provider_options.search_prompt', /search_prompt/],
    ['an edit row with no image', { model: 'stability-ai/inpaint', prompt: 'p' }, 'images', /needs an input image/],
    ['a mask on image-to-image', { model: 'stability-ai/sd3.5-large', prompt: 'p', images: [png(64, 64)], mask: png(64, 64), strength: 0.5 }, 'mask', /mask/],
    ['two images', { model: 'stability-ai/inpaint', prompt: 'p', images: [png(64, 64), png(64, 64)] }, 'images', /takes 1 input image/],
  ]
  it.each(cases)('%s', async (_label, request, param, message) => {
    const scope = nock(BASE).post(/.*/).reply(200, ANSWER)
    await refusedBeforeRequest(client().generateImage(request as never), scope, param, message)
  })

  it('images on Core (text only) name the models that take images', async () => {
    const scope = nock(BASE).post(/.*/).reply(200, ANSWER)
    await expect(client().generateImage({ model: 'stability-ai/stable-image-core', prompt: 'p', images: [png(64, 64)] })).rejects.toThrow(/takes no input images.*stability-ai\/sd3\.5-large/s)
    expect(scope.isDone()).toBe(false)
  })
})
