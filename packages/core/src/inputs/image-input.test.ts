import { describe, expect, it } from 'vitest'
import { InvalidRequestError } from '../errors.js'
import { ImageGenerationRequest } from '../request.js'
import { acceptImageInput, describeImage, readImageFile, resolveInputs } from './image-input.js'
import { jpeg, png, webp } from './__fixtures__/images.js'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const never = new AbortController().signal
const noFetch = () => Promise.reject(new Error('no fetch expected'))

describe('describeImage', () => {
  it('sniffs PNG, JPEG and WebP from the bytes with their pixel size', () => {
    expect(describeImage(png(64, 32), 'images.0', 'image-1')).toMatchObject({ mimeType: 'image/png', width: 64, height: 32, hasAlpha: false, fileName: 'image-1.png' })
    expect(describeImage(jpeg(640, 480), 'images.0', 'image-1')).toMatchObject({ mimeType: 'image/jpeg', width: 640, height: 480, hasAlpha: false, fileName: 'image-1.jpg' })
    expect(describeImage(webp(300, 200), 'images.0', 'image-1')).toMatchObject({ mimeType: 'image/webp', width: 300, height: 200, fileName: 'image-1.webp' })
  })

  it('knows an alpha channel (RGBA PNG, WebP alpha flag) from one without', () => {
    expect(describeImage(png(8, 8, { alpha: true }), 'mask', 'mask').hasAlpha).toBe(true)
    expect(describeImage(png(8, 8), 'mask', 'mask').hasAlpha).toBe(false)
    expect(describeImage(webp(8, 8, { alpha: true }), 'mask', 'mask').hasAlpha).toBe(true)
  })

  it('refuses GIF, SVG, HTML and truncated images, naming the input', () => {
    const gif = new Uint8Array([0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 1, 0, 1, 0])
    expect(() => describeImage(gif, 'images.1', 'image-2')).toThrow(/images\.1: a GIF image; inputs must be PNG, JPEG or WebP/)
    expect(() => describeImage(new TextEncoder().encode('<html></html>'), 'mask', 'mask')).toThrow(/mask: not an image llmkit recognises/)
    const cut = png(16, 16).slice(0, 12)
    expect(() => describeImage(cut, 'images.0', 'image-1')).toThrow(InvalidRequestError)
  })

  it('gives the bytes as a data URL and a typed Blob', async () => {
    const bytes = png(4, 4)
    const image = describeImage(bytes, 'images.0', 'image-1')
    expect(image.toDataUrl()).toBe(`data:image/png;base64,${Buffer.from(bytes).toString('base64')}`)
    const blob = image.toBlob()
    expect(blob.type).toBe('image/png')
    expect(new Uint8Array(await blob.arrayBuffer())).toEqual(bytes)
  })
})

describe('acceptImageInput', () => {
  it('copies bytes so later changes by the caller are not sent', () => {
    const bytes = png(4, 4)
    const kept = acceptImageInput(bytes, 'images.0') as Uint8Array
    bytes[30] = 0
    expect(kept).not.toBe(bytes)
    expect(kept[30]).not.toBe(0)
  })

  it('takes data: and https: URLs and refuses paths, file: URLs and empty bytes with what to do', () => {
    expect(acceptImageInput('https://example.com/cat.png', 'images.0')).toBe('https://example.com/cat.png')
    expect(() => acceptImageInput('./cat.png', 'images.0')).toThrow(/readImageFile/)
    expect(() => acceptImageInput('file:///etc/passwd', 'images.0')).toThrow(InvalidRequestError)
    expect(() => acceptImageInput(new Uint8Array(0), 'mask')).toThrow(/mask: the image is empty/)
    expect(() => acceptImageInput('data:image/png,notbase64', 'images.0')).toThrow(/base64/)
    expect(() => acceptImageInput(42, 'images.0')).toThrow(/expected bytes/)
  })
})

describe('resolveInputs', () => {
  it('reads bytes, Blobs and data: URLs without a fetch, and fetches https URLs once each', async () => {
    const fetched: string[] = []
    const fetchInput = (url: string) => {
      fetched.push(url)
      return Promise.resolve(jpeg(100, 50))
    }
    const req = new ImageGenerationRequest('m', 'p')
      .with_image(png(10, 10))
      .with_image(new Blob([webp(20, 20) as Uint8Array<ArrayBuffer>]))
      .with_image(`data:image/png;base64,${Buffer.from(png(30, 30)).toString('base64')}`)
      .with_image('https://cdn.example.com/a.jpg')
      .with_mask(png(10, 10, { alpha: true }))
    const inputs = await resolveInputs(req, fetchInput, never)
    expect(inputs.images.map((i) => [i.mimeType, i.width, i.fileName, i.url])).toEqual([
      ['image/png', 10, 'image-1.png', undefined],
      ['image/webp', 20, 'image-2.webp', undefined],
      ['image/png', 30, 'image-3.png', undefined],
      ['image/jpeg', 100, 'image-4.jpg', 'https://cdn.example.com/a.jpg'],
    ])
    expect(inputs.mask).toMatchObject({ fileName: 'mask.png', hasAlpha: true })
    expect(fetched).toEqual(['https://cdn.example.com/a.jpg'])
  })

  it('names the input whose fetched bytes are not an image', async () => {
    const req = new ImageGenerationRequest('m', 'p').with_image(png(4, 4)).with_image('https://cdn.example.com/page')
    await expect(resolveInputs(req, () => Promise.resolve(new TextEncoder().encode('<!doctype html>')), never)).rejects.toThrow(/images\.1: not an image/)
  })

  it('needs no fetch for a request without URLs', async () => {
    const inputs = await resolveInputs(new ImageGenerationRequest('m', 'p').with_image(png(4, 4)), noFetch, never)
    expect(inputs.images).toHaveLength(1)
  })
})

describe('readImageFile', () => {
  it('reads a named file, and says which file could not be read', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'llmkit-input-'))
    const bytes = png(5, 5)
    await writeFile(join(dir, 'a.png'), bytes)
    expect(await readImageFile(join(dir, 'a.png'))).toEqual(bytes)
    await expect(readImageFile(join(dir, 'missing.png'))).rejects.toThrow(/Cannot read image file .*missing\.png.*ENOENT/)
  })
})
