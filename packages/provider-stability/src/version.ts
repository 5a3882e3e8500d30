import { packageVersion } from '@llmkit/core'

/** This package's version, from its package.json (next to both `src/` and `dist/`), for the `user-agent` and `stability-client-version`. */
export const PACKAGE_VERSION: string = packageVersion(import.meta.url, '../package.json', '@llmkit/provider-stability')
