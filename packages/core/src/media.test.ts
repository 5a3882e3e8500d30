import { describe, expect, it } from 'vitest'
import { base64DecodedLength, isBase64, parseDataUrl, sniffBase64Type, sniffImageType } from './media.js'

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

  it.each([
    ['GIF87a', 'image/gif'],
    ['GIF8', undefined],
    ['\uFEFF<svg xmlns="http://www.w3.org/2000/svg"></svg>', 'image/svg+xml'],
    ['<!-- made by a tool -->\n<svg width="1"/>', 'image/svg+xml'],
    ['<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n<svg>', 'image/svg+xml'],
    ['<!DOCTYPE svg [<!ENTITY a "b">]><svg>', 'image/svg+xml'],
    ['<!DOCTYPE html><html><body><svg></svg></body></html>', undefined],
    ['<html><svg></svg></html>', undefined],
    ['<?xml version="1.0"?><feed><svg/></feed>', undefined],
    ['<svgfoo>', undefined],
    ['[1, 2]', undefined],
  ])('sniffs the text %j as %s', (text, type) => {
    expect(sniffImageType(Buffer.from(text))).toBe(type)
  })

  it('sniffs PNG only with its whole signature', () => {
    expect(sniffImageType(Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]))).toBeUndefined()
    expect(sniffBase64Type('iVBORw0KGgo=')).toBe('image/png')
  })

  it.each([
    ['iVBORw0KGgo=', true],
    ['aGVsbG8', true],
    ['a-_b', true],
    ['', false],
    ['abcde', false],
    ['not base64!', false],
    ['ab=c', false],
    ['abc=d===', false],
  ])('isBase64(%j) is %s', (value, expected) => {
    expect(isBase64(value)).toBe(expected)
  })

  it('counts decoded base64 bytes without decoding', () => {
    for (const n of [0, 1, 2, 3, 10, 1000]) expect(base64DecodedLength(Buffer.alloc(n).toString('base64'))).toBe(n)
  })

  it('splits data: URLs', () => {
    expect(parseDataUrl('data:image/png;base64,AAAA')).toStrictEqual({ mimeType: 'image/png', base64: 'AAAA' })
    expect(parseDataUrl('https://x/y.png')).toBeUndefined()
  })
})
