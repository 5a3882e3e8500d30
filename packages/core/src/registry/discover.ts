import { LLMKitError } from '../errors.js'
import { KNOWN_PROVIDER_PACKAGES } from './known-providers.js'
import type { ProviderPlugin } from './plugin.js'

type PluginModule = { default?: unknown }

/** How a module is imported; injectable so tests can simulate installed and missing packages. */
export type ModuleImporter = (specifier: string) => Promise<PluginModule>

const defaultImporter: ModuleImporter = (specifier) => import(specifier) as Promise<PluginModule>

function isMissing(error: unknown, specifier: string): boolean {
  const e = error as { code?: string; message?: string }
  return (e?.code === 'ERR_MODULE_NOT_FOUND' || e?.code === 'MODULE_NOT_FOUND') && (e.message ?? '').includes(specifier)
}

/**
 * Imports every known provider package that is installed. A missing package is skipped; a
 * package that is installed but fails to load is an error (silently skipping it would hide a
 * broken install).
 */
export async function discoverProviders(importer: ModuleImporter = defaultImporter): Promise<ProviderPlugin[]> {
  const found = await Promise.all(
    KNOWN_PROVIDER_PACKAGES.map(async ({ packageName }) => {
      let mod: PluginModule
      try {
        mod = await importer(packageName)
      } catch (error) {
        if (isMissing(error, packageName)) return undefined
        throw new LLMKitError(`Provider package ${packageName} is installed but failed to load: ${String((error as Error)?.message ?? error)}`, { cause: error })
      }
      const factory = mod.default
      if (typeof factory !== 'function') {
        throw new LLMKitError(`Provider package ${packageName} has no default export plugin factory`)
      }
      return (factory as () => ProviderPlugin)()
    }),
  )
  return found.filter((p): p is ProviderPlugin => p !== undefined)
}
