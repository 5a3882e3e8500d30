import type { ProviderPlugin } from 'llmkit'

/** Placeholder until the replicate provider lands (its provider issue). */
export function replicate(): ProviderPlugin {
  return { id: 'replicate', packageName: '@llmkit/provider-replicate', envKeys: [], defaultBaseUrl: 'http://127.0.0.1', models: [], create: () => ({ generate: () => Promise.reject(new Error('replicate is not implemented yet')) }) }
}

export default replicate
