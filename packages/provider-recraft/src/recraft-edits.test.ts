import nock from 'nock'
import { ImageFormat, ImageGenerationRequest, LLMKitClient, type ModelCapabilities, modelCapabilitiesSchema } from '@llmkit/core'
import { describe, expect, it } from 'vitest'
import { headersOf, useNock } from '../../../test/nock.js'
import { jpeg, png, webp } from '../../core/src/inputs/__fixtures__/images.js'
import { recraft, recraftModels } from './index.js'
import { refusedBeforeRequest } from '../../../test/failure.js'

const BASE = 'https://external.api.recraft.test'
const KEY = 'rc-test-0123456789abcdef'
const OUT_B64 = Buffer.from(png(8, 8)).toString('base64')
/** Recraft's answer with `n` base64 images (b64_json asked, so the core downloads nothing). */
const answer = (n: number) => ({ created: 1_700_000_000, credits: 40 * n, data: Array.from({ length: n }, (_, i) => ({ b64_json: OUT_B64, image_id: `a${i}` })) })
const ANSWER = answer(1)

function client() {
  return new LLMKitClient({ providers: [recraft()], env: { RECRAFT_API_KEY: KEY, RECRAFT_BASE_URL: `${BASE}/v1` }, retry: false })
}

type Part = [name: string, value: string] | [name: string, file: { filename: string; type: string; bytes: Uint8Array }]

/** Captures the multipart parts of the one request nock sees at `path`, parsed from the raw wire bytes. */
function expectForm(path: string, n = 1) {
  let parts: Promise<Part[]> = Promise.resolve([])
  let headers: Record<string, string> = {}
  const scope = nock(BASE).post(path).reply(200, answer(n), { 'x-request-id': 'req_rc_1', 'content-type': 'application/json' })
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
  return { parts: () => parts, headers: () => headers }
}

const file = (filename: string, type: string, bytes: Uint8Array) => ({ filename, type, bytes })

useNock()

describe('image-input rows', () => {
  it('V3 takes image-to-image and inpaint, V4 and V4.1 image-to-image, V2 and V4 Styles none', () => {
    const byId: Record<string, ModelCapabilities> = Object.fromEntries(recraftModels.map((m) => [m.id, m]))
    for (const row of recraftModels) expect(modelCapabilitiesSchema.safeParse(row).success).toBe(true)
    for (const id of ['recraft-v3', 'recraft-v3-vector']) {
      expect(byId[id]?.imageInputs).toStrictEqual({
        operations: { 'image-to-image': { maxImages: 1, strength: 'required' }, inpaint: { maxImages: 1, mask: 'required' } },
        mimeTypes: ['image/png', 'image/jpeg', 'image/webp'],
        maxBytes: 10 * 1024 * 1024,
        minSide: 256,
        maxSide: 4096,
        maxPixels: 16_777_216,
        mask: { sameSize: true, kind: 'luminance' },
      })
    }
    for (const id of ['recraft-v4', 'recraft-v4-vector', 'recraft-v4-pro', 'recraft-v4-pro-vector', 'recraft-v4-1', 'recraft-v4-1-vector', 'recraft-v4-1-pro', 'recraft-v4-1-pro-vector']) {
      expect(byId[id]?.imageInputs?.operations).toStrictEqual({ 'image-to-image': { maxImages: 1, strength: 'required' } })
    }
    for (const id of ['recraft-v2', 'recraft-v2-vector', 'recraft-v4-styles', 'recraft-v4-styles-pro-vector']) expect(byId[id]).not.toHaveProperty('imageInputs')
  })
})

describe('multipart bodies', () => {
  it('image-to-image sends the image file, prompt, strength, model, n, response_format and the style fields', async () => {
    const input = png(512, 384)
    const call = expectForm('/v1/images/imageToImage', 2)
    const response = await client().generateImage(
      new ImageGenerationRequest('recraft-v3', 'as a winter scene')
        .with_image(input)
        .with_strength(0.45)
        .with_n(2)
        .with_format(ImageFormat.B64Json)
        .with_negative_prompt('people')
        .with_provider_options({ style: 'digital_illustration', substyle: 'pixel_art' }),
    )
    expect(await call.parts()).toStrictEqual([
      ['image', file('image-1.png', 'image/png', input)],
      ['prompt', 'as a winter scene'],
      ['strength', '0.45'],
      ['model', 'recraftv3'],
      ['n', '2'],
      ['response_format', 'b64_json'],
      ['style', 'digital_illustration'],
      ['substyle', 'pixel_art'],
      ['negative_prompt', 'people'],
    ])
    expect(call.headers()['authorization']).toBe(`Bearer ${KEY}`)
    expect(call.headers()['content-type']).toMatch(/^multipart\/form-data; boundary=/)
    expect(response.count).toBe(2)
    expect(response.first()?.b64_json).toBe(OUT_B64)
    expect(response.usage?.credits).toBe(80)
  })

  it('inpaint sends the image and the mask files with the prompt, no strength', async () => {
    const image = jpeg(640, 480)
    const mask = png(640, 480, { fill: 255 })
    const call = expectForm('/v1/images/inpaint')
    await client().generateImage({ model: 'recraft-v3-vector', prompt: 'a bicycle', images: [image], mask, format: 'b64_json' })
    expect(await call.parts()).toStrictEqual([
      ['image', file('image-1.jpg', 'image/jpeg', image)],
      ['mask', file('mask.png', 'image/png', mask)],
      ['prompt', 'a bicycle'],
      ['model', 'recraftv3_vector'],
      ['n', '1'],
      ['response_format', 'b64_json'],
    ])
  })

  it('V4.1 image-to-image sends no style fields and warns that a size is not sent', async () => {
    const input = webp(1024, 1024)
    const call = expectForm('/v1/images/imageToImage')
    const response = await client().generateImage({ model: 'recraft-v4-1', prompt: 'brighter', images: [input], strength: 0.2, size: '1024x1024', format: 'b64_json' })
    expect(await call.parts()).toStrictEqual([
      ['image', file('image-1.webp', 'image/webp', input)],
      ['prompt', 'brighter'],
      ['strength', '0.2'],
      ['model', 'recraftv4_1'],
      ['n', '1'],
      ['response_format', 'b64_json'],
    ])
    expect(response.warnings).toMatchObject([{ type: 'unsupported', setting: 'size', requested: '1024x1024' }])
  })
})

describe('bad inputs are typed errors before any request', () => {
  const cases: Array<[string, Record<string, unknown>, string, RegExp]> = [
    ['a mask of another size', { model: 'recraft-v3', prompt: 'p', images: [png(512, 512)], mask: png(256, 256) }, 'mask', /same size/],
    ['an image above 4096 px', { model: 'recraft-v3', prompt: 'p', images: [jpeg(4097, 1024)], strength: 0.5 }, 'images.0', /at most 4096 px/],
    ['an image below 256 px', { model: 'recraft-v4', prompt: 'p', images: [png(255, 512)], strength: 0.5 }, 'images.0', /at least 256 px/],
    ['a file that is not PNG, JPEG or WebP', { model: 'recraft-v3', prompt: 'p', images: [new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"/>')], strength: 0.5 }, 'images.0', /png|jpeg|webp|type/i],
    ['image-to-image without a strength', { model: 'recraft-v3', prompt: 'p', images: [png(256, 256)] }, 'strength', /needs a strength/],
    ['inpaint on V4 (V3 only)', { model: 'recraft-v4', prompt: 'p', images: [png(256, 256)], mask: png(256, 256) }, 'mask', /takes no mask/],
    ['images on V2 (text only)', { model: 'recraft-v2', prompt: 'p', images: [png(256, 256)] }, 'images', /takes no input images/],
    ['controls on image-to-image', { model: 'recraft-v3', prompt: 'p', images: [png(256, 256)], strength: 0.5, provider_options: { controls: { no_text: true } } }, 'provider_options.controls', /nested field/],
    ['a style on V4 image-to-image', { model: 'recraft-v4', prompt: 'p', images: [png(256, 256)], strength: 0.5, provider_options: { style: 'any' } }, 'provider_options.style', /takes no styles/],
  ]
  it.each(cases)('%s', async (_label, request, param, message) => {
    const scope = nock(BASE).post(/.*/).reply(200, ANSWER)
    await refusedBeforeRequest(client().generateImage(request as never), scope, param, message)
  })
})
