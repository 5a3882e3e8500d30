import { InvalidRequestError, ModelNotFoundError } from '../errors.js'
import { type ModelCapabilities, parseModelCapabilities } from './capabilities.js'
import { KNOWN_PROVIDER_PACKAGES } from './known-providers.js'
import type { ProviderPlugin } from './plugin.js'

/** A model id resolved to its plugin and capability row. */
export interface ResolvedModel {
  /** The plugin serving the model. */
  readonly plugin: ProviderPlugin
  /** Model id (table id, or the open id after the prefix). */
  readonly modelId: string
  /** The capability row. */
  readonly capabilities: ModelCapabilities
}

/**
 * Resolves a model id: (1) exact id or alias in a table, (2) `provider:model`, (3) a plugin's
 * `claims()`. Two claims are an error naming both prefixes.
 *
 * @throws {@link ModelNotFoundError} listing close matches and, when the id belongs to a provider
 * that is not installed, the package to install.
 */
export function resolveModel(plugins: readonly ProviderPlugin[], requested: string): ResolvedModel {
  const id = requested.trim()
  for (const plugin of plugins) {
    const row = plugin.models.find((m) => m.id === id || m.aliases?.includes(id))
    if (row) return { plugin, modelId: row.id, capabilities: row }
  }
  const colon = id.indexOf(':')
  if (colon > 0) {
    const prefix = id.slice(0, colon)
    const rest = id.slice(colon + 1)
    const plugin = plugins.find((p) => p.id === prefix)
    if (plugin) {
      const row = plugin.models.find((m) => m.id === rest || m.aliases?.includes(rest) || m.wireId === rest)
      if (row) return { plugin, modelId: row.id, capabilities: row }
      const open = plugin.openModel?.(rest)
      if (open) return { plugin, modelId: rest, capabilities: parseModelCapabilities(open) }
      throw notFound(plugins, id, `${plugin.id} does not take "${rest}"`)
    }
    const known = KNOWN_PROVIDER_PACKAGES.find((k) => k.id === prefix)
    if (known) throw notFound(plugins, id, `provider "${prefix}" is not installed: npm i ${known.packageName}`)
  }
  const claimants = plugins.filter((p) => p.claims?.(id) === true)
  if (claimants.length > 1) {
    throw new InvalidRequestError(
      `Model "${id}" is claimed by several providers (${claimants.map((p) => p.id).join(', ')}); write it with a prefix: ${claimants.map((p) => `"${p.id}:${id}"`).join(' or ')}`,
      { model: id, param: 'model' },
    )
  }
  const claimant = claimants[0]
  if (claimant) {
    const open = claimant.openModel?.(id)
    if (open) return { plugin: claimant, modelId: id, capabilities: parseModelCapabilities(open) }
  }
  const owner = KNOWN_PROVIDER_PACKAGES.find((k) => k.pattern.test(id) && !plugins.some((p) => p.id === k.id))
  throw notFound(plugins, id, owner ? `it looks like an id of provider ${owner.id}; install its provider: npm i ${owner.packageName}` : undefined)
}

function notFound(plugins: readonly ProviderPlugin[], id: string, hint: string | undefined): ModelNotFoundError {
  const all = plugins.flatMap((p) => p.models.flatMap((m) => [m.id, ...(m.aliases ?? [])]))
  const close = all
    .map((candidate) => ({ candidate, d: distance(candidate.toLowerCase(), id.toLowerCase()) }))
    .filter((c) => c.d <= Math.max(2, Math.floor(id.length / 3)))
    .sort((a, b) => a.d - b.d)
    .slice(0, 3)
    .map((c) => c.candidate)
  const parts = [`Unknown model "${id}"`]
  if (hint) parts.push(hint)
  if (close.length > 0) parts.push(`did you mean ${close.map((c) => `"${c}"`).join(', ')}?`)
  else if (all.length > 0) parts.push(`run \`llmkit models\` to list the ${all.length} known ids`)
  else if (!hint) parts.push('no provider is installed or configured: npm i @llmkit/provider-openai (or another provider)')
  return new ModelNotFoundError(parts.join('; '), { model: id })
}

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const cur = [i]
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    prev = cur
  }
  return prev[b.length]!
}
