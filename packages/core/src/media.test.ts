import { describe, expect, it } from 'vitest'
import { base64DecodedLength, parseDataUrl, sniffImageType } from './media.js'

describe('media helpers', () => {
  it.each([
    [[0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'image/png'],
    [[0xff, 0xd8, 0xff, 0xe0], 'image/jpeg'],
    [[...Buffer.from('RIFF'), 0, 0, 0, 0, ...Buffer.from('WEBP')], 'image/webp'],
    [[...Buffer.from('GIF89a')], 'image/gif'],
    [[...Buffer.from('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>')], 'image/svg+xml'],
    [[...Buffer.from('{"json": true}')], undefined],
  ])('sniffs %j as %s', (bytes, type) => {
    expect(sniffImageType(Uint8Array.from(bytes))).toBe(type)
  })

  it('counts decoded base64 bytes without decoding', () => {
    for (const n of [0, 1, 2, 3, 10, 1000]) expect(base64DecodedLength(Buffer.alloc(n).toString('base64'))).toBe(n)
  })

  it('splits data: URLs', () => {
    expect(parseDataUrl('data:image/png;base64,AAAA')).toStrictEqual({ mimeType: 'image/png', base64: 'AAAA' })
    expect(parseDataUrl('https://x/y.png')).toBeUndefined()
  })
})
