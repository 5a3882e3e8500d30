import nock from 'nock'
import { LLMKitClient } from '@llmkit/core'
import { describe, expect, it } from 'vitest'
import { useNock } from '../../../test/nock.js'
import { openai } from './index.js'

const BASE = 'https://api.openai.test'

useNock()

describe("DALL·E quality 'auto' (the API's default for every model)", () => {
  it.each(['dall-e-3', 'dall-e-2'])('%s sends quality auto as asked, without a warning', async (model) => {
    const seen: { body?: unknown } = {}
    nock(BASE)
      .post('/v1/images/generations', (body: unknown) => {
        seen.body = body
        return true
      })
      .reply(200, { created: 1, data: [{ url: 'https://img.openai.test/a.png' }] })
    const client = new LLMKitClient({ providers: [openai()], env: { OPENAI_API_KEY: 'sk-test-0123456789abcdef', OPENAI_BASE_URL: `${BASE}/v1` }, retry: false, unsupported: 'error' })
    const res = await client.generateImage({ model, prompt: 'a fox', size: '1024x1024', quality: 'auto', format: 'url' })
    expect(seen.body).toStrictEqual({ model, prompt: 'a fox', n: 1, size: '1024x1024', quality: 'auto', response_format: 'url' })
    expect(res.warnings).toStrictEqual([])
  })

  it("estimates dall-e-3 at auto by its highest listed price (which tier auto picks is not documented), so a budget never reserves too little", async () => {
    const client = new LLMKitClient({ providers: [openai()], env: { OPENAI_API_KEY: 'sk-test-0123456789abcdef' } })
    const estimate = await client.estimateCost({ model: 'dall-e-3', prompt: 'a fox', size: '1024x1024', quality: 'auto' })
    expect(estimate.usd).toBe(0.12)
    expect(estimate.basis).toMatch(/highest listed price/)
  })
})
