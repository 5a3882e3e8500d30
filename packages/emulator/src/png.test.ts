import { describe, expect, it } from 'vitest'
import { freshDraw, pngSize, renderPng, renderSvg } from './png.js'

describe('renderPng', () => {
  it('renders a real PNG of exactly the requested size', () => {
    const png = renderPng(300, 200, 'key')
    expect(png.subarray(0, 8)).toStrictEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
    expect(pngSize(png)).toStrictEqual({ width: 300, height: 200 })
  })

  it('is deterministic per key and differs across keys', () => {
    expect(renderPng(64, 64, 'a').equals(renderPng(64, 64, 'a'))).toBe(true)
    expect(renderPng(64, 64, 'a').equals(renderPng(64, 64, 'b'))).toBe(false)
  })

  it('renders incompressible noise for byte-size benchmarks', () => {
    expect(renderPng(256, 256, 'n', { noise: true }).length).toBeGreaterThan(256 * 256 * 3)
  })

  it('renders an SVG document for vector models', () => {
    expect(renderSvg(100, 50, 'k').toString()).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="100" height="50"/)
  })
})

describe('freshDraw', () => {
  it('keeps the first key and gives each repeat a key of its own', () => {
    const key = `fresh-draw-test|${Math.random()}`
    const keys = [freshDraw(key), freshDraw(key), freshDraw(key)]
    expect(keys[0]).toBe(key)
    expect(new Set(keys).size).toBe(3)
  })
})
