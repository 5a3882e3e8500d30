import { describe, expect, it } from 'vitest'
import { extensionFor, imageBaseName, slugify } from './file-names.js'

describe('file names', () => {
  it.each([
    [Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), 'png'],
    [Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0]), 'jpg'],
    [Buffer.from('RIFF\u0000\u0000\u0000\u0000WEBPVP8 ', 'latin1'), 'webp'],
    [Buffer.from('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"></svg>'), 'svg'],
  ])('takes the extension from the bytes (%#: %s)', (bytes, ext) => {
    // The declared type is wrong on purpose: bytes win.
    expect(extensionFor(bytes, 'image/gif')).toBe(ext)
  })

  it('falls back to the MIME type, then to bin', () => {
    expect(extensionFor(Buffer.from('????'), 'image/webp')).toBe('webp')
    expect(extensionFor(Buffer.from('????'))).toBe('bin')
  })

  it('builds safe names from model, prompt and seed', () => {
    expect(imageBaseName('fal-ai/flux/dev', 'A café at night, "neon"!', 0)).toBe('fal-ai-flux-dev-a-cafe-at-night-neon-1')
    expect(imageBaseName('fal-ai/flux/dev', 'cat', 2, 42)).toBe('fal-ai-flux-dev-cat-3-s42')
  })

  it('cuts long prompts at a word and never returns an empty slug', () => {
    const slug = slugify('a very long prompt about mountains and rivers and forests and skies at dawn')
    expect(slug.length).toBeLessThanOrEqual(48)
    expect(slug.endsWith('-')).toBe(false)
    expect(slugify('日本語')).toBe('image')
  })
})
