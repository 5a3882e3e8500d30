import { fal } from '@llmkit/provider-fal'
import { openai } from '@llmkit/provider-openai'
import { recraft } from '@llmkit/provider-recraft'
import { replicate } from '@llmkit/provider-replicate'
import { runway } from '@llmkit/provider-runway'
import { stability } from '@llmkit/provider-stability'
import { describe, expect, it } from 'vitest'
import { LLMKitClient } from '../client.js'
import type { ImageGenerationRequestInit } from '../request.js'
import { costFromUsage } from './estimate.js'

const plugins = [openai(), fal(), stability(), recraft(), runway(), replicate()]
// estimateCost needs no key and makes no call: any plugin that tried to create a provider would fail here.
const client = new LLMKitClient({ providers: plugins, env: {} })

describe('price data of the six providers', () => {
  it.each(plugins.map((p) => [p.id, p] as const))('%s: one price per table model, each with a source, a date and a confidence', (_id, plugin) => {
    const tableIds = plugin.models.map((m) => m.id).sort()
    const priced = (plugin.prices ?? []).map((p) => p.model).sort()
    expect(priced).toEqual(tableIds)
    for (const price of plugin.prices ?? []) {
      expect(new URL(price.source).protocol).toBe('https:')
      expect(price.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/)
      expect(['official', 'secondary', 'unconfirmed']).toContain(price.confidence)
      // A figure that could not be confirmed says so in words.
      if (price.confidence === 'unconfirmed') expect(price.note ?? '').not.toBe('')
      if (price.price.kind === 'unknown') expect(price.price.reason).not.toBe('')
      if (price.price.kind === 'per-image') expect(price.price.usd).toBeGreaterThan(0)
      if (price.price.kind === 'table') for (const row of price.price.rows) expect(row.usd).toBeGreaterThan(0)
    }
  })
})

describe('price per image of each provider model (client.estimateCost, after size and quality mapping)', () => {
  it.each<[string, ImageGenerationRequestInit, number | undefined, number]>([
    // OpenAI: DALL·E 3 by quality and size; the default quality is standard.
    ['dall-e-3 standard square', { model: 'dall-e-3', prompt: 'p' }, 0.04, 1],
    ['dall-e-3 hd wide, n split into 1-image calls', { model: 'dall-e-3', prompt: 'p', quality: 'hd', size: '1792x1024', n: 3 }, 0.36, 3],
    ['dall-e-3 standard tall', { model: 'dall-e-3', prompt: 'p', size: '1024x1792' }, 0.08, 1],
    ['dall-e-3 odd size mapped to 1792x1024', { model: 'dall-e-3', prompt: 'p', size: '1800x1000', quality: 'hd' }, 0.12, 1],
    ['dall-e-2 by size', { model: 'dall-e-2', prompt: 'p', size: '512x512', n: 2 }, 0.036, 1],
    ['dall-e-2 256', { model: 'dall-e-2', prompt: 'p', size: '256x256' }, 0.016, 1],
    // GPT image: quality auto (the default) is reserved as high; hd maps to high, standard to medium.
    // Size auto (the default, no size sent) is reserved as the dearest standard size, 3:2.
    ['gpt-image-1 default (auto quality, auto size)', { model: 'gpt-image-1', prompt: 'p' }, 0.25, 1],
    ['gpt-image-1 low 3:2', { model: 'gpt-image-1', prompt: 'p', quality: 'low', size: '1536x1024' }, 0.016, 1],
    ['gpt-image-1 standard maps to medium (auto size)', { model: 'gpt-image-1', prompt: 'p', quality: 'standard', n: 2 }, 0.126, 1],
    ['gpt-image-1-mini high tall', { model: 'gpt-image-1-mini', prompt: 'p', quality: 'high', size: '1024x1536' }, 0.052, 1],
    ['gpt-image-1.5 medium tall', { model: 'gpt-image-1.5', prompt: 'p', quality: 'medium', size: '1024x1536' }, 0.051, 1],
    ['gpt-image-1.5 high wide', { model: 'gpt-image-1.5', prompt: 'p', quality: 'high', size: '1536x1024' }, 0.199, 1],
    ['gpt-image-2 high square (7024 tokens × $30/1M)', { model: 'gpt-image-2', prompt: 'p', quality: 'high', size: '1024x1024' }, 0.21072, 1],
    ['gpt-image-2 low wide (158 tokens)', { model: 'gpt-image-2', prompt: 'p', quality: 'low', size: '1536x1024' }, 0.00474, 1],
    // fal: per megapixel, rounded up to whole (1024×1024-pixel) megapixels.
    ['fal flux dev 1024x768 = 1 MP', { model: 'fal-ai/flux/dev', prompt: 'p' }, 0.025, 1],
    ['fal flux dev 1536x1024 = 2 MP', { model: 'fal-ai/flux/dev', prompt: 'p', size: '1536x1024' }, 0.05, 1],
    ['fal flux schnell 1024x1024 × 4 in one call', { model: 'fal-ai/flux/schnell', prompt: 'p', size: '1024x1024', n: 4 }, 0.012, 1],
    ['fal SD3 per image', { model: 'fal-ai/stable-diffusion-3', prompt: 'p' }, 0.035, 1],
    // Stability: credits at $0.01.
    ['stability ultra 8 credits', { model: 'stability-ai/stable-image-ultra', prompt: 'p' }, 0.08, 1],
    ['stability core 3 credits', { model: 'stability-ai/stable-image-core', prompt: 'p', n: 2 }, 0.06, 2],
    ['stability sd3.5 large 6.5 credits (alias)', { model: 'stability-ai/stable-diffusion-3', prompt: 'p' }, 0.065, 1],
    ['stability sd3.5 large turbo', { model: 'stability-ai/sd3.5-large-turbo', prompt: 'p' }, 0.04, 1],
    ['stability sd3.5 medium', { model: 'stability-ai/sd3.5-medium', prompt: 'p' }, 0.035, 1],
    ['stability sd3.5 flash', { model: 'stability-ai/sd3.5-flash', prompt: 'p' }, 0.025, 1],
    ['stability SDXL: unknown', { model: 'stability-ai/stable-diffusion-xl', prompt: 'p' }, undefined, 1],
    // Recraft: raster and vector.
    ['recraft v3 raster', { model: 'recraft-v3', prompt: 'p' }, 0.04, 1],
    ['recraft v3 vector', { model: 'recraft-v3-vector', prompt: 'p' }, 0.08, 1],
    ['recraft v2 raster × 7 in two calls', { model: 'recraft-v2', prompt: 'p', n: 7 }, 0.154, 2],
    ['recraft v2 vector', { model: 'recraft-v2-vector', prompt: 'p' }, 0.044, 1],
    ['recraft v4', { model: 'recraft-v4', prompt: 'p' }, 0.04, 1],
    ['recraft v4 vector', { model: 'recraft-v4-vector', prompt: 'p' }, 0.08, 1],
    ['recraft v4 pro', { model: 'recraft-v4-pro', prompt: 'p' }, 0.25, 1],
    ['recraft v4 pro vector', { model: 'recraft-v4-pro-vector', prompt: 'p' }, 0.3, 1],
    // Runway: credits by resolution tier.
    ['runway gen4 720p', { model: 'gen4_image', prompt: 'p', size: '1280x720' }, 0.05, 1],
    ['runway gen4 1080p', { model: 'gen4_image', prompt: 'p', size: '1920x1080', n: 2 }, 0.16, 2],
    // gen4_image_turbo needs a reference image (issue 13: with_image()); a 2x2 PNG as a data URL.
    ['runway gen4 turbo', { model: 'gen4_image_turbo', prompt: 'p', images: ['data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg=='] }, 0.02, 1],
    ['runway gpt_image_2: unknown', { model: 'gpt_image_2', prompt: 'p' }, undefined, 1],
    ['runway gemini 2.5 flash: unknown', { model: 'gemini_2.5_flash', prompt: 'p' }, undefined, 1],
    // Replicate: per image.
    ['replicate flux schnell × 4 in one call', { model: 'black-forest-labs/flux-schnell', prompt: 'p', n: 4 }, 0.012, 1],
    ['replicate flux dev', { model: 'black-forest-labs/flux-dev', prompt: 'p' }, 0.025, 1],
    ['replicate flux pro', { model: 'black-forest-labs/flux-pro', prompt: 'p' }, 0.055, 1],
    ['replicate flux 1.1 pro', { model: 'black-forest-labs/flux-1.1-pro', prompt: 'p' }, 0.04, 1],
    ['replicate SD 3.5 large', { model: 'stability-ai/stable-diffusion-3.5-large', prompt: 'p' }, 0.065, 1],
    ['replicate recraft v3', { model: 'recraft-ai/recraft-v3', prompt: 'p' }, 0.04, 1],
    ['replicate ideogram v2', { model: 'ideogram-ai/ideogram-v2', prompt: 'p' }, 0.08, 1],
    ['replicate ideogram v2 turbo', { model: 'ideogram-ai/ideogram-v2-turbo', prompt: 'p' }, 0.05, 1],
    ['replicate SDXL: GPU time, unknown', { model: 'stability-ai/sdxl', prompt: 'p' }, undefined, 1],
    ['replicate open model: unknown', { model: 'replicate:someone/some-model', prompt: 'p' }, undefined, 1],
  ])('%s', async (_name, request, usd, calls) => {
    const estimate = await client.estimateCost(request)
    expect(estimate.usd).toBe(usd)
    expect(estimate.calls).toBe(calls)
    expect(estimate.estimated).toBe(true)
    expect(estimate.basis).not.toBe('')
  })
})

describe('exact cost from reported usage', () => {
  it('prices GPT image token usage at the model’s rates', () => {
    const price = openai().prices?.find((p) => p.model === 'gpt-image-1')
    const cost = costFromUsage(price, { inputTokens: 50, outputTokens: 1056 })
    // 50 × $5/1M + 1056 × $40/1M
    expect(cost).toMatchObject({ usd: 0.04249, estimated: false })
    expect(cost?.basis).toContain('1056 output tokens × $40/1M')
  })

  it('prices Recraft units at $0.001', () => {
    const price = recraft().prices?.find((p) => p.model === 'recraft-v3')
    expect(costFromUsage(price, { credits: 40 })).toMatchObject({ usd: 0.04, estimated: false })
  })

  it('leaves models without usage rates to the table', () => {
    const price = stability().prices?.find((p) => p.model === 'stability-ai/stable-image-core')
    expect(costFromUsage(price, { credits: 3 })).toBeUndefined()
  })
})
