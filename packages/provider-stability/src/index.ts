import type { ProviderPlugin } from '@llmkit/core'
import { parseStabilityError } from './stability-errors.js'
import { stabilityModels } from './stability-models.js'
import { openStabilityModel } from './stability-open-model.js'
import { stabilityPrices } from './stability-prices.js'
import { createStabilityProvider } from './stability-provider.js'
import { PACKAGE_VERSION } from './version.js'

/** Options of {@link stability}. */
export interface StabilityProviderOptions {
  /** Production base URL. @defaultValue 'https://api.stability.ai' */
  baseURL?: string | undefined
}

/**
 * The Stability AI provider: SDXL on the v1 JSON API, and SD3.5 and Stable Image Core/Ultra on
 * the v2beta multipart API. Reads `STABILITY_API_KEY` and `STABILITY_BASE_URL`.
 *
 * @example
 * ```ts
 * import { LLMKitClient } from '@llmkit/core'
 * import { stability } from '@llmkit/provider-stability'
 * const client = new LLMKitClient({ providers: [stability()] })
 * const response = await client.generateImage({ model: 'stability-ai/stable-image-core', prompt: 'A lighthouse', size: '1792x1024' })
 * ```
 */
export function stability(options: StabilityProviderOptions = {}): ProviderPlugin {
  return {
    id: 'stability',
    displayName: 'Stability AI',
    packageName: '@llmkit/provider-stability',
    packageVersion: PACKAGE_VERSION,
    envKeys: ['STABILITY_API_KEY'],
    baseUrlEnv: ['STABILITY_BASE_URL'],
    defaultBaseUrl: options.baseURL ?? 'https://api.stability.ai',
    models: stabilityModels,
    // `stability:<id>` opens a newer or unlisted model with a guessed row (and a warning).
    openModel: openStabilityModel,
    prices: stabilityPrices,
    // "150 requests within a 10 second period" per account; above it the API answers 429 and may block for about 60 s.
    rateLimit: { requests: 150, intervalMs: 10_000 },
    parseError: parseStabilityError,
    create: createStabilityProvider,
  }
}

export default stability
export { stabilityModels, SDXL_SIZES, STABLE_IMAGE_ASPECT_RATIOS, STYLE_PRESETS, type StabilityImageModelId } from './stability-models.js'
export { openStabilityModel } from './stability-open-model.js'
export { stabilityPrices } from './stability-prices.js'
export { parseStabilityError } from './stability-errors.js'
export { toStabilityFormFields, toStabilityV1Request, fromStabilityResponse, stabilityEndpoint, type StabilityEndpoint } from './stability-provider.js'
export { toStabilityImageForm, toFormData as toStabilityFormData, isStabilityEdit, STABILITY_EDIT_ENDPOINTS, type StabilityEditId, type StabilityFormPart, type StabilityImageForm } from './stability-edits.js'
