import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { GeneratedImage, ImageGenerationResponse } from './response.js'

const PNG_1x1 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC'

describe('GeneratedImage', () => {
  it('builds from a URL or base64 and copies with a revised prompt', () => {
    expect(GeneratedImage.from_url('https://x/y.png').url).toBe('https://x/y.png')
    const image = GeneratedImage.from_b64(PNG_1x1)
    expect(image.mimeType).toBe('image/png')
    const revised = image.with_revised_prompt('Updated prompt description')
    expect(revised.revised_prompt).toBe('Updated prompt description')
    expect(revised.b64_json).toBe(PNG_1x1)
    expect(image.revised_prompt).toBeUndefined()
  })

  it('decodes bytes from base64 and from data: URLs, and saves with the right extension', async () => {
    const fromB64 = GeneratedImage.from_b64(PNG_1x1)
    expect((await fromB64.bytes()).subarray(1, 4).toString()).toBe('PNG')
    const fromData = GeneratedImage.from_url(`data:image/png;base64,${PNG_1x1}`)
    expect(await fromData.bytes()).toStrictEqual(await fromB64.bytes())
    const dir = mkdtempSync(join(tmpdir(), 'llmkit-save-'))
    expect(await fromB64.save(join(dir, 'nested', 'a'))).toBe(join(dir, 'nested', 'a.png'))
    expect(await fromB64.save(join(dir, 'b.image'))).toBe(join(dir, 'b.image'))
    expect(readFileSync(join(dir, 'b.image'))).toStrictEqual(await fromB64.bytes())
  })

  it('refuses to download anything but https outside a client (loopback http included)', async () => {
    await expect(GeneratedImage.from_url('http://example.com/a.png').bytes()).rejects.toThrow(/only https URLs/)
    await expect(GeneratedImage.from_url('http://127.0.0.1:9/a.png').bytes()).rejects.toThrow(/only https URLs/)
    await expect(GeneratedImage.from_url('file:///etc/passwd').bytes()).rejects.toThrow(/the file: scheme is not fetched/)
  })
})

describe('ImageGenerationResponse', () => {
  it('counts images, sums decoded bytes and returns the first', () => {
    const response = new ImageGenerationResponse({
      created: 1,
      images: [GeneratedImage.from_b64(PNG_1x1), GeneratedImage.from_url(`data:image/png;base64,${PNG_1x1}`), GeneratedImage.from_url('https://x/y.png')],
    })
    expect(response.count).toBe(3)
    expect(response.total_size).toBe(2 * Buffer.from(PNG_1x1, 'base64').length)
    expect(response.first()?.b64_json).toBe(PNG_1x1)
    expect(new ImageGenerationResponse({ created: 1, images: [] }).first()).toBeUndefined()
  })
})
