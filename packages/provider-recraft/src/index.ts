import { packageVersion } from '@llmkit/core'
import type { ProviderPlugin } from '@llmkit/core'
import { parseRecraftError } from './recraft-errors.js'
import { recraftModels } from './recraft-models.js'
import { openRecraftModel } from './recraft-open-model.js'
import { recraftPrices } from './recraft-prices.js'
import { createRecraftProvider } from './recraft-provider.js'

/** This package's version, from its package.json (next to both `src/` and `dist/`), for the `user-agent`. */
const PACKAGE_VERSION = packageVersion(import.meta.url, '../package.json', '@llmkit/provider-recraft')

/** Options of {@link recraft}. */
export interface RecraftProviderPluginOptions {
  /** Production base URL. @defaultValue 'https://external.api.recraft.ai/v1' */
  baseURL?: string | undefined
}

/**
 * The Recraft provider: Recraft V2, V3, V4 and V4 Pro, raster (PNG) and vector (SVG).
 * Reads `RECRAFT_API_KEY` (or `RECRAFT_API_TOKEN`) and `RECRAFT_BASE_URL`.
 *
 * @example
 * ```ts
 * import { LLMKitClient, ImageGenerationRequest } from '@llmkit/core'
 * import { recraft } from '@llmkit/provider-recraft'
 * const client = new LLMKitClient({ providers: [recraft()] })
 * const response = await client.generateImage(new ImageGenerationRequest('recraft-v3-vector', 'A fox logo'))
 * await response.first()?.save('fox') // writes fox.svg
 * ```
 */
export function recraft(options: RecraftProviderPluginOptions = {}): ProviderPlugin {
  return {
    id: 'recraft',
    displayName: 'Recraft',
    packageName: '@llmkit/provider-recraft',
    packageVersion: PACKAGE_VERSION,
    envKeys: ['RECRAFT_API_KEY', 'RECRAFT_API_TOKEN'],
    baseUrlEnv: ['RECRAFT_BASE_URL'],
    defaultBaseUrl: options.baseURL ?? 'https://external.api.recraft.ai/v1',
    models: recraftModels,
    // `recraft:<id>` opens a newer or unlisted model with a guessed row (and a warning).
    openModel: openRecraftModel,
    prices: recraftPrices,
    // Recraft's docs give about 5 requests per second per account (and about 100 images a minute).
    rateLimit: { requests: 5, intervalMs: 1000 },
    parseError: parseRecraftError,
    create: createRecraftProvider,
  }
}

export default recraft
export { recraftModels, type RecraftImageModelId } from './recraft-models.js'
export { openRecraftModel } from './recraft-open-model.js'
export { recraftPrices } from './recraft-prices.js'
export { parseRecraftError } from './recraft-errors.js'
export { toRecraftRequest, fromRecraftResponse } from './recraft-provider.js'
export { recraftProviderOptionsSchema, type RecraftProviderOptions } from './recraft-api.js'
export { RECRAFT_SUBSTYLES, RECRAFT_STYLES_BY_MODEL, type RecraftStyleFamily } from './recraft-styles.js'
export { toRecraftImageForm, toRecraftFormData, RECRAFT_IMAGE_PATHS, type RecraftFormPart, type RecraftImageForm } from './recraft-edits.js'
