import { recraft } from '@llmkit/provider-recraft'
import { derivedInputs, inputDigest, pngSize } from '@llmkit/emulator'
import { ImageFormat, ImageGenerationRequest, LLMKitClient } from '@llmkit/core'
import { PNG } from 'pngjs'
import { describe, expect, inject, it } from 'vitest'
import { jpeg, png } from '../../../core/src/inputs/__fixtures__/images.js'

/**
 * Image inputs end to end on the emulated Recraft API: image-to-image with a strength and
 * inpainting with a mask send their files, the emulator checks them as Recraft documents and
 * answers images derived from them, so each test sees which input bytes arrived.
 */
const client = () => new LLMKitClient({ providers: [recraft()] })
const bytesOf = (b64: string | undefined) => Buffer.from(b64 ?? '', 'base64')

/** A black PNG mask with a white square in the middle: pure black and white, as Recraft requires. */
function mask(width: number, height: number): Uint8Array {
  const image = new PNG({ width, height })
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const white = x > width / 4 && x < (3 * width) / 4 && y > height / 4 && y < (3 * height) / 4
      const o = (y * width + x) * 4
      image.data.fill(white ? 255 : 0, o, o + 3)
      image.data[o + 3] = 255
    }
  }
  return new Uint8Array(PNG.sync.write(image))
}

describe('Recraft image inputs on the emulator', () => {
  it('image-to-image with a strength answers n images derived from the input', async () => {
    const input = png(512, 320)
    const response = await client().generateImage(new ImageGenerationRequest('recraft-v3', 'as a winter scene').with_image(input).with_strength(0.5).with_n(2).with_format(ImageFormat.B64Json))
    expect(response.count).toBe(2)
    for (const image of response.images) {
      const out = bytesOf(image.b64_json)
      expect(derivedInputs(out)).toStrictEqual([inputDigest(input)])
      expect(pngSize(out)).toStrictEqual({ width: 512, height: 320 })
    }
    expect(response.warnings).toStrictEqual([])
  })

  it('image-to-image on V4.1 returns a downloadable URL of the derived image', async () => {
    const input = jpeg(600, 400)
    const response = await client().generateImage({ model: 'recraft-v4-1', prompt: 'brighter', images: [input], strength: 0.3 })
    const bytes = await response.first()!.bytes()
    expect(derivedInputs(bytes)).toStrictEqual([inputDigest(input)])
  })

  it('inpaint with a black and white mask sends both files (mask last)', async () => {
    const image = png(384, 256)
    const m = mask(384, 256)
    const response = await client().generateImage({ model: 'recraft-v3', prompt: 'a bicycle', images: [image], mask: m, format: 'b64_json' })
    expect(derivedInputs(bytesOf(response.first()?.b64_json))).toStrictEqual([inputDigest(image), inputDigest(m)])
  })

  it('a mask of another size is an InvalidRequestError and never reaches the emulator', async () => {
    const logged = async () => ((await (await fetch(`${inject('emulatorUrl')}/__emulator/log`)).json()) as { entries: Array<{ path: string }> }).entries.filter((e) => e.path.startsWith('/recraft/')).length
    const before = await logged()
    await expect(client().generateImage({ model: 'recraft-v3', prompt: 'p', images: [png(512, 512)], mask: mask(256, 256) })).rejects.toMatchObject({ name: 'InvalidRequestError', param: 'mask' })
    expect(await logged()).toBe(before)
  })
})

describe('the emulated Recraft image wire (no llmkit)', () => {
  const base = () => inject('emulatorEnv')['RECRAFT_BASE_URL']!
  const key = () => inject('emulatorEnv')['RECRAFT_API_KEY']!
  async function post(path: string, fields: Record<string, string>, files: Record<string, Uint8Array>): Promise<{ status: number; body: { code?: string; message?: string } }> {
    const form = new FormData()
    for (const [k, v] of Object.entries(files)) form.append(k, new Blob([v], { type: 'image/png' }), `${k}.png`)
    for (const [k, v] of Object.entries(fields)) form.append(k, v)
    const res = await fetch(`${base()}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key()}` }, body: form })
    return { status: res.status, body: (await res.json()) as { code?: string; message?: string } }
  }

  it.each([
    ['imageToImage without strength', '/images/imageToImage', { prompt: 'p', model: 'recraftv3' }, { image: png(256, 256) }, /strength is required/],
    ['inpaint on a V4 model', '/images/inpaint', { prompt: 'p', model: 'recraftv4' }, { image: png(256, 256), mask: mask(256, 256) }, /does not support inpaint/],
    ['a grey mask', '/images/inpaint', { prompt: 'p', model: 'recraftv3' }, { image: png(256, 256), mask: png(256, 256) }, /pure black \(0\) or pure white/],
    ['a mask of another size', '/images/inpaint', { prompt: 'p', model: 'recraftv3' }, { image: png(256, 256), mask: mask(300, 300) }, /same size/],
    ['an image below 256 px', '/images/imageToImage', { prompt: 'p', model: 'recraftv3', strength: '0.5' }, { image: png(200, 300) }, /between 256 and 4096/],
    ['a style on V4', '/images/imageToImage', { prompt: 'p', model: 'recraftv4', strength: '0.5', style: 'any' }, { image: png(256, 256) }, /style is not supported/],
  ])('refuses %s with 400', async (_label, path, fields, files, message) => {
    const res = await post(path, fields, files)
    expect(res.status).toBe(400)
    expect(res.body.message).toMatch(message)
  })
})
