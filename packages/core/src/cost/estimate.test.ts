import { describe, expect, it } from 'vitest'
import type { ModelCapabilities } from '../registry/capabilities.js'
import type { NormalizedRequest } from '../registry/plugin.js'
import { costFromUsage, estimateRequestCost, formatUsd, priceRequest, sumCosts } from './estimate.js'
import type { ImagePrice, ModelPrice } from './price.js'

const caps = (sizes: ModelCapabilities['sizes'], defaultSize?: string): ModelCapabilities => ({
  id: 'm',
  wireId: 'm',
  mode: 'sync',
  maxImagesPerCall: 4,
  sizes,
  ...(defaultSize ? { defaultSize } : {}),
  qualities: ['low', 'high'],
  styles: [],
  negativePrompt: false,
  seed: null,
  formats: ['url'],
})

function request(changes: Partial<NormalizedRequest> = {}): NormalizedRequest {
  return {
    modelId: 'm',
    wireModel: 'm',
    capabilities: caps({ kind: 'list', values: ['1024x1024', '2048x1024'] }, '1024x1024'),
    prompt: 'p',
    n: 1,
    size: undefined,
    aspectRatio: undefined,
    quality: undefined,
    style: undefined,
    format: 'url',
    negativePrompt: undefined,
    seed: undefined,
    providerOptions: {},
    ...changes,
  }
}

const priced = (price: ImagePrice, extra: Partial<ModelPrice> = {}): ModelPrice => ({ model: 'm', price, source: 'https://x.invalid/p', asOf: '2026-11-29', confidence: 'official', ...extra })

describe('priceRequest', () => {
  const table = priced(
    {
      kind: 'table',
      rows: [
        { qualities: ['low'], sizes: ['1024x1024'], usd: 0.01 },
        { qualities: ['high'], sizes: ['1024x1024'], usd: 0.05 },
        { qualities: ['high'], usd: 0.09 },
      ],
    },
    { defaultQuality: 'high' },
  )

  it('takes the first matching row, the request size, else the model default, and the default quality', () => {
    expect(estimateRequestCost(table, request({ quality: 'low', n: 3 }))?.usd).toBe(0.03)
    expect(estimateRequestCost(table, request())?.usd).toBe(0.05)
    expect(estimateRequestCost(table, request({ size: { width: 2048, height: 1024 } }))?.usd).toBe(0.09)
  })

  it('charges a combination no row lists at the highest listed price, and says so', () => {
    const cost = estimateRequestCost(table, request({ quality: 'low', size: { width: 2048, height: 1024 } }))
    expect(cost?.usd).toBe(0.09)
    expect(cost?.basis).toContain('no listed row; highest listed price')
  })

  it('prices per megapixel, exactly or rounded up, and takes about one megapixel for aspect models', () => {
    const exact = priced({ kind: 'per-megapixel', usdPerMegapixel: 0.02 })
    expect(estimateRequestCost(exact, request({ size: { width: 1000, height: 500 } }))?.usd).toBe(0.01)
    const rounded = priced({ kind: 'per-megapixel', usdPerMegapixel: 0.02, roundUp: true })
    expect(estimateRequestCost(rounded, request({ size: { width: 1000, height: 500 } }))?.usd).toBe(0.02)
    expect(estimateRequestCost(rounded, request({ size: { width: 1001, height: 1000 } }))?.usd).toBe(0.04)
    const aspect = request({ capabilities: caps({ kind: 'aspect', values: ['1:1', '16:9'] }, '1:1'), aspectRatio: '16:9' })
    expect(estimateRequestCost(priced({ kind: 'per-megapixel', usdPerMegapixel: 0.02, pixelsPerMegapixel: 1024 * 1024 }), aspect)?.usd).toBeCloseTo(0.02, 3)
  })

  it('says why there is no price: unknown, missing, or a formula that does not cover the request', () => {
    expect(priceRequest(priced({ kind: 'unknown', reason: 'billed by GPU time' }), request())).toEqual({ unknown: 'm: billed by GPU time' })
    expect(priceRequest(undefined, request())).toEqual({ unknown: 'no price is known for m' })
    const formula = priced({ kind: 'computed', formula: 'tokens', usdPerImage: ({ quality }) => (quality === 'low' ? 0.001 : undefined) })
    expect(priceRequest(formula, request({ quality: 'high' }))).toEqual({ unknown: 'm: the formula (tokens) does not cover this size and quality' })
    expect(estimateRequestCost(formula, request({ quality: 'low', n: 2 }))?.usd).toBe(0.002)
    const noSize = request({ capabilities: caps({ kind: 'range', minWidth: 64, maxWidth: 2048, minHeight: 64, maxHeight: 2048, step: 8 }) })
    expect(priceRequest(priced({ kind: 'per-megapixel', usdPerMegapixel: 0.02 }), noSize)).toEqual({ unknown: 'm: the output size is unknown, and this model is priced per megapixel' })
  })

  it('names the model, quality, size, source, date and confidence in the basis', () => {
    expect(estimateRequestCost(table, request({ quality: 'low' }))?.basis).toBe('m low 1024x1024: $0.01 per image × 1 (price table, official, 2026-11-29, https://x.invalid/p)')
  })
})

describe('costFromUsage and sumCosts', () => {
  it('prefers tokens, then credits, and needs rates', () => {
    const both = priced({ kind: 'per-image', usd: 1 }, { usage: { inputUsdPerMillionTokens: 1, outputUsdPerMillionTokens: 10, usdPerCredit: 0.5 } })
    expect(costFromUsage(both, { inputTokens: 1000, outputTokens: 1000, credits: 2 })?.usd).toBe(0.011)
    expect(costFromUsage(both, { credits: 2 })?.usd).toBe(1)
    expect(costFromUsage(priced({ kind: 'per-image', usd: 1 }), { credits: 2 })).toBeUndefined()
    expect(costFromUsage(both, undefined)).toBeUndefined()
  })

  it('sums in micro-dollars and is estimated when any part is', () => {
    const total = sumCosts([
      { usd: 0.1, estimated: false, basis: 'a' },
      { usd: 0.2, estimated: true, basis: 'b' },
    ])
    expect(total).toEqual({ usd: 0.3, estimated: true, basis: 'a; b' })
    expect(sumCosts([])).toBeUndefined()
    expect(formatUsd(0.30000000000000004)).toBe('$0.3')
  })
})
