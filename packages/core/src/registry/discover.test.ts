import { describe, expect, it } from 'vitest'
import { LLMKitError } from '../errors.js'
import { discoverProviders } from './discover.js'
import type { ProviderPlugin } from './plugin.js'

const fakePlugin = (id: string): ProviderPlugin => ({ id, envKeys: [], defaultBaseUrl: 'https://x', models: [], create: () => ({ generate: () => Promise.reject(new Error('unused')) }) })

function missing(name: string): Error {
  return Object.assign(new Error(`Cannot find package '${name}' imported from /app`), { code: 'ERR_MODULE_NOT_FOUND' })
}

describe('discoverProviders', () => {
  it('keeps installed packages and skips missing ones silently', async () => {
    const plugins = await discoverProviders(async (name) => {
      if (name === '@llmkit/provider-openai') return { default: () => fakePlugin('openai') }
      throw missing(name)
    })
    expect(plugins.map((p) => p.id)).toStrictEqual(['openai'])
  })

  it('fails loudly when an installed package is broken', async () => {
    const attempt = discoverProviders(async (name) => {
      if (name === '@llmkit/provider-fal') throw new SyntaxError('Unexpected token')
      throw missing(name)
    })
    await expect(attempt).rejects.toBeInstanceOf(LLMKitError)
    await expect(attempt).rejects.toThrow(/@llmkit\/provider-fal is installed but failed to load: Unexpected token/)
  })

  it('treats a missing dependency of an installed package as broken, not missing', async () => {
    const attempt = discoverProviders(async (name) => {
      if (name === '@llmkit/provider-fal') throw missing('zod')
      throw missing(name)
    })
    await expect(attempt).rejects.toThrow(/failed to load/)
  })

  it('rejects a package without a default plugin factory', async () => {
    await expect(discoverProviders(async (name) => (name === '@llmkit/provider-openai' ? { default: 42 } : Promise.reject(missing(name))))).rejects.toThrow(/no default export plugin factory/)
  })
})
