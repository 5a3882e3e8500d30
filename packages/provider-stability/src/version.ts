import { createRequire } from 'node:module'

/** This package's version, from its package.json (next to both `src/` and `dist/`), for the `user-agent` and `stability-client-version`. */
export const PACKAGE_VERSION: string = (createRequire(import.meta.url)('../package.json') as { version: string }).version
