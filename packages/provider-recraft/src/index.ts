import type { ProviderPlugin } from 'llmkit'

/** Placeholder until the recraft provider lands (its provider issue). */
export function recraft(): ProviderPlugin {
  return { id: 'recraft', packageName: '@llmkit/provider-recraft', envKeys: [], defaultBaseUrl: 'http://127.0.0.1', models: [], create: () => ({ generate: () => Promise.reject(new Error('recraft is not implemented yet')) }) }
}

export default recraft
