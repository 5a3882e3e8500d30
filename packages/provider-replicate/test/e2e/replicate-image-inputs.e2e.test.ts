import { derivedInputs, inputDigest, pngSize } from '@llmkit/emulator'
import { ImageGenerationRequest, InvalidRequestError, LLMKitClient } from '@llmkit/core'
import { describe, expect, it } from 'vitest'
import { jpeg, png } from '../../../core/src/inputs/__fixtures__/images.js'
import { replicate } from '../../src/index.js'

const client = (options: { waitSeconds?: number | false } = {}) => new LLMKitClient({ providers: [replicate(options)] })

/** Creates a prediction straight on the emulator, to see what Replicate itself would do. */
async function rawCreate(model: string, input: Record<string, unknown>): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${process.env['REPLICATE_BASE_URL']}/models/${model}/predictions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${process.env['REPLICATE_API_TOKEN']}`, 'content-type': 'application/json', prefer: 'wait=5' },
    body: JSON.stringify({ input }),
  })
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

const dataUrl = (bytes: Uint8Array) => `data:image/png;base64,${Buffer.from(bytes).toString('base64')}`

describe('Replicate image inputs through the emulator', () => {
  it('edits an image with FLUX Kontext pro: the output is derived from the input and keeps its size', async () => {
    const source = png(120, 80)
    const response = await client().generateImage(new ImageGenerationRequest('black-forest-labs/flux-kontext-pro', 'make it a 90s cartoon').with_image(source))
    expect(response.model).toBe('black-forest-labs/flux-kontext-pro')
    const bytes = await response.images[0]!.bytes()
    expect(derivedInputs(bytes)).toStrictEqual([inputDigest(source)])
    expect(pngSize(bytes)).toStrictEqual({ width: 120, height: 80 })
  })

  it('inpaints with SDXL (image, mask, prompt_strength), polling the pinned version', async () => {
    const source = jpeg(64, 64)
    const mask = png(32, 32, { fill: 255 })
    const response = await client({ waitSeconds: false }).generateImage(new ImageGenerationRequest('stability-ai/sdxl', 'a cat on the bench').with_image(source).with_mask(mask).with_strength(0.85))
    expect(derivedInputs(await response.images[0]!.bytes())).toStrictEqual([inputDigest(source), inputDigest(mask)])
  })

  it('inpaints with FLUX Fill pro and runs FLUX dev image-to-image with a strength', async () => {
    const source = png(48, 40)
    const mask = png(48, 40, { fill: 255 })
    const fill = await client().generateImage(new ImageGenerationRequest('black-forest-labs/flux-fill-pro', 'a red door').with_image(source).with_mask(mask))
    expect(derivedInputs(await fill.images[0]!.bytes())).toStrictEqual([inputDigest(source), inputDigest(mask)])
    const dev = await client().generateImage({ model: 'black-forest-labs/flux-dev', prompt: 'watercolour', images: [source], strength: 0.6 })
    expect(derivedInputs(await dev.images[0]!.bytes())).toStrictEqual([inputDigest(source)])
  })

  it('passes an http(s) input as its URL: the model downloads it (here: a file the emulator serves)', async () => {
    const host = new URL(process.env['REPLICATE_BASE_URL']!).host
    const withDownloads = new LLMKitClient({ providers: [replicate()], downloads: { allowHosts: [host] } })
    const generated = await withDownloads.generateImage({ model: 'black-forest-labs/flux-schnell', prompt: 'a source image', aspect_ratio: '1:1', provider_options: { megapixels: '0.25' } })
    const url = generated.first()!.url!
    const source = await generated.first()!.bytes()
    const edited = await withDownloads.generateImage(new ImageGenerationRequest('black-forest-labs/flux-kontext-max', 'add snow').with_image(url))
    expect(derivedInputs(await edited.images[0]!.bytes())).toStrictEqual([inputDigest(source)])
  })

  it('refuses a Fill mask of another size before the network', async () => {
    await expect(client().generateImage({ model: 'black-forest-labs/flux-fill-pro', prompt: 'p', images: [png(32, 32)], mask: png(16, 16) })).rejects.toBeInstanceOf(InvalidRequestError)
  })

  it('plays what Replicate does with bad files on the wire: 422 for a non-URI or a missing required image, a failed prediction for a file it cannot read or a mask of another size', async () => {
    const notUri = await rawCreate('black-forest-labs/flux-kontext-pro', { prompt: 'p', input_image: 42 })
    expect(notUri.status).toBe(422)
    expect(notUri.body['invalid_fields']).toStrictEqual([{ type: 'format', field: 'input.input_image', description: "Does not match format 'uri'" }])
    const missing = await rawCreate('black-forest-labs/flux-fill-pro', { prompt: 'p' })
    expect(missing.status).toBe(422)
    const unreadable = await rawCreate('black-forest-labs/flux-kontext-pro', { prompt: 'p', input_image: 'data:image/png;base64,AAAA' })
    expect(unreadable.body).toMatchObject({ status: 'failed', error: 'cannot identify image file for input_image' })
    const mask = await rawCreate('black-forest-labs/flux-fill-pro', { prompt: 'p', image: dataUrl(png(32, 32)), mask: dataUrl(png(16, 16)) })
    expect(mask.body).toMatchObject({ status: 'failed' })
    expect(String(mask.body['error'])).toContain('same size')
  })
})
