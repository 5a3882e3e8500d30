import { describe, expect, it } from 'vitest'
import { InvalidRequestError, ModelNotFoundError } from '../errors.js'
import type { ModelCapabilities } from './capabilities.js'
import type { ProviderPlugin } from './plugin.js'
import { resolveModel } from './resolve-model.js'

const row = (id: string, extra: Partial<ModelCapabilities> = {}): ModelCapabilities => ({
  id,
  wireId: id,
  mode: 'sync',
  maxImagesPerCall: 1,
  sizes: { kind: 'list', values: ['1024x1024'] },
  qualities: [],
  styles: [],
  negativePrompt: false,
  seed: null,
  formats: ['url'],
  ...extra,
})

const plugin = (id: string, models: ModelCapabilities[], extra: Partial<ProviderPlugin> = {}): ProviderPlugin => ({
  id,
  envKeys: [`${id.toUpperCase()}_KEY`],
  defaultBaseUrl: 'https://example.test',
  models,
  create: () => ({ generate: () => Promise.reject(new Error('unused')) }),
  ...extra,
})

const openaiLike = plugin('openai', [row('dall-e-3', { aliases: ['dalle3'] }), row('dall-e-2')])
const open = (id: string) => row(id, { maxImagesPerCall: 4 })
const replicateLike = plugin('replicate', [], { openModel: open, claims: (id) => /:[0-9a-f]{64}$/.test(id) })
const otherClaimer = plugin('other', [], { openModel: open, claims: (id) => id.includes(':') })

describe('resolveModel', () => {
  it('finds an exact id and an alias', () => {
    expect(resolveModel([openaiLike], 'dall-e-3').modelId).toBe('dall-e-3')
    expect(resolveModel([openaiLike], 'dalle3').modelId).toBe('dall-e-3')
  })

  it('takes provider:model for table rows and for open ids', () => {
    expect(resolveModel([openaiLike], 'openai:dall-e-2').modelId).toBe('dall-e-2')
    const r = resolveModel([openaiLike, replicateLike], 'replicate:acme/painter')
    expect(r.plugin.id).toBe('replicate')
    expect(r.modelId).toBe('acme/painter')
    expect(r.capabilities.maxImagesPerCall).toBe(4)
  })

  it('lets a plugin claim an id, and fails naming both prefixes when two do', () => {
    const pinned = `acme/painter:${'a'.repeat(64)}`
    expect(resolveModel([openaiLike, replicateLike], pinned).plugin.id).toBe('replicate')
    expect(() => resolveModel([replicateLike, otherClaimer], pinned)).toThrow(InvalidRequestError)
    expect(() => resolveModel([replicateLike, otherClaimer], pinned)).toThrow(/"replicate:acme\/painter.*" or "other:acme\/painter/)
  })

  it('suggests close matches for a typo', () => {
    expect(() => resolveModel([openaiLike], 'dall-e3')).toThrow(/did you mean "dall-e-3"/)
  })

  it('names the package to install for a provider that is not installed', () => {
    expect(() => resolveModel([openaiLike], 'fal-ai/flux/dev')).toThrow(/npm i @llmkit\/provider-fal/)
    expect(() => resolveModel([openaiLike], 'runway:gen4_image')).toThrow(/provider "runway" is not installed: npm i @llmkit\/provider-runway/)
  })

  it('throws ModelNotFoundError with a stable code', () => {
    try {
      resolveModel([openaiLike], 'nope')
      expect.unreachable()
    } catch (error) {
      expect(error).toBeInstanceOf(ModelNotFoundError)
      expect((error as ModelNotFoundError).code).toBe('LLMKIT_MODEL_NOT_FOUND')
    }
  })
})
