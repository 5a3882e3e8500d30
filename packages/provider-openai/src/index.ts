import { packageVersion } from '@llmkit/core'
import type { ProviderPlugin } from '@llmkit/core'
import { parseOpenAIError } from './openai-errors.js'
import { openaiModels } from './openai-models.js'
import { openOpenAIModel } from './openai-open-model.js'
import { openaiPrices } from './openai-prices.js'
import { createOpenAIProvider } from './openai-provider.js'

/** This package's version, from its package.json (next to both `src/` and `dist/`), for the `user-agent`. */
const PACKAGE_VERSION = packageVersion(import.meta.url, '../package.json', '@llmkit/provider-openai')

/** Options of {@link openai}. */
export interface OpenAIProviderOptions {
  /** Production base URL. @defaultValue 'https://api.openai.com/v1' */
  baseURL?: string | undefined
  /**
   * Longest wait for the next event of a GPT image call that streams previews
   * (`provider_options.partial_images`), in milliseconds; past it the call fails with a
   * TimeoutError marked `mayHaveBeenCharged`. @defaultValue 120000
   */
  streamIdleTimeoutMs?: number | undefined
}

/**
 * The OpenAI provider: DALL·E 2, DALL·E 3 and the GPT image models; a newer or unlisted id
 * runs as `openai:<id>` with a guessed capability row and a warning (see {@link openOpenAIModel}).
 * Reads `OPENAI_API_KEY`, `OPENAI_BASE_URL`, and `OPENAI_ORG_ID` / `OPENAI_PROJECT_ID` when set.
 *
 * @example
 * ```ts
 * import { LLMKitClient } from '@llmkit/core'
 * import { openai } from '@llmkit/provider-openai'
 * const client = new LLMKitClient({ providers: [openai()] })
 * ```
 */
export function openai(options: OpenAIProviderOptions = {}): ProviderPlugin {
  const idle = options.streamIdleTimeoutMs
  // A timer above 2^31-1 ms fires at once, so the bound is checked here rather than met later.
  if (idle !== undefined && !(Number.isFinite(idle) && idle > 0 && idle <= 2_147_483_647)) {
    throw new TypeError(`Expected \`streamIdleTimeoutMs\` to be a positive number of milliseconds up to 2147483647, got ${String(idle)}.`)
  }
  return {
    id: 'openai',
    displayName: 'OpenAI',
    packageName: '@llmkit/provider-openai',
    packageVersion: PACKAGE_VERSION,
    envKeys: ['OPENAI_API_KEY'],
    baseUrlEnv: ['OPENAI_BASE_URL'],
    defaultBaseUrl: options.baseURL ?? 'https://api.openai.com/v1',
    models: openaiModels,
    prices: openaiPrices,
    // `openai:<id>` opens a newer or unlisted model with a guessed row (and a warning).
    openModel: openOpenAIModel,
    parseError: parseOpenAIError,
    create: (ctx) => createOpenAIProvider(ctx, { streamIdleTimeoutMs: options.streamIdleTimeoutMs }),
  }
}

export default openai
export { openaiModels, type OpenAIImageModelId } from './openai-models.js'
export { openOpenAIModel } from './openai-open-model.js'
export { openaiPrices } from './openai-prices.js'
export { parseOpenAIError } from './openai-errors.js'
export { toOpenAIRequest, fromOpenAIResponse } from './openai-provider.js'
export { planStreaming, PARTIAL_IMAGES_OPTION, MAX_PARTIAL_IMAGES, DEFAULT_STREAM_IDLE_TIMEOUT_MS, type StreamingPlan } from './openai-stream.js'
export {
  toOpenAIImageInputCall,
  toOpenAIFormData,
  checkOpenAIEditInputs,
  OPENAI_EDIT_FIELDS,
  OPENAI_VARIATION_FIELDS,
  OPENAI_MASK_MAX_BYTES,
  type OpenAIImageInputCall,
} from './openai-edits.js'
export { GPT_IMAGE_INPUTS, DALL_E_2_INPUTS } from './openai-image-inputs.js'
