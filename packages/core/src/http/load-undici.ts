import { createRequire } from 'node:module'
import type * as Undici from 'undici'

let undiciModule: typeof Undici | undefined

/**
 * undici, loaded on first use: it takes longer to load than the rest of llmkit together
 * (bench/results/latest.md, cold import), and a CLI that only lists models never needs it.
 * It is CommonJS, so a synchronous require gives the very module instance `import` would.
 * A bundler (esbuild, webpack) sees the literal `require('undici')` and puts undici in the
 * bundle; plain Node ESM has no `require` and takes the `createRequire` path.
 */
export function loadUndici(): typeof Undici {
  undiciModule ??= (typeof require === 'function' ? require('undici') : createRequire(import.meta.url)('undici')) as typeof Undici
  return undiciModule
}
