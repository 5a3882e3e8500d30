import { describe, expect, it } from 'vitest'
import { LLMKitError, ProviderNotConfiguredError } from '../errors.js'
import { discoverProviders, runsUnbundled } from './discover.js'
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

  it('finds nothing quietly when installed normally and no provider is there', async () => {
    expect(await discoverProviders(async (name) => Promise.reject(missing(name)), 'file:///app/node_modules/@llmkit/core/dist/registry/discover.js')).toStrictEqual([])
  })

  it('in a bundle with no provider found, says to pass providers explicitly', async () => {
    const attempt = discoverProviders(async (name) => Promise.reject(missing(name)), 'file:///srv/fn/index.mjs')
    await expect(attempt).rejects.toBeInstanceOf(ProviderNotConfiguredError)
    await expect(attempt).rejects.toThrow(/runs from a bundle.*providers: \[openai\(\)\]/)
  })

  it('in a bundle with packages installed next to it, uses them', async () => {
    const plugins = await discoverProviders(async (name) => (name === '@llmkit/provider-fal' ? { default: () => fakePlugin('fal') } : Promise.reject(missing(name))), 'file:///srv/fn/index.mjs')
    expect(plugins.map((p) => p.id)).toStrictEqual(['fal'])
  })

  it('tells a bundle from the package file, and a CommonJS bundle (no import.meta.url)', () => {
    expect(runsUnbundled('file:///repo/packages/core/src/registry/discover.ts')).toBe(true)
    expect(runsUnbundled('file:///app/node_modules/llmkit/dist/registry/discover.js')).toBe(true)
    expect(runsUnbundled('file:///app/dist/server.mjs')).toBe(false)
    expect(runsUnbundled(undefined)).toBe(false)
  })
})
