import { describe, expect, it } from 'vitest'
import { LLMKitClient } from './client.js'
import { ProviderNotConfiguredError } from './errors.js'
import type { Middleware } from './pipeline/context.js'
import type { ModelCapabilities } from './registry/capabilities.js'
import type { CallOptions, NormalizedRequest, ProviderPlugin } from './registry/plugin.js'

const PNG_1x1 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC'

const model: ModelCapabilities = {
  id: 'fake-1',
  wireId: 'fake-wire-1',
  mode: 'sync',
  maxImagesPerCall: 4,
  sizes: { kind: 'list', values: ['64x64'] },
  qualities: [],
  styles: [],
  negativePrompt: true,
  seed: { min: 0, max: 10 },
  formats: ['b64_json'],
}

/** A provider without HTTP that records what it was asked. */
function fakePlugin(seen: NormalizedRequest[] = [], created: string[] = []): ProviderPlugin {
  return {
    id: 'fake',
    envKeys: ['FAKE_KEY'],
    defaultBaseUrl: 'https://fake.test',
    models: [model],
    create(ctx) {
      created.push(ctx.apiKey)
      return {
        async generate(req) {
          seen.push(req)
          return { images: Array.from({ length: req.n }, () => ({ b64: PNG_1x1, seed: req.seed })) }
        },
      }
    },
  }
}

describe('LLMKitClient with explicit providers', () => {
  it('validates, calls the provider once with the normalized request, and reports provider and model', async () => {
    const seen: NormalizedRequest[] = []
    const client = new LLMKitClient({ providers: [fakePlugin(seen)], env: { FAKE_KEY: 'k' } })
    const response = await client.generateImage({ model: 'fake-1', prompt: 'p', n: 2, size: '64x64', seed: 3, negative_prompt: 'no', format: 'b64_json' })
    expect(seen).toHaveLength(1)
    expect(seen[0]).toMatchObject({ wireModel: 'fake-wire-1', n: 2, size: { width: 64, height: 64 }, seed: 3, negativePrompt: 'no', format: 'b64_json' })
    expect(response.count).toBe(2)
    expect(response.provider).toBe('fake')
    expect(response.model).toBe('fake-1')
    expect(response.first()?.seed).toBe(3)
    expect(response.timings?.totalMs).toBeGreaterThanOrEqual(0)
  })

  it('creates each provider once per client, with the key from apiKeys before the env', async () => {
    const created: string[] = []
    const client = new LLMKitClient({ providers: [fakePlugin([], created)], env: { FAKE_KEY: 'from-env' }, apiKeys: { fake: 'explicit' } })
    await client.generateImage({ model: 'fake-1', prompt: 'a' })
    await client.generateImage({ model: 'fake-1', prompt: 'b' })
    expect(created).toStrictEqual(['explicit'])
  })

  it('fails with ProviderNotConfiguredError before the pipeline when the key is missing', async () => {
    let ran = false
    const client = new LLMKitClient({ providers: [fakePlugin()], env: {} }).use(async (_ctx, next) => {
      ran = true
      return next()
    })
    await expect(client.generateImage({ model: 'fake-1', prompt: 'p' })).rejects.toBeInstanceOf(ProviderNotConfiguredError)
    expect(ran).toBe(false)
  })

  it('runs user middleware in the order added, around the built-ins', async () => {
    const order: string[] = []
    const tag =
      (name: string): Middleware =>
      async (ctx, next) => {
        order.push(`${name}:${ctx.normalized === undefined ? 'raw' : 'normalized'}`)
        return next()
      }
    const client = new LLMKitClient({ providers: [fakePlugin()], env: { FAKE_KEY: 'k' }, middleware: [tag('a')] }).use(tag('b'))
    await client.generateImage({ model: 'fake-1', prompt: 'p' })
    expect(order).toStrictEqual(['a:raw', 'b:raw'])
  })

  it('lets a middleware pass a changed request downstream through ctx.derive', async () => {
    const seen: NormalizedRequest[] = []
    const client = new LLMKitClient({ providers: [fakePlugin(seen)], env: { FAKE_KEY: 'k' } }).use(async (ctx, next) => {
      const { ImageGenerationRequest } = await import('./request.js')
      const request = ImageGenerationRequest.from({ ...ctx.request.toJSON(), prompt: `watercolor, ${ctx.request.prompt}` })
      return next(ctx.derive({ request }))
    })
    await client.generateImage({ model: 'fake-1', prompt: 'a fox' })
    expect(seen[0]?.prompt).toBe('watercolor, a fox')
  })

  it('passes the per-call job deadline and progress listener to the provider', async () => {
    const seen: CallOptions[] = []
    const plugin: ProviderPlugin = { ...fakePlugin(), create: () => ({ generate: async (_req, options) => (seen.push(options), { images: [{ b64: PNG_1x1 }] }) }) }
    const client = new LLMKitClient({ providers: [plugin], env: { FAKE_KEY: 'k' } })
    const onProgress = () => {}
    await client.generateImage({ model: 'fake-1', prompt: 'p' }, { jobTimeoutMs: 1234, onProgress })
    await client.generateImage({ model: 'fake-1', prompt: 'p' })
    expect(seen[0]?.jobTimeoutMs).toBe(1234)
    expect(typeof seen[0]?.onProgress).toBe('function')
    expect(seen[1]?.jobTimeoutMs).toBeUndefined()
    expect(seen[1]?.onProgress).toBeUndefined()
  })

  it('lists models with their configuration state and resolves capabilities', async () => {
    const client = new LLMKitClient({ providers: [fakePlugin()], env: {} })
    expect(await client.models()).toStrictEqual([{ provider: 'fake', packageName: undefined, configured: false, envKeys: ['FAKE_KEY'], capabilities: model }])
    expect(await client.capabilities('fake:fake-1')).toBe(model)
  })

  it('rejects duplicate model ids across plugins and invalid capability rows at construction', () => {
    expect(() => new LLMKitClient({ providers: [fakePlugin(), { ...fakePlugin(), id: 'other' }] })).toThrow(/Model id "fake-1" of provider "other" is already registered/)
    expect(() => new LLMKitClient({ providers: [{ ...fakePlugin(), models: [{ ...model, maxImagesPerCall: 0 }] }] })).toThrow(/Invalid capabilities for model fake-1: maxImagesPerCall/)
  })

  it('rejects a non-function middleware with a TypeError', () => {
    expect(() => new LLMKitClient({ providers: [] }).use('nope' as never)).toThrow(TypeError)
  })
})
