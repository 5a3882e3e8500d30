import { UnsupportedRuntimeError } from '../errors.js'

/**
 * The oldest Node.js llmkit runs on: undici 8 needs 22.19 (older versions fail every request
 * with an error about `bind` that looks like a network fault). The `engines` field of every
 * package says the same.
 */
export const MIN_NODE_VERSION = '22.19.0'

function parts(version: string): number[] {
  return version.replace(/^v/, '').split('.').map((p) => Number.parseInt(p, 10) || 0)
}

/** True when `version` (as in `process.versions.node`) is at least `floor`. */
function atLeast(version: string, floor: string): boolean {
  const [a, b] = [parts(version), parts(floor)]
  for (let i = 0; i < 3; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0)
    if (d !== 0) return d > 0
  }
  return true
}

/**
 * Checks the Node.js version against {@link MIN_NODE_VERSION}. The core runs it once when it is
 * imported. Runtimes that report a Node.js version (Bun, Deno) are held to the same floor; one
 * that reports none is let through.
 *
 * @param version The version to check. @defaultValue process.versions.node
 * @throws {@link UnsupportedRuntimeError} naming the version needed and how to get it.
 */
export function checkNodeVersion(version: string | undefined = globalThis.process?.versions?.node): void {
  if (version === undefined || atLeast(version, MIN_NODE_VERSION)) return
  const error = new UnsupportedRuntimeError(
    `llmkit needs Node.js ${MIN_NODE_VERSION} or newer (its HTTP client, undici 8, does not work on older versions); this is Node.js ${version}. ` +
      'Install a current Node.js (https://nodejs.org), or in the llmkit repository run scripts through npm run / npx, which use its pinned Node 24 (npm ci without --ignore-scripts installs it).',
  )
  // One plain message: the stack of an import-time check only points into llmkit.
  error.stack = `${error.name}: ${error.message}`
  throw error
}
