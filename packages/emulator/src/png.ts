import { createHash } from 'node:crypto'
import { PNG } from 'pngjs'

/** Options of {@link renderPng}. */
export interface RenderOptions {
  /**
   * Fill with seeded noise instead of smooth shapes: noise does not compress, so a benchmark can
   * ask for an image of a given byte size.
   */
  noise?: boolean | undefined
}

const cache = new Map<string, Buffer>()
const CACHE_ENTRIES = 64

/** A 32-bit seed from any text (prompt, seed, size). */
export function seedOf(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32LE(0)
}

/** How often each unseeded key was drawn; bounded, since load runs use a new prompt per call. */
const draws = new Map<string, number>()
const MAX_TRACKED_DRAWS = 10_000

/**
 * The key of a new draw, for APIs that pick a new picture (or seed) when none is asked for: the
 * first call with a key keeps it, each repeat gets a key of its own, so the same prompt twice,
 * or the parts of a split request, are different images as on the real services, while a run
 * stays reproducible. A seed, where the API takes one, is part of the key and still fixes the
 * picture.
 */
export function freshDraw(key: string): string {
  const seen = draws.get(key) ?? 0
  if (draws.size >= MAX_TRACKED_DRAWS && seen === 0) draws.clear()
  draws.set(key, seen + 1)
  return seen === 0 ? key : `${key}|draw${seen}`
}

/**
 * Small, fast, seeded PRNG (mulberry32): the same key always draws the same picture, and the
 * same seed the same faults (the chaos mode and the reliability suite use it too).
 */
export function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * Renders a real PNG of exactly `width` x `height`, deterministic from `key` (prompt + seed):
 * a two-colour gradient with a few circles, or noise. Results are cached, so repeated calls
 * (benchmarks, e2e runs) cost nothing.
 */
export function renderPng(width: number, height: number, key: string, options: RenderOptions = {}): Buffer {
  const cacheKey = `${width}x${height}|${options.noise ? 'n' : 's'}|${key}`
  const hit = cache.get(cacheKey)
  if (hit) return hit
  const rand = prng(seedOf(key))
  const png = new PNG({ width, height, colorType: 2, inputColorType: 2, inputHasAlpha: false })
  const data = Buffer.alloc(width * height * 3)
  if (options.noise) {
    for (let i = 0; i < data.length; i++) data[i] = (rand() * 256) | 0
  } else {
    const from = [rand() * 255, rand() * 255, rand() * 255]
    const to = [rand() * 255, rand() * 255, rand() * 255]
    const circles = Array.from({ length: 3 + Math.floor(rand() * 4) }, () => ({
      x: rand() * width,
      y: rand() * height,
      r2: (0.05 + rand() * 0.2) ** 2 * Math.min(width, height) ** 2 * 4,
      c: [rand() * 255, rand() * 255, rand() * 255],
    }))
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const t = (x / width + y / height) / 2
        let r = from[0]! + (to[0]! - from[0]!) * t
        let g = from[1]! + (to[1]! - from[1]!) * t
        let b = from[2]! + (to[2]! - from[2]!) * t
        for (const c of circles) {
          const dx = x - c.x
          const dy = y - c.y
          if (dx * dx + dy * dy < c.r2) {
            r = c.c[0]!
            g = c.c[1]!
            b = c.c[2]!
          }
        }
        const o = (y * width + x) * 3
        data[o] = r
        data[o + 1] = g
        data[o + 2] = b
      }
    }
  }
  png.data = data
  const out = PNG.sync.write(png, { colorType: 2, inputColorType: 2, inputHasAlpha: false, deflateLevel: options.noise ? 0 : 3 })
  if (cache.size >= CACHE_ENTRIES) cache.delete(cache.keys().next().value!)
  cache.set(cacheKey, out)
  return out
}

/** Width and height read back from a PNG's IHDR chunk. */
export function pngSize(bytes: Uint8Array): { width: number; height: number } {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  return { width: view.readUInt32BE(16), height: view.readUInt32BE(20) }
}

/** A small deterministic SVG, for vector models. */
export function renderSvg(width: number, height: number, key: string): Buffer {
  const rand = prng(seedOf(key))
  const color = () => `rgb(${Math.floor(rand() * 255)},${Math.floor(rand() * 255)},${Math.floor(rand() * 255)})`
  const shapes = Array.from({ length: 4 }, () => `<circle cx="${Math.floor(rand() * width)}" cy="${Math.floor(rand() * height)}" r="${Math.floor(20 + rand() * Math.min(width, height) / 4)}" fill="${color()}"/>`)
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"><rect width="100%" height="100%" fill="${color()}"/>${shapes.join('')}</svg>`,
  )
}
