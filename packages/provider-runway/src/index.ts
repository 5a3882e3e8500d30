import type { ProviderPlugin } from 'llmkit'

/** Placeholder until the runway provider lands (its provider issue). */
export function runway(): ProviderPlugin {
  return { id: 'runway', packageName: '@llmkit/provider-runway', envKeys: [], defaultBaseUrl: 'http://127.0.0.1', models: [], create: () => ({ generate: () => Promise.reject(new Error('runway is not implemented yet')) }) }
}

export default runway
