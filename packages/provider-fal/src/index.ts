import type { ProviderPlugin } from 'llmkit'

/** Placeholder until the fal provider lands (its provider issue). */
export function fal(): ProviderPlugin {
  return { id: 'fal', packageName: '@llmkit/provider-fal', envKeys: [], defaultBaseUrl: 'http://127.0.0.1', models: [], create: () => ({ generate: () => Promise.reject(new Error('fal is not implemented yet')) }) }
}

export default fal
