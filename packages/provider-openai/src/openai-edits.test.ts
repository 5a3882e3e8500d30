import nock from 'nock'
import { ImageFormat, ImageGenerationRequest, type ImageGenerationRequestInit, ImageSize, InvalidRequestError, LLMKitClient, type ModelCapabilities, UnsupportedCapabilityError } from '@llmkit/core'
import { describe, expect, it } from 'vitest'
import { headersOf, useNock } from '../../../test/nock.js'
import { jpeg, png, webp } from '../../core/src/inputs/__fixtures__/images.js'
import { OPENAI_EDIT_FIELDS, OPENAI_VARIATION_FIELDS, openai, openaiModels } from './index.js'

const BASE = 'https://api.openai.test'
const KEY = 'sk-test-0123456789abcdef'
/** What nock answers: a real PNG, since the core checks every image it is given. */
const ANSWER = png(8, 8)
const B64 = Buffer.from(ANSWER).toString('base64')

function client(options: { unsupported?: 'warn' | 'error' } = {}) {
  return new LLMKitClient({
    providers: [openai()],
    env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${BASE}/v1` },
    unsupported: options.unsupported,
    // One nock reply per test: the mapping is under test here.
    retry: false,
  })
}

/** A multipart part as the service parses it: text, or a file with its name, type and bytes. */
type Part = [name: string, value: string | { fileName: string; type: string; bytes: Uint8Array }]

interface Seen {
  count: number
  headers?: Record<string, string>
  parts?: Part[]
}

/**
 * Captures the one multipart request nock sees at `path`, parsed by the platform's multipart
 * parser as the service would. nock hands binary bodies over as hex.
 */
function expectCall(path: string, reply: unknown) {
  const seen: Seen = { count: 0 }
  let parsing: Promise<void> = Promise.resolve()
  const scope = nock(BASE).post(path).reply(200, reply as nock.Body, { 'x-request-id': 'req_edit_1', 'content-type': 'application/json' })
  scope.on('request', (req: { headers: Record<string, string> | Headers }, _interceptor: unknown, body: string) => {
    seen.count++
    seen.headers = headersOf(req.headers)
    const bytes = /^[0-9a-f]+$/.test(body) ? Buffer.from(body, 'hex') : Buffer.from(body, 'utf8')
    parsing = new Response(bytes, { headers: { 'content-type': seen.headers['content-type'] ?? '' } }).formData().then(async (form) => {
      const parts: Part[] = []
      for (const [name, value] of form.entries()) {
        parts.push(typeof value === 'string' ? [name, value] : [name, { fileName: value.name, type: value.type, bytes: new Uint8Array(await value.arrayBuffer()) }])
      }
      seen.parts = parts
    })
  })
  return { seen, parsed: () => parsing, scope }
}

const file = (fileName: string, type: string, bytes: Uint8Array) => ({ fileName, type, bytes })

useNock()

describe('capability rows', () => {
  it('give the GPT image models edits of up to 16 png/jpeg/webp images under 50 MiB with an optional alpha mask, and no variations', () => {
    for (const id of ['gpt-image-1', 'gpt-image-1-mini', 'gpt-image-1.5', 'gpt-image-2']) {
      const row: ModelCapabilities = openaiModels.find((m) => m.id === id)!
      expect(row.imageInputs).toStrictEqual({
        operations: { edit: { maxImages: 16, mask: 'optional' } },
        mimeTypes: ['image/png', 'image/jpeg', 'image/webp'],
        maxBytes: 50 * 1024 * 1024,
        mask: { sameSize: true, kind: 'alpha' },
      })
    }
  })

  it('give dall-e-2 an edit of one square PNG under 4 MiB and a variation without a prompt; dall-e-3 takes no images', () => {
    expect((openaiModels.find((m) => m.id === 'dall-e-2')! as ModelCapabilities).imageInputs).toStrictEqual({
      operations: { edit: { maxImages: 1, mask: 'optional' }, variation: { maxImages: 1, prompt: 'none' } },
      mimeTypes: ['image/png'],
      maxBytes: 4 * 1024 * 1024,
      square: true,
      mask: { sameSize: true, kind: 'alpha' },
    })
    expect('imageInputs' in openaiModels.find((m) => m.id === 'dall-e-3')!).toBe(false)
  })
})

describe('POST /images/edits for the GPT image models', () => {
  it('sends the exact multipart body: text fields, two images as image[] in order, the mask last', async () => {
    const call = expectCall('/v1/images/edits', { created: 1, data: [{ b64_json: B64 }], output_format: 'png' })
    const first = png(64, 48)
    const second = webp(32, 32)
    const mask = png(64, 48, { alpha: true })
    const request = new ImageGenerationRequest('gpt-image-1', 'Put the bottle into the basket')
      .with_image(first)
      .with_image(second)
      .with_mask(mask)
      .with_size('1536x1024')
      .with_quality('high')
      .with_provider_options({ user: 'user-1234' })
    const response = await client().generateImage(request)
    await call.parsed()
    expect(call.seen.headers?.['content-type']).toMatch(/^multipart\/form-data; boundary=/)
    expect(call.seen.headers?.['authorization']).toBe(`Bearer ${KEY}`)
    expect(call.seen.parts).toStrictEqual([
      ['model', 'gpt-image-1'],
      ['prompt', 'Put the bottle into the basket'],
      ['n', '1'],
      ['size', '1536x1024'],
      ['quality', 'high'],
      ['user', 'user-1234'],
      ['image[]', file('image-1.png', 'image/png', first)],
      ['image[]', file('image-2.webp', 'image/webp', second)],
      ['mask', file('mask.png', 'image/png', mask)],
    ])
    expect(response.images).toHaveLength(1)
    expect(new Uint8Array(await response.first()!.bytes())).toStrictEqual(ANSWER)
    expect(response.warnings).toStrictEqual([])
  })

  it('sends the output fields of the GPT image models and one image[] part for a single JPEG', async () => {
    const call = expectCall('/v1/images/edits', { created: 1, data: [{ b64_json: B64 }, { b64_json: B64 }] })
    const source = jpeg(1024, 1024)
    await client().generateImage({ model: 'gpt-image-1.5', prompt: 'Make it night', images: [source], output_format: 'webp', output_compression: 60, background: 'opaque', n: 2 })
    await call.parsed()
    expect(call.seen.parts).toStrictEqual([
      ['model', 'gpt-image-1.5'],
      ['prompt', 'Make it night'],
      ['n', '2'],
      ['output_format', 'webp'],
      ['output_compression', '60'],
      ['background', 'opaque'],
      ['image[]', file('image-1.jpg', 'image/jpeg', source)],
    ])
  })

  it('drops the generation-only moderation option with a warning instead of sending a field edits reject', async () => {
    const call = expectCall('/v1/images/edits', { created: 1, data: [{ b64_json: B64 }] })
    const response = await client().generateImage(new ImageGenerationRequest('gpt-image-1', 'Add a hat').with_image(png(16, 16)).with_provider_options({ moderation: 'low' }))
    await call.parsed()
    expect(call.seen.parts?.map(([name]) => name)).toStrictEqual(['model', 'prompt', 'n', 'image[]'])
    expect(response.warnings).toStrictEqual([
      { type: 'unsupported', setting: 'provider_options.moderation', message: 'moderation was not sent: POST /images/edits does not take it', requested: 'low' },
    ])
  })
})

describe('dall-e-2 edits and variations', () => {
  it('sends a dall-e-2 edit as one image part named image, with its mask and response_format', async () => {
    const call = expectCall('/v1/images/edits', { created: 1, data: [{ url: 'https://images.openai.test/edit-1.png' }] })
    const source = png(256, 256)
    const mask = png(256, 256, { alpha: true })
    const response = await client().generateImage(new ImageGenerationRequest('dall-e-2', 'A sunlit lounge with a flamingo in the pool').with_image(source).with_mask(mask).with_size(ImageSize.Square512))
    await call.parsed()
    expect(call.seen.parts).toStrictEqual([
      ['model', 'dall-e-2'],
      ['prompt', 'A sunlit lounge with a flamingo in the pool'],
      ['n', '1'],
      ['size', '512x512'],
      ['response_format', 'url'],
      ['image', file('image-1.png', 'image/png', source)],
      ['mask', file('mask.png', 'image/png', mask)],
    ])
    expect(response.first()?.url).toBe('https://images.openai.test/edit-1.png')
  })

  it('edits the transparent area of a dall-e-2 image given without a mask', async () => {
    const call = expectCall('/v1/images/edits', { created: 1, data: [{ url: 'https://images.openai.test/edit-2.png' }] })
    const source = png(256, 256, { alpha: true })
    await client().generateImage(new ImageGenerationRequest('dall-e-2', 'A flamingo').with_image(source))
    await call.parsed()
    expect(call.seen.parts?.map(([name]) => name)).toStrictEqual(['model', 'prompt', 'n', 'response_format', 'image'])
  })

  it('sends a variation to /images/variations with no prompt field', async () => {
    const call = expectCall('/v1/images/variations', { created: 1, data: [{ b64_json: B64 }, { b64_json: B64 }] })
    const source = png(256, 256)
    const response = await client().generateImage(ImageGenerationRequest.variation('dall-e-2', source).with_n(2).with_size(ImageSize.Square256).with_format(ImageFormat.B64Json))
    await call.parsed()
    expect(call.seen.parts).toStrictEqual([
      ['model', 'dall-e-2'],
      ['n', '2'],
      ['size', '256x256'],
      ['response_format', 'b64_json'],
      ['image', file('image-1.png', 'image/png', source)],
    ])
    expect(response.images).toHaveLength(2)
    expect(response.warnings).toStrictEqual([])
  })

  it('drops quality on a variation (the endpoint has no quality field) with a warning', async () => {
    const call = expectCall('/v1/images/variations', { created: 1, data: [{ url: 'https://images.openai.test/var-1.png' }] })
    const response = await client().generateImage(ImageGenerationRequest.variation('dall-e-2', png(256, 256)).with_quality('standard'))
    await call.parsed()
    expect(call.seen.parts?.map(([name]) => name)).toStrictEqual(['model', 'n', 'response_format', 'image'])
    expect(response.warnings.map((w) => `${w.type}:${w.setting}`)).toStrictEqual(['unsupported:quality'])
  })
})

/**
 * Conformance of the multipart fields with openai/openai-openapi (openapi.yaml at f85dbe2): the
 * vendored schema under packages/emulator/src/schemas holds CreateImageRequest only, so the
 * field lists of CreateImageEditRequest and CreateImageVariationRequest are checked here.
 */
describe('multipart fields against the OpenAPI request schemas', () => {
  const EDIT_REQUIRED = ['prompt', 'image']
  const VARIATION_REQUIRED = ['image']

  it('lists exactly the properties of CreateImageEditRequest and CreateImageVariationRequest', () => {
    expect([...OPENAI_EDIT_FIELDS].sort()).toStrictEqual(
      ['background', 'image', 'input_fidelity', 'mask', 'model', 'n', 'output_compression', 'output_format', 'partial_images', 'prompt', 'quality', 'response_format', 'size', 'stream', 'user'].sort(),
    )
    expect([...OPENAI_VARIATION_FIELDS].sort()).toStrictEqual(['image', 'model', 'n', 'response_format', 'size', 'user'])
  })

  it.each([
    ['gpt-image-1 edit with every field', '/v1/images/edits', () => ({ model: 'gpt-image-1', prompt: 'x', n: 2, images: [png(32, 32), png(32, 32)], mask: png(32, 32, { alpha: true }), size: '1024x1536', quality: 'low', output_format: 'jpeg', output_compression: 50, background: 'opaque', provider_options: { user: 'u' } }), EDIT_REQUIRED, OPENAI_EDIT_FIELDS],
    ['gpt-image-2 edit with a custom size', '/v1/images/edits', () => ({ model: 'gpt-image-2', prompt: 'x', images: [png(32, 32)], size: '1536x864' }), EDIT_REQUIRED, OPENAI_EDIT_FIELDS],
    ['dall-e-2 edit', '/v1/images/edits', () => ({ model: 'dall-e-2', prompt: 'x', images: [png(64, 64)], mask: png(64, 64, { alpha: true }), size: '256x256', format: 'b64_json', provider_options: { user: 'u' } }), EDIT_REQUIRED, OPENAI_EDIT_FIELDS],
    ['dall-e-2 variation', '/v1/images/variations', () => ({ model: 'dall-e-2', prompt: '', operation: 'variation', images: [png(64, 64)], n: 3, size: '512x512', provider_options: { user: 'u' } }), VARIATION_REQUIRED, OPENAI_VARIATION_FIELDS],
  ] as const)('%s sends only schema fields, and the required ones', async (_name, path, init, required, allowed) => {
    const request = init() as ImageGenerationRequestInit
    const call = expectCall(path, { created: 1, data: Array.from({ length: request.n ?? 1 }, () => ({ b64_json: B64 })) })
    await client().generateImage(request)
    await call.parsed()
    // `image[]` is the array spelling of `image` (openai-node appends `key[]` per array entry).
    const names = call.seen.parts!.map(([name]) => name.replace(/\[\]$/, ''))
    for (const name of names) expect(allowed, name).toContain(name)
    for (const name of required) expect(names, name).toContain(name)
  })
})

describe('bad inputs fail before any request', () => {
  const cases: Array<[string, () => ImageGenerationRequest | ImageGenerationRequestInit, new (...args: never[]) => Error, RegExp]> = [
    ['17 images for gpt-image-1 (16 is the most any request takes)', () => ({ model: 'gpt-image-1', prompt: 'x', images: Array.from({ length: 17 }, () => png(8, 8)) }), InvalidRequestError, /at most 16 images/],
    ['a mask of another size', () => new ImageGenerationRequest('gpt-image-1', 'x').with_image(png(64, 64)).with_mask(png(32, 32, { alpha: true })), InvalidRequestError, /mask is 32x32 but the image is 64x64/],
    ['a mask without alpha', () => new ImageGenerationRequest('gpt-image-1', 'x').with_image(png(16, 16)).with_mask(png(16, 16)), InvalidRequestError, /no alpha channel/],
    ['a WebP mask (OpenAI masks are PNG)', () => new ImageGenerationRequest('gpt-image-1', 'x').with_image(png(16, 16)).with_mask(webp(16, 16, { alpha: true })), InvalidRequestError, /OpenAI takes a PNG mask/],
    ['a non-square dall-e-2 image', () => new ImageGenerationRequest('dall-e-2', 'x').with_image(png(64, 32)).with_mask(png(64, 32, { alpha: true })), InvalidRequestError, /square images only/],
    ['a JPEG for dall-e-2', () => ImageGenerationRequest.variation('dall-e-2', jpeg(64, 64)), InvalidRequestError, /this model takes image\/png/],
    ['a dall-e-2 edit with neither mask nor transparency', () => new ImageGenerationRequest('dall-e-2', 'x').with_image(png(64, 64)), InvalidRequestError, /no alpha channel; add .with_mask/],
    ['two images for dall-e-2', () => new ImageGenerationRequest('dall-e-2', 'x').with_image(png(64, 64, { alpha: true })).with_image(png(64, 64, { alpha: true })), InvalidRequestError, /edit takes 1 input image; got 2/],
    ['a variation of a GPT image model', () => ImageGenerationRequest.variation('gpt-image-1', png(64, 64)), UnsupportedCapabilityError, /does not offer operation "variation"/],
    ['an image for dall-e-3', () => new ImageGenerationRequest('dall-e-3', 'x').with_image(png(64, 64)), UnsupportedCapabilityError, /takes no input images.*Models that take images: .*dall-e-2/],
  ]

  it.each(cases)('%s', async (_name, build, type, message) => {
    const edits = nock(BASE).post('/v1/images/edits').reply(200, { data: [] })
    const variations = nock(BASE).post('/v1/images/variations').reply(200, { data: [] })
    const error = await client().generateImage(build()).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(type)
    expect(String((error as Error).message)).toMatch(message)
    expect(edits.isDone()).toBe(false)
    expect(variations.isDone()).toBe(false)
  })
})
