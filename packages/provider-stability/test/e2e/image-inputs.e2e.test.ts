import { stability } from '@llmkit/provider-stability'
import { derivedInputs, inputDigest, pngSize } from '@llmkit/emulator'
import { ImageFormat, ImageGenerationRequest, LLMKitClient } from '@llmkit/core'
import { describe, expect, inject, it } from 'vitest'
import { jpeg, png } from '../../../core/src/inputs/__fixtures__/images.js'

/**
 * Image inputs end to end on the emulated Stability API: every operation sends its files, the
 * emulator checks them as the service does and answers an image derived from them, so each test
 * sees which input bytes arrived (`derivedInputs`).
 */
const client = () => new LLMKitClient({ providers: [stability()] })
const bytesOf = (b64: string | undefined) => Buffer.from(b64 ?? '', 'base64')

describe('Stability image inputs on the emulator', () => {
  it('SD 3.5 image-to-image with a strength answers an image derived from the input, the input\'s size', async () => {
    const input = png(320, 192)
    const response = await client().generateImage(new ImageGenerationRequest('stability-ai/sd3.5-large', 'as an oil painting').with_image(input).with_strength(0.6).with_format(ImageFormat.B64Json))
    const out = bytesOf(response.first()?.b64_json)
    expect(derivedInputs(out)).toStrictEqual([inputDigest(input)])
    expect(pngSize(out)).toStrictEqual({ width: 320, height: 192 })
    expect(response.warnings).toStrictEqual([])
  })

  it('Ultra image-to-image takes a ratio as well', async () => {
    const input = png(128, 128)
    const response = await client().generateImage({ model: 'stability-ai/stable-image-ultra', prompt: 'in snow', images: [input], strength: 0.4, aspect_ratio: '16:9', format: 'b64_json' })
    const out = bytesOf(response.first()?.b64_json)
    expect(derivedInputs(out)).toStrictEqual([inputDigest(input)])
    expect(pngSize(out).width).toBeGreaterThan(pngSize(out).height)
  })

  it('inpaint with a mask sends both files (mask last)', async () => {
    const image = png(200, 120)
    const mask = png(200, 120, { fill: 255 })
    const response = await client().generateImage(new ImageGenerationRequest('stability-ai/inpaint', 'a red door').with_image(image).with_mask(mask).with_provider_options({ grow_mask: 10 }).with_format(ImageFormat.B64Json))
    const out = bytesOf(response.first()?.b64_json)
    expect(derivedInputs(out)).toStrictEqual([inputDigest(image), inputDigest(mask)])
    expect(pngSize(out)).toStrictEqual({ width: 200, height: 120 })
  })

  it('inpaint takes a mask of another size (the service resizes it) and an image with alpha and no mask', async () => {
    const image = png(256, 160, { alpha: true })
    const small = png(128, 80, { fill: 255 })
    const withSmallMask = await client().generateImage({ model: 'stability-ai/inpaint', prompt: 'sky', images: [image], mask: small, format: 'b64_json' })
    expect(derivedInputs(bytesOf(withSmallMask.first()?.b64_json))).toStrictEqual([inputDigest(image), inputDigest(small)])
    const alphaOnly = await client().generateImage({ model: 'stability-ai/inpaint', prompt: 'sky', images: [image], format: 'b64_json' })
    expect(derivedInputs(bytesOf(alphaOnly.first()?.b64_json))).toStrictEqual([inputDigest(image)])
  })

  it('outpaint grows the canvas by the directions given', async () => {
    const image = png(160, 100)
    const response = await client().generateImage({ model: 'stability-ai/outpaint', prompt: 'more sea', images: [image], provider_options: { left: 40, right: 20, down: 50 }, format: 'b64_json' })
    const out = bytesOf(response.first()?.b64_json)
    expect(derivedInputs(out)).toStrictEqual([inputDigest(image)])
    expect(pngSize(out)).toStrictEqual({ width: 220, height: 150 })
  })

  it('search-and-replace finds the object by its search_prompt', async () => {
    const image = jpeg(300, 200)
    const response = await client().generateImage({ model: 'stability-ai/search-and-replace', prompt: 'a cat', images: [image], provider_options: { search_prompt: 'dog' }, format: 'b64_json' })
    expect(derivedInputs(bytesOf(response.first()?.b64_json))).toStrictEqual([inputDigest(image)])
  })

  it('a too-large input is an InvalidRequestError and never reaches the emulator', async () => {
    const logged = async () => ((await (await fetch(`${inject('emulatorUrl')}/__emulator/log`)).json()) as { entries: Array<{ path: string }> }).entries.filter((e) => e.path.startsWith('/stability/')).length
    const before = await logged()
    await expect(client().generateImage({ model: 'stability-ai/inpaint', prompt: 'p', images: [jpeg(4000, 3000)] })).rejects.toMatchObject({ name: 'InvalidRequestError', param: 'images.0' })
    expect(await logged()).toBe(before)
  })
})

describe('the emulated Stability image wire (no llmkit)', () => {
  const base = () => inject('emulatorEnv')['STABILITY_BASE_URL']!
  const key = () => inject('emulatorEnv')['STABILITY_API_KEY']!
  async function post(path: string, fields: Record<string, string>, files: Record<string, Uint8Array> = {}): Promise<{ status: number; body: { errors?: string[] } }> {
    const form = new FormData()
    for (const [k, v] of Object.entries(fields)) form.append(k, v)
    for (const [k, v] of Object.entries(files)) form.append(k, new Blob([v], { type: 'image/png' }), `${k}.png`)
    const res = await fetch(`${base()}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key()}`, accept: 'application/json' }, body: form })
    return { status: res.status, body: (await res.json()) as { errors?: string[] } }
  }

  it.each([
    ['sd3 image-to-image without strength', '/v2beta/stable-image/generate/sd3', { prompt: 'p', mode: 'image-to-image' }, { image: png(64, 64) }, /strength: is required/],
    ['sd3 image-to-image with aspect_ratio', '/v2beta/stable-image/generate/sd3', { prompt: 'p', mode: 'image-to-image', strength: '0.5', aspect_ratio: '1:1' }, { image: png(64, 64) }, /aspect_ratio: is only valid for text-to-image/],
    ['core with an image', '/v2beta/stable-image/generate/core', { prompt: 'p' }, { image: png(64, 64) }, /image: unknown field/],
    ['an image side below 64', '/v2beta/stable-image/edit/inpaint', { prompt: 'p' }, { image: png(63, 80), mask: png(63, 80) }, /at least 64 pixels/],
    ['inpaint with neither mask nor alpha', '/v2beta/stable-image/edit/inpaint', { prompt: 'p' }, { image: png(64, 64) }, /mask: is required/],
    ['outpaint without a direction', '/v2beta/stable-image/edit/outpaint', {}, { image: png(64, 64) }, /at least one outpainting direction/],
    ['outpaint of a 3:1 image', '/v2beta/stable-image/edit/outpaint', { left: '10' }, { image: png(300, 100) }, /aspect ratio must be between/],
    ['search-and-replace without search_prompt', '/v2beta/stable-image/edit/search-and-replace', { prompt: 'p' }, { image: png(64, 64) }, /search_prompt: is required/],
    ['a text file as image', '/v2beta/stable-image/edit/inpaint', { prompt: 'p' }, { image: new TextEncoder().encode('not an image') }, /unsupported format/],
  ])('refuses %s with 400 bad_request', async (_label, path, fields, files, message) => {
    const res = await post(path, fields, files)
    expect(res.status).toBe(400)
    expect(res.body.errors?.join('; ')).toMatch(message)
  })
})
