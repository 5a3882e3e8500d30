import { derivedInputs, inputDigest, pngSize } from '@llmkit/emulator'
import { ImageGenerationRequest, InvalidRequestError, LLMKitClient } from '@llmkit/core'
import { describe, expect, inject, it } from 'vitest'
import { jpeg, png } from '../../../core/src/inputs/__fixtures__/images.js'
import { fal } from '../../src/index.js'

const client = () => new LLMKitClient({ providers: [fal()] })

/** Submits a raw body to the emulated queue, to see what fal itself would refuse. */
async function rawSubmit(model: string, body: unknown): Promise<{ status: number; body: { detail?: { loc: unknown[]; type: string; msg: string }[] } }> {
  const res = await fetch(`${process.env['FAL_BASE_URL']}/${model}`, { method: 'POST', headers: { authorization: `Key ${process.env['FAL_KEY']}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })
  return { status: res.status, body: (await res.json()) as never }
}

const dataUrl = (bytes: Uint8Array, type = 'image/png') => `data:${type};base64,${Buffer.from(bytes).toString('base64')}`

describe('fal image inputs through the emulator', () => {
  it('edits an image with FLUX Kontext: the answer is derived from the input and has its size', async () => {
    const source = png(96, 64)
    const response = await client().generateImage(new ImageGenerationRequest('fal-ai/flux-pro/kontext', 'put a hat on it').with_image(source))
    expect(response.model).toBe('fal-ai/flux-pro/kontext')
    const bytes = await response.images[0]!.bytes()
    expect(derivedInputs(bytes)).toStrictEqual([inputDigest(source)])
    expect(pngSize(bytes)).toStrictEqual({ width: 96, height: 64 })
  })

  it('runs FLUX dev image-to-image with a strength, two images from one JPEG source', async () => {
    const source = jpeg(80, 48)
    const response = await client().generateImage({ model: 'fal-ai/flux/dev/image-to-image', prompt: 'autumn colours', images: [source], strength: 0.55, n: 2, format: 'b64_json' })
    expect(response.count).toBe(2)
    expect(response.warnings).toStrictEqual([])
    for (const image of response.images) expect(derivedInputs(Buffer.from(image.b64_json!, 'base64'))).toStrictEqual([inputDigest(source)])
  })

  it('sends several images to Kontext multi and a mask to Fill, in order (mask last)', async () => {
    const a = png(32, 32)
    const b = png(16, 24, { fill: 90 })
    const multi = await client().generateImage(new ImageGenerationRequest('fal-ai/flux-pro/kontext/multi', 'combine them').with_image(a).with_image(b))
    expect(derivedInputs(await multi.images[0]!.bytes())).toStrictEqual([inputDigest(a), inputDigest(b)])
    const mask = png(32, 32, { fill: 255 })
    const fill = await client().generateImage(new ImageGenerationRequest('fal-ai/flux-pro/v1/fill', 'a window').with_image(a).with_mask(mask))
    expect(derivedInputs(await fill.images[0]!.bytes())).toStrictEqual([inputDigest(a), inputDigest(mask)])
  })

  it('passes an http(s) input to fal as its URL: the runner downloads it (here: a file the emulator serves)', async () => {
    const host = new URL(inject('emulatorUrl')).host
    const withDownloads = new LLMKitClient({ providers: [fal()], downloads: { allowHosts: [host] } })
    const generated = await withDownloads.generateImage({ model: 'fal-ai/flux/schnell', prompt: 'a source image', size: '256x256', format: 'url' })
    const url = generated.first()!.url!
    const source = await generated.first()!.bytes()
    const edited = await withDownloads.generateImage(new ImageGenerationRequest('fal-ai/flux-pro/kontext', 'add snow').with_image(url))
    expect(derivedInputs(await edited.images[0]!.bytes())).toStrictEqual([inputDigest(source)])
  })

  it('refuses a mask of another size before the network', async () => {
    await expect(client().generateImage({ model: 'fal-ai/flux-pro/v1/fill', prompt: 'p', images: [png(32, 32)], mask: png(16, 16) })).rejects.toBeInstanceOf(InvalidRequestError)
  })

  it('validates what fal validates on the wire: missing documents, undecodable bytes, a mask of another size, a strength out of range, a ratio outside the Kontext enum', async () => {
    expect(inject('emulatorUrl')).toMatch(/^http:/)
    const missing = await rawSubmit('fal-ai/flux-pro/kontext', { prompt: 'p' })
    expect(missing.status).toBe(422)
    expect(missing.body.detail?.[0]).toMatchObject({ loc: ['body', 'image_url'], type: 'missing' })
    const garbage = await rawSubmit('fal-ai/flux-pro/kontext', { prompt: 'p', image_url: 'data:image/png;base64,AAAA' })
    expect(garbage.body.detail?.[0]).toMatchObject({ loc: ['body', 'image_url'], type: 'image_load_error' })
    const offline = await rawSubmit('fal-ai/flux-pro/kontext', { prompt: 'p', image_url: 'https://example.com/cat.png' })
    expect(offline.body.detail?.[0]).toMatchObject({ loc: ['body', 'image_url'], type: 'file_download_error' })
    const mask = await rawSubmit('fal-ai/flux-pro/v1/fill', { prompt: 'p', image_url: dataUrl(png(32, 32)), mask_url: dataUrl(png(16, 16)) })
    expect(mask.body.detail?.[0]).toMatchObject({ loc: ['body', 'mask_url'], type: 'value_error' })
    const strength = await rawSubmit('fal-ai/flux/dev/image-to-image', { prompt: 'p', image_url: dataUrl(png(8, 8)), strength: 1.5 })
    expect(strength.body.detail?.[0]).toMatchObject({ loc: ['body', 'strength'] })
    const ratio = await rawSubmit('fal-ai/flux-pro/kontext', { prompt: 'p', image_url: dataUrl(png(8, 8)), aspect_ratio: '5:1' })
    expect(ratio.body.detail?.[0]).toMatchObject({ loc: ['body', 'aspect_ratio'], type: 'enum' })
  })
})
