import type { ProviderPlugin } from 'llmkit'

/** Placeholder until the stability provider lands (its provider issue). */
export function stability(): ProviderPlugin {
  return { id: 'stability', packageName: '@llmkit/provider-stability', envKeys: [], defaultBaseUrl: 'http://127.0.0.1', models: [], create: () => ({ generate: () => Promise.reject(new Error('stability is not implemented yet')) }) }
}

export default stability
