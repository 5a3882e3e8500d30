import { PNG } from 'pngjs'
import { describe, expect, it } from 'vitest'
import { derivedInputs, inputDigest, inputHasAlpha, inputType, renderDerivedPng } from './derive.js'
import { pngSize, renderPng } from './png.js'

describe('renderDerivedPng', () => {
  it('answers with a valid PNG the size of the first input that names every input by digest', () => {
    const source = renderPng(48, 32, 'source')
    const mask = renderPng(48, 32, 'mask')
    const out = renderDerivedPng([source, mask], 'prompt|1')
    expect(pngSize(out)).toEqual({ width: 48, height: 32 })
    expect(() => PNG.sync.read(out)).not.toThrow()
    expect(derivedInputs(out)).toEqual([inputDigest(source), inputDigest(mask)])
  })

  it('differs for different inputs and takes an explicit size', () => {
    const a = renderDerivedPng([renderPng(16, 16, 'a')], 'k')
    const b = renderDerivedPng([renderPng(16, 16, 'b')], 'k')
    expect(Buffer.compare(a, b)).not.toBe(0)
    expect(pngSize(renderDerivedPng([renderPng(16, 16, 'a')], 'k', { width: 64, height: 40 }))).toEqual({ width: 64, height: 40 })
    expect(derivedInputs(renderPng(8, 8, 'plain'))).toEqual([])
  })
})

describe('input image helpers', () => {
  it('tell the type from the magic bytes and the alpha channel from the header', () => {
    const rgb = renderPng(8, 8, 'rgb')
    const rgba = new PNG({ width: 4, height: 4 })
    const rgbaBytes = PNG.sync.write(rgba, { colorType: 6 })
    expect(inputType(rgb)).toBe('image/png')
    expect(inputType(Buffer.from([0xff, 0xd8, 0xff, 0xe0]))).toBe('image/jpeg')
    expect(inputType(Buffer.from('<svg/>'))).toBeUndefined()
    expect(inputHasAlpha(rgb)).toBe(false)
    expect(inputHasAlpha(rgbaBytes)).toBe(true)
  })
})
