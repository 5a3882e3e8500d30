import { ContentPolicyError, ImageFormat, ImageGenerationRequest, ImageSize, InvalidRequestError, LLMKitClient } from '@llmkit/core'
import { derivedInputs, inputDigest, OPENAI_TRIGGERS } from '@llmkit/emulator'
import { describe, expect, it } from 'vitest'
import { jpeg, png, webp } from '../../../core/src/inputs/__fixtures__/images.js'
import { openai } from '../../src/index.js'

const client = () => new LLMKitClient({ providers: [openai()] })
const sizeOfPng = (bytes: Uint8Array) => {
  const b = Buffer.from(bytes)
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) }
}

/** Posts a raw multipart form to the emulated API, to see what OpenAI itself would refuse. */
async function rawPost(path: string, parts: Array<[string, string | { bytes: Uint8Array; type: string; name: string }]>): Promise<{ status: number; param: string | null }> {
  const form = new FormData()
  for (const [name, value] of parts) {
    if (typeof value === 'string') form.append(name, value)
    else form.append(name, new Blob([Buffer.from(value.bytes)], { type: value.type }), value.name)
  }
  const res = await fetch(`${process.env['OPENAI_BASE_URL']}${path}`, { method: 'POST', headers: { authorization: `Bearer ${process.env['OPENAI_API_KEY']}` }, body: form })
  const body = (await res.json()) as { error?: { param: string | null } }
  return { status: res.status, param: body.error?.param ?? null }
}
const pngPart = (bytes: Uint8Array, name = 'image.png') => ({ bytes, type: 'image/png', name })

describe('OpenAI edits and variations through the emulator', () => {
  it('edits two images with a mask on gpt-image-1: the answer is derived from both images and the mask, in order', async () => {
    const first = png(96, 64)
    const second = webp(40, 40)
    const mask = png(96, 64, { alpha: true })
    const request = new ImageGenerationRequest('gpt-image-1', 'Put the product from the second image on the table').with_image(first).with_image(second).with_mask(mask)
    const response = await client().generateImage(request)
    expect(response.provider).toBe('openai')
    expect(response.warnings).toStrictEqual([])
    const bytes = await response.first()!.bytes()
    expect(derivedInputs(bytes)).toStrictEqual([inputDigest(first), inputDigest(second), inputDigest(mask)])
    // No size asked: the model's auto picks the standard size nearest the first image's shape.
    expect(sizeOfPng(bytes)).toStrictEqual({ width: 1536, height: 1024 })
  })

  it('edits a dall-e-2 square PNG with a mask at 256x256, answered as a URL the client downloads', async () => {
    const source = png(128, 128)
    const mask = png(128, 128, { alpha: true })
    const response = await client().generateImage(new ImageGenerationRequest('dall-e-2', 'A flamingo in the pool').with_image(source).with_mask(mask).with_size(ImageSize.Square256).with_n(2))
    expect(response.count).toBe(2)
    for (const image of response.images) {
      expect(image.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//)
      const bytes = await image.bytes()
      expect(derivedInputs(bytes)).toStrictEqual([inputDigest(source), inputDigest(mask)])
      expect(sizeOfPng(bytes)).toStrictEqual({ width: 256, height: 256 })
    }
  })

  it('makes dall-e-2 variations of one image, with no prompt', async () => {
    const source = png(64, 64)
    const response = await client().generateImage(ImageGenerationRequest.variation('dall-e-2', source).with_n(3).with_size(ImageSize.Square512).with_format(ImageFormat.B64Json))
    expect(response.count).toBe(3)
    expect(response.warnings).toStrictEqual([])
    for (const image of response.images) {
      const bytes = Buffer.from(image.b64_json!, 'base64')
      expect(derivedInputs(bytes)).toStrictEqual([inputDigest(source)])
      expect(sizeOfPng(bytes)).toStrictEqual({ width: 512, height: 512 })
    }
  })

  it('maps a refused edit to ContentPolicyError, as for a generation', async () => {
    const request = new ImageGenerationRequest('gpt-image-1', `Add a hat ${OPENAI_TRIGGERS.contentPolicy}`).with_image(png(32, 32))
    await expect(client().generateImage(request)).rejects.toBeInstanceOf(ContentPolicyError)
  })

  it('refuses a mask of another size before the request (the emulator would too)', async () => {
    const request = new ImageGenerationRequest('gpt-image-1', 'x').with_image(png(64, 64)).with_mask(png(32, 32, { alpha: true }))
    await expect(client().generateImage(request)).rejects.toBeInstanceOf(InvalidRequestError)
  })
})

describe('the emulated edit endpoints check what OpenAI checks', () => {
  it.each([
    ['a mask of another size', '/images/edits', [['model', 'gpt-image-1'], ['prompt', 'x'], ['image[]', pngPart(png(32, 32))], ['mask', pngPart(png(16, 16, { alpha: true }), 'mask.png')]], 'mask'],
    ['a mask without alpha', '/images/edits', [['model', 'gpt-image-1'], ['prompt', 'x'], ['image[]', pngPart(png(32, 32))], ['mask', pngPart(png(32, 32), 'mask.png')]], 'mask'],
    ['a JPEG mask', '/images/edits', [['model', 'gpt-image-1'], ['prompt', 'x'], ['image[]', pngPart(png(32, 32))], ['mask', { bytes: jpeg(32, 32), type: 'image/jpeg', name: 'mask.jpg' }]], 'mask'],
    ['17 images', '/images/edits', [['model', 'gpt-image-1'], ['prompt', 'x'], ...Array.from({ length: 17 }, () => ['image[]', pngPart(png(8, 8))] as [string, ReturnType<typeof pngPart>])], 'image'],
    ['a GIF image', '/images/edits', [['model', 'gpt-image-1'], ['prompt', 'x'], ['image[]', { bytes: new Uint8Array([0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 1, 0, 1, 0, 0, 0, 0]), type: 'image/gif', name: 'a.gif' }]], 'image[0]'],
    ['a non-square dall-e-2 image', '/images/edits', [['model', 'dall-e-2'], ['prompt', 'x'], ['image', pngPart(png(64, 32, { alpha: true }))]], 'image'],
    ['a dall-e-2 JPEG', '/images/variations', [['model', 'dall-e-2'], ['image', { bytes: jpeg(64, 64), type: 'image/jpeg', name: 'a.jpg' }]], 'image'],
    ['a dall-e-2 edit with neither mask nor alpha', '/images/edits', [['model', 'dall-e-2'], ['prompt', 'x'], ['image', pngPart(png(64, 64))]], 'image'],
    ['two images for dall-e-2', '/images/edits', [['model', 'dall-e-2'], ['prompt', 'x'], ['image', pngPart(png(64, 64, { alpha: true }))], ['image', pngPart(png(64, 64, { alpha: true }))]], 'image'],
    ['a prompt on a variation', '/images/variations', [['model', 'dall-e-2'], ['prompt', 'x'], ['image', pngPart(png(64, 64))]], 'prompt'],
    ['a variation on gpt-image-1', '/images/variations', [['model', 'gpt-image-1'], ['image', pngPart(png(64, 64))]], 'model'],
    ['an edit without a prompt', '/images/edits', [['model', 'gpt-image-1'], ['image[]', pngPart(png(64, 64))]], 'prompt'],
    ['moderation on an edit', '/images/edits', [['model', 'gpt-image-1'], ['prompt', 'x'], ['moderation', 'low'], ['image[]', pngPart(png(64, 64))]], 'moderation'],
    ['input_fidelity on gpt-image-1-mini', '/images/edits', [['model', 'gpt-image-1-mini'], ['prompt', 'x'], ['input_fidelity', 'high'], ['image[]', pngPart(png(64, 64))]], 'input_fidelity'],
  ] as const)('answers 400 naming the field for %s', async (_name, path, parts, param) => {
    const res = await rawPost(path, parts as unknown as Array<[string, string | ReturnType<typeof pngPart>]>)
    expect(res).toStrictEqual({ status: 400, param })
  })

  it('accepts input_fidelity on gpt-image-1 and a transparent dall-e-2 image without a mask', async () => {
    expect(await rawPost('/images/edits', [['model', 'gpt-image-1'], ['prompt', 'x'], ['input_fidelity', 'high'], ['image[]', pngPart(png(64, 64))]])).toStrictEqual({ status: 200, param: null })
    expect(await rawPost('/images/edits', [['model', 'dall-e-2'], ['prompt', 'x'], ['image', pngPart(png(64, 64, { alpha: true }))]])).toStrictEqual({ status: 200, param: null })
  })
})
