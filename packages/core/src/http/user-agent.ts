import { packageVersion } from '../runtime/package-version.js'

/**
 * llmkit's version, read from its package.json (one directory above both `src/` and `dist/`),
 * so the `user-agent` can never name a stale version; `'bundled'` inside a bundle.
 */
export const LLMKIT_VERSION: string = packageVersion(import.meta.url, '../../package.json', '@llmkit/core')

/**
 * The `user-agent` llmkit sends: `llmkit/<version>`, then the provider package that made the
 * request (`@llmkit/provider-openai/0.1.0`, absent on image downloads), then `node/<version>`,
 * then the caller's own `transport.userAgent` appended (`myapp/1.2`), so a provider's logs show
 * both the library and the application.
 */
export function userAgent(product: string | undefined, extension: string | undefined): string {
  const parts = [`llmkit/${LLMKIT_VERSION}`]
  if (product) parts.push(product)
  parts.push(`node/${process.versions.node}`)
  if (extension) parts.push(extension)
  return parts.join(' ')
}
