import { afterEach, describe, expect, it } from 'vitest'
import { InvalidRequestError, UnsupportedCapabilityError } from '../errors.js'
import { closeLocalServers, localServer } from '../http/__fixtures__/local-server.js'
import { fakeClient, fakeModels, fakePlugin } from '../pipeline/__fixtures__/fake.js'
import type { ModelCapabilities } from '../registry/capabilities.js'
import { ImageGenerationRequest } from '../request.js'
import { png } from './__fixtures__/images.js'

afterEach(closeLocalServers)

const editModel = {
  ...fakeModels[0]!,
  id: 'editor',
  wireId: 'editor',
  imageInputs: {
    operations: { edit: { maxImages: 2, mask: 'optional' }, variation: { maxImages: 1, prompt: 'none' } },
    mimeTypes: ['image/png'],
    maxBytes: 1_000_000,
    mask: { sameSize: true, kind: 'alpha' },
  },
} as ModelCapabilities

function plugin() {
  const p = fakePlugin(undefined, { models: [...fakeModels, editModel] })
  return p
}

describe('image inputs through the client', () => {
  it('gives the provider the operation, read images and mask, each checked before the call', async () => {
    const p = plugin()
    const { client } = fakeClient([p])
    const image = png(16, 16)
    await client.generateImage(new ImageGenerationRequest('editor', 'add a hat').with_image(image).with_mask(png(16, 16, { alpha: true })))
    const sent = p.calls[0]!
    expect(sent.operation).toBe('edit')
    expect(sent.images?.map((i) => [i.mimeType, i.width, i.height, i.fileName])).toEqual([['image/png', 16, 16, 'image-1.png']])
    expect(sent.images?.[0]?.bytes).toEqual(image)
    expect(sent.mask?.hasAlpha).toBe(true)
    expect(sent.prompt).toBe('add a hat')
  })

  it('sends a variation without a prompt', async () => {
    const p = plugin()
    const { client } = fakeClient([p])
    await client.generateImage(ImageGenerationRequest.variation('editor', png(16, 16)))
    expect(p.calls[0]).toMatchObject({ operation: 'variation', prompt: '' })
  })

  it('fails before any call: images for a text-only model (naming models that take them), a mask of another size, a GIF', async () => {
    const p = plugin()
    const { client } = fakeClient([p])
    const textOnly = client.generateImage(new ImageGenerationRequest('one', 'x').with_image(png(8, 8)))
    await expect(textOnly).rejects.toThrow(UnsupportedCapabilityError)
    await expect(client.generateImage(new ImageGenerationRequest('one', 'x').with_image(png(8, 8)))).rejects.toThrow(/Models that take images: fake:editor/)
    await expect(client.generateImage(new ImageGenerationRequest('editor', 'x').with_image(png(16, 16)).with_mask(png(8, 8, { alpha: true })))).rejects.toThrow(/mask is 8x8 but the image is 16x16/)
    const gif = new Uint8Array([0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 1, 0, 1, 0])
    await expect(client.generateImage(new ImageGenerationRequest('editor', 'x').with_image(gif))).rejects.toThrow(InvalidRequestError)
    expect(p.calls).toHaveLength(0)
  })

  it('fetches an https input under the download rules: a private address is refused unless allowed', async () => {
    const server = await localServer((_req, res) => res.end(Buffer.from(png(16, 16))))
    const url = `${server.origin}/in.png`
    const refused = fakeClient([plugin()])
    await expect(refused.client.generateImage(new ImageGenerationRequest('editor', 'x').with_image(url))).rejects.toThrow(/Refusing to download/)
    expect(server.hits).toEqual([])
    const p = plugin()
    const allowed = fakeClient([p], { downloads: { allowHosts: [`127.0.0.1:${server.port}`] } })
    await allowed.client.generateImage(new ImageGenerationRequest('editor', 'x').with_image(url))
    expect(server.hits).toEqual(['/in.png'])
    expect(p.calls[0]?.images?.[0]).toMatchObject({ url, width: 16 })
  })

  it('does not fetch inputs for a model that cannot take them', async () => {
    const server = await localServer((_req, res) => res.end(Buffer.from(png(16, 16))))
    const { client } = fakeClient([plugin()], { downloads: { allowHosts: [`127.0.0.1:${server.port}`] } })
    await expect(client.generateImage(new ImageGenerationRequest('one', 'x').with_image(`${server.origin}/in.png`))).rejects.toThrow(UnsupportedCapabilityError)
    expect(server.hits).toEqual([])
  })

  it('caches by the inputs bytes: the same image hits, another image misses', async () => {
    const p = plugin()
    const { client } = fakeClient([p], { cache: true })
    const a = png(16, 16)
    const b = png(16, 16, { fill: 3 })
    await client.generateImage(new ImageGenerationRequest('editor', 'x').with_image(a))
    await client.generateImage(new ImageGenerationRequest('editor', 'x').with_image(`data:image/png;base64,${Buffer.from(a).toString('base64')}`))
    expect(p.calls).toHaveLength(1)
    await client.generateImage(new ImageGenerationRequest('editor', 'x').with_image(b))
    expect(p.calls).toHaveLength(2)
  })
})
