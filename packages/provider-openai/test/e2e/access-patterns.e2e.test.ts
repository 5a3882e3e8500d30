import { mkdtempSync, readFileSync } from 'node:fs'
import * as fs from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ImageFormat, ImageGenerationRequest, ImageSize, LLMKitClient } from '@llmkit/core'
import { describe, expect, it } from 'vitest'

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
const sizeOfPng = (bytes: Buffer) => ({ width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) })

describe('the seed access patterns, written in TypeScript', () => {
  const client = LLMKitClient.fromEnv()
  const request = new ImageGenerationRequest('dall-e-3', 'A serene mountain landscape').with_size(ImageSize.Landscape1792x1024)
  const dir = mkdtempSync(join(tmpdir(), 'llmkit-seed-'))

  it('option 1, via URL: downloads the image with fetch and writes a real PNG of the requested size', async () => {
    const response = await client.generateImage(request)
    const url = response.first()?.url
    expect(url).toBeDefined()
    if (url) {
      const r = await fetch(url)
      fs.writeFileSync(join(dir, 'image.png'), Buffer.from(await r.arrayBuffer()))
    }
    const bytes = readFileSync(join(dir, 'image.png'))
    expect(bytes.subarray(0, 8)).toStrictEqual(PNG_SIGNATURE)
    expect(sizeOfPng(bytes)).toStrictEqual({ width: 1792, height: 1024 })
  })

  it('option 2, via base64: decodes b64_json and writes a real PNG', async () => {
    const response = await client.generateImage(request.with_format(ImageFormat.B64Json))
    const b64 = response.first()?.b64_json
    expect(b64).toBeDefined()
    if (b64) fs.writeFileSync(join(dir, 'image-b64.png'), Buffer.from(b64, 'base64'))
    const bytes = readFileSync(join(dir, 'image-b64.png'))
    expect(sizeOfPng(bytes)).toStrictEqual({ width: 1792, height: 1024 })
    expect(response.total_size).toBe(bytes.length)
  })

  it('draws new images per call, as the real API does: the same prompt twice gives different bytes', async () => {
    const a = await client.generateImage(request.with_format(ImageFormat.B64Json))
    const b = await client.generateImage(request.with_format(ImageFormat.B64Json))
    expect(a.first()?.b64_json).toBeDefined()
    expect(a.first()?.b64_json).not.toBe(b.first()?.b64_json)
  })

  it('total_size of URL images is 0 until bytes() or save() fetched them, then their size', async () => {
    const response = await client.generateImage(new ImageGenerationRequest('dall-e-2', 'Counted bytes').with_n(2))
    expect(response.first()?.url?.startsWith('http')).toBe(true)
    expect(response.total_size).toBe(0)
    const bytes = await response.images[0]!.bytes()
    expect(response.total_size).toBe(bytes.length)
    const saved = await response.images[1]!.saveFile(join(dir, 'counted'))
    expect(response.total_size).toBe(bytes.length + saved.bytes)
  })

  it('gives each part of a split request its own image (dall-e-3 takes n=1 per call)', async () => {
    const response = await client.generateImage(new ImageGenerationRequest('dall-e-3', 'Three foxes').with_n(3).with_format(ImageFormat.B64Json))
    const images = response.images.map((i) => i.b64_json)
    expect(images).toHaveLength(3)
    expect(new Set(images).size).toBe(3)
  })

  it('GeneratedImage.save writes the bytes, adding .png when the path has no extension', async () => {
    const response = await client.generateImage(request)
    const written = await response.first()!.save(join(dir, 'saved'))
    expect(written).toBe(join(dir, 'saved.png'))
    expect(sizeOfPng(readFileSync(written))).toStrictEqual({ width: 1792, height: 1024 })
  })

  it('serves gpt-image-1 as base64 and honors a URL request with a data: URL', async () => {
    const response = await client.generateImage({ model: 'gpt-image-1', prompt: 'A red fox', size: '1536x1024' })
    const url = response.first()?.url ?? ''
    expect(url.startsWith('data:image/png;base64,')).toBe(true)
    expect(sizeOfPng(await response.first()!.bytes())).toStrictEqual({ width: 1536, height: 1024 })
    expect(response.total_size).toBeGreaterThan(0)
  })
})
