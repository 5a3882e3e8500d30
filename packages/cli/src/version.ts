import { createRequire } from 'node:module'

// Read at run time so `llmkit --version` follows the published package.json, bumped by nx release.
const pkg = createRequire(import.meta.url)('../package.json') as { version: string }

/** Version of `@llmkit/cli`. */
export const VERSION: string = pkg.version
