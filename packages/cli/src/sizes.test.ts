import { describe, expect, it } from 'vitest'
import { parseSize } from './sizes.js'

describe('parseSize', () => {
  it.each([
    ['square', '1024x1024'],
    ['landscape', '1792x1024'],
    ['portrait', '1024x1792'],
    ['Square512', '512x512'],
    ['LANDSCAPE1792X1024', '1792x1024'],
    ['640x480', '640x480'],
    ['640X480', '640x480'],
    [' 0768x1024 ', '768x1024'],
  ])('reads %s as %s', (input, size) => {
    expect(parseSize(input)).toBe(size)
  })

  it.each(['huge', '1024', '10x', 'x10', '-5x5'])('rejects %s naming the presets', (input) => {
    expect(() => parseSize(input)).toThrow(/--size must be WxH .*landscape/)
  })
})
