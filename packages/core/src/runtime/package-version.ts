import { createRequire } from 'node:module'

/**
 * The version in the package.json at `relativePath` from `moduleUrl`, when that file belongs to
 * the package `name`. Bundled code (esbuild, webpack, a serverless build) has no package.json
 * next to it, or finds the app's: then `'bundled'`, never a wrong version and never a crash at
 * import.
 *
 * @example
 * ```ts
 * const VERSION = packageVersion(import.meta.url, '../package.json', '@acme/llmkit-provider')
 * ```
 */
export function packageVersion(moduleUrl: string, relativePath: string, name: string): string {
  try {
    const manifest = createRequire(moduleUrl)(relativePath) as { name?: unknown; version?: unknown }
    if (manifest.name === name && typeof manifest.version === 'string') return manifest.version
  } catch {
    // No package.json there: the code was bundled.
  }
  return 'bundled'
}
