import { LLMKitError, ProviderNotConfiguredError } from '../errors.js'
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
 * True when this module runs from its own file in the package, false inside a bundle (esbuild,
 * webpack, a serverless build) where `import.meta.url` is the bundle's file, or undefined
 * (CommonJS output).
 */
export function runsUnbundled(moduleUrl: string | undefined): boolean {
  return typeof moduleUrl === 'string' && /\/registry\/discover\.[cm]?[jt]s$/.test(new URL(moduleUrl).pathname)
}

/**
 * Imports every known provider package that is installed. A missing package is skipped; a
 * package that is installed but fails to load is an error (silently skipping it would hide a
 * broken install). Discovery imports packages by name at run time, which a bundle cannot
 * answer: bundled with none found, it fails with a message saying to pass `providers: [...]`.
 *
 * @param moduleUrl Where this code runs from (tests): a bundle is told apart by it.
 * @throws {@link ProviderNotConfiguredError} when bundled and no provider package could be imported.
 */
export async function discoverProviders(importer: ModuleImporter = defaultImporter, moduleUrl: string | undefined = import.meta.url): Promise<ProviderPlugin[]> {
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
  const plugins = found.filter((p): p is ProviderPlugin => p !== undefined)
  if (plugins.length === 0 && !runsUnbundled(moduleUrl)) {
    throw new ProviderNotConfiguredError(
      'llmkit runs from a bundle, where it cannot find provider packages by name (none is installed next to it). ' +
        "Pass them explicitly: import openai from '@llmkit/provider-openai', then new LLMKitClient({ providers: [openai()] }); " +
        'keys are still read from the environment.',
    )
  }
  return plugins
}
