import { describe, expect, it } from 'vitest'
import { modelCapabilitiesSchema, parseModelCapabilities, seedForPart } from './capabilities.js'

const STABILITY = { min: 0, max: 4_294_967_294, zeroIsRandom: true }
const UINT32 = { min: 0, max: 4_294_967_295 }
const INT32 = { min: 0, max: 2_147_483_647 }

describe('seedForPart', () => {
  it('is seed + part while that stays in the range', () => {
    expect([0, 1, 2].map((i) => seedForPart(42, i, UINT32))).toEqual([42, 43, 44])
    expect([0, 1, 2].map((i) => seedForPart(42, i, STABILITY))).toEqual([42, 43, 44])
  })

  it('wraps past the top of the range to its bottom (Runway/fal 2^32 - 1, Ideogram int32)', () => {
    expect([0, 1, 2].map((i) => seedForPart(4_294_967_294, i, UINT32))).toEqual([4_294_967_294, 4_294_967_295, 0])
    expect([0, 1, 2].map((i) => seedForPart(2_147_483_647, i, INT32))).toEqual([2_147_483_647, 0, 1])
    expect([0, 1, 2, 3].map((i) => seedForPart(8, i, { min: 5, max: 9 }))).toEqual([8, 9, 5, 6])
  })

  it('never gives a part 0 where 0 means random: Stability 4294967294 is followed by 1', () => {
    expect([0, 1, 2].map((i) => seedForPart(4_294_967_293, i, STABILITY))).toEqual([4_294_967_293, 4_294_967_294, 1])
    const small = { min: 0, max: 3, zeroIsRandom: true }
    expect(Array.from({ length: 7 }, (_, i) => seedForPart(2, i, small))).toEqual([2, 3, 1, 2, 3, 1, 2])
  })

  it('keeps 0 for every part of a request seeded 0 where 0 means random (it asked for random images)', () => {
    expect([0, 1, 2].map((i) => seedForPart(0, i, STABILITY))).toEqual([0, 0, 0])
    // Where 0 is an ordinary seed, it is one.
    expect([0, 1, 2].map((i) => seedForPart(0, i, UINT32))).toEqual([0, 1, 2])
  })

  it('handles ranges with negative seeds', () => {
    expect([0, 1, 2, 3].map((i) => seedForPart(-1, i, { min: -2, max: 1, zeroIsRandom: true }))).toEqual([-1, 1, -2, -1])
    expect([0, 1, 2].map((i) => seedForPart(1, i, { min: -1, max: 1 }))).toEqual([1, -1, 0])
  })
})

describe('the seed field of a capability row', () => {
  const row = {
    id: 'm',
    wireId: 'm',
    mode: 'sync',
    maxImagesPerCall: 1,
    sizes: { kind: 'list', values: ['1024x1024'] },
    qualities: [],
    styles: [],
    negativePrompt: false,
    formats: ['url'],
  } as const

  it('takes a range with an optional zeroIsRandom flag, or null', () => {
    expect(modelCapabilitiesSchema.safeParse({ ...row, seed: STABILITY }).success).toBe(true)
    expect(modelCapabilitiesSchema.safeParse({ ...row, seed: UINT32 }).success).toBe(true)
    expect(modelCapabilitiesSchema.safeParse({ ...row, seed: null }).success).toBe(true)
  })

  it('rejects a range whose min is above its max, naming the model', () => {
    expect(() => parseModelCapabilities({ ...row, seed: { min: 10, max: 5 } })).toThrow(/Invalid capabilities for model m: seed: seed.min must not be above seed.max/)
  })
})
