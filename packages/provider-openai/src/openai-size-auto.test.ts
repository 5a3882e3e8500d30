import nock from 'nock'
import { LLMKitClient } from '@llmkit/core'
import { describe, expect, it } from 'vitest'
import { useNock } from '../../../test/nock.js'
import { openai, openaiModels } from './index.js'
import { gptImage2OutputTokens } from './openai-prices.js'

/**
 * The GPT image models' default size is `auto` (CreateImageRequest.size `default: "auto"`): with no
 * size llmkit sends none and the model picks one of 1024x1024, 1536x1024, 1024x1536. The estimate
 * bills the dearest of them at the quality asked, so a budget never reserves too little.
 */
const BASE = 'https://api.openai.test'
const env = { OPENAI_API_KEY: 'sk-test-0123456789abcdef', OPENAI_BASE_URL: `${BASE}/v1` }
const PNG_B64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=='

useNock()

describe("GPT image default size 'auto'", () => {
  it.each(['gpt-image-1', 'gpt-image-1-mini', 'gpt-image-1.5', 'gpt-image-2'])('%s lists auto as its default size', (id) => {
    expect(openaiModels.find((m) => m.id === id)?.defaultSize).toBe('auto')
  })

  it('sends no size when the request gives none, so the API picks (its default auto)', async () => {
    const seen: { body?: unknown } = {}
    nock(BASE)
      .post('/v1/images/generations', (body: unknown) => {
        seen.body = body
        return true
      })
      .reply(200, { created: 1, data: [{ b64_json: PNG_B64 }], usage: { input_tokens: 10, output_tokens: 272, total_tokens: 282 } })
    const client = new LLMKitClient({ providers: [openai()], env, retry: false, unsupported: 'error' })
    const res = await client.generateImage({ model: 'gpt-image-1', prompt: 'a fox', quality: 'low' })
    expect(seen.body).toStrictEqual({ model: 'gpt-image-1', prompt: 'a fox', n: 1, quality: 'low' })
    expect(res.warnings).toStrictEqual([])
  })

  it.each([
    ['gpt-image-1', 'low', 0.016],
    ['gpt-image-1', 'high', 0.25],
    ['gpt-image-1-mini', 'medium', 0.015],
    ['gpt-image-1.5', 'medium', 0.051],
    ['gpt-image-1.5', 'auto', 0.2],
  ])('estimates %s at quality %s without a size as its dearest standard size ($%s)', async (model, quality, usd) => {
    const client = new LLMKitClient({ providers: [openai()], env })
    const estimate = await client.estimateCost({ model, prompt: 'a fox', quality: quality as 'low' })
    expect(estimate.usd).toBe(usd)
    // A listed row, not the table's highest-price fallback.
    expect(estimate.basis).toContain(`${model} ${quality} auto:`)
    expect(estimate.basis).not.toMatch(/highest listed price/)
  })

  it('estimates a size given explicitly by its own row (1024x1024 low is cheaper than auto)', async () => {
    const client = new LLMKitClient({ providers: [openai()], env })
    expect((await client.estimateCost({ model: 'gpt-image-1', prompt: 'a fox', quality: 'low', size: '1024x1024' })).usd).toBe(0.011)
  })

  it('estimates gpt-image-2 without a size at the dearest standard size by its token formula (1024x1024 at high: 7024 tokens)', async () => {
    const client = new LLMKitClient({ providers: [openai()], env })
    const tokens = Math.max(gptImage2OutputTokens('high', 1024, 1024)!, gptImage2OutputTokens('high', 1536, 1024)!, gptImage2OutputTokens('high', 1024, 1536)!)
    expect(tokens).toBe(7024)
    const estimate = await client.estimateCost({ model: 'gpt-image-2', prompt: 'a fox', quality: 'high' })
    expect(estimate.usd).toBe(0.21072)
    expect(estimate.basis).toContain('size auto: the dearest standard size')
  })
})
