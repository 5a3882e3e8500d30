import { readFileSync } from 'node:fs'
import { fal } from '@llmkit/provider-fal'
import { openai } from '@llmkit/provider-openai'
import { recraft } from '@llmkit/provider-recraft'
import { replicate } from '@llmkit/provider-replicate'
import { runway } from '@llmkit/provider-runway'
import { stability } from '@llmkit/provider-stability'
import { KNOWN_PROVIDER_PACKAGES, LLMKitClient, modelCapabilitiesSchema, resolveModel, seedForPart } from 'llmkit'
import { describe, expect, it } from 'vitest'

const plugins = [openai(), fal(), stability(), recraft(), runway(), replicate()]
const SEED_MODELS = ['dall-e-3', 'dall-e-2', 'fal-ai/flux/dev', 'fal-ai/flux/schnell', 'fal-ai/stable-diffusion-3', 'stability-ai/stable-diffusion-xl', 'stability-ai/stable-diffusion-3', 'recraft-v3']

describe('the six capability tables together', () => {
  it('parse with the ModelCapabilities schema, every row', () => {
    for (const plugin of plugins) {
      for (const row of plugin.models) {
        const parsed = modelCapabilitiesSchema.safeParse(row)
        expect(parsed.success, `${plugin.id} ${row.id}: ${parsed.error?.message}`).toBe(true)
      }
    }
  })

  it('have ids and aliases unique across all plugins (a client with all six registers)', () => {
    const ids = plugins.flatMap((p) => p.models.flatMap((m) => [m.id, ...(m.aliases ?? [])]))
    expect(new Set(ids).size).toBe(ids.length)
    expect(() => new LLMKitClient({ providers: plugins })).not.toThrow()
  })

  it('resolve every seed model id to the provider the seed names', () => {
    const owner = Object.fromEntries(SEED_MODELS.map((id) => [id, resolveModel(plugins, id).plugin.id]))
    expect(owner).toStrictEqual({
      'dall-e-3': 'openai',
      'dall-e-2': 'openai',
      'fal-ai/flux/dev': 'fal',
      'fal-ai/flux/schnell': 'fal',
      'fal-ai/stable-diffusion-3': 'fal',
      'stability-ai/stable-diffusion-xl': 'stability',
      'stability-ai/stable-diffusion-3': 'stability',
      'recraft-v3': 'recraft',
    })
  })

  it("give no split part a seed outside its row's range, nor 0 where 0 means random", () => {
    let checked = 0
    for (const plugin of plugins) {
      for (const row of plugin.models) {
        const range = row.seed
        if (range === null) continue
        // Seeds at both ends and in the middle, split into as many parts as a large n gives.
        for (const seed of [range.min, range.min + 1, Math.floor((range.min + range.max) / 2), range.max - 1, range.max]) {
          for (let part = 0; part < 12; part++) {
            const s = seedForPart(seed, part, range)
            expect(s >= range.min && s <= range.max, `${row.id} seed ${seed} part ${part}: ${s}`).toBe(true)
            if (range.zeroIsRandom === true && seed !== 0) expect(s, `${row.id} seed ${seed} part ${part}`).not.toBe(0)
            checked++
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(0)
    // 0 means random on every Stability model (v1 and v2beta), per its API reference.
    for (const row of stability().models) expect(row.seed?.zeroIsRandom, row.id).toBe(true)
  })

  it('declare the version of their package.json, for the user-agent', () => {
    for (const plugin of plugins) {
      const pkg = JSON.parse(readFileSync(new URL(`../packages/provider-${plugin.id}/package.json`, import.meta.url), 'utf8')) as { name: string; version: string }
      expect([plugin.packageName, plugin.packageVersion]).toStrictEqual([pkg.name, pkg.version])
    }
  })

  it('match the package names discovery imports', () => {
    for (const plugin of plugins) expect(KNOWN_PROVIDER_PACKAGES.find((k) => k.id === plugin.id)?.packageName).toBe(plugin.packageName)
  })

  it('declare a documented rate limit where the provider publishes one', () => {
    const limits = Object.fromEntries(plugins.map((p) => [p.id, p.rateLimit]))
    expect(limits['stability']).toStrictEqual({ requests: 150, intervalMs: 10_000 })
  })
})
