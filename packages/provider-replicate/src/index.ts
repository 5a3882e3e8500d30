import { packageVersion } from '@llmkit/core'
import type { ProviderPlugin } from '@llmkit/core'
import { parseReplicateError } from './replicate-errors.js'
import { isPinnedVersion, openReplicateModel, replicateModels } from './replicate-models.js'
import { replicatePrices } from './replicate-prices.js'
import { MAX_WAIT_SECONDS, createReplicateProvider } from './replicate-provider.js'

/** This package's version, from its package.json (next to both `src/` and `dist/`), for the `user-agent`. */
const PACKAGE_VERSION = packageVersion(import.meta.url, '../package.json', '@llmkit/provider-replicate')

/** Options of {@link replicate}. */
export interface ReplicateProviderOptions {
  /** Production base URL; `REPLICATE_BASE_URL` beats it. @defaultValue 'https://api.replicate.com/v1' */
  baseURL?: string | undefined
  /**
   * Seconds the create request waits for the prediction to finish (`Prefer: wait=N`, 1-60), or
   * `false` to return at once and poll. Jobs that finish in time cost one request; an abort
   * during the wait cannot cancel the prediction remotely, because its id is not known yet.
   * @defaultValue 5
   */
  waitSeconds?: number | false | undefined
}

/** Five seconds covers FLUX schnell and SDXL Lightning; slower models are polled. */
const DEFAULT_WAIT_SECONDS = 5

/**
 * The Replicate provider: FLUX, SDXL, SD 3.5, Recraft and Ideogram on Replicate, and any other
 * model as `replicate:owner/name` or a pinned `owner/name:<version>`.
 * Reads `REPLICATE_API_TOKEN` and `REPLICATE_BASE_URL`.
 *
 * @throws TypeError when `waitSeconds` is not false or a whole number from 1 to 60.
 * @example
 * ```ts
 * import { LLMKitClient } from '@llmkit/core'
 * import { replicate } from '@llmkit/provider-replicate'
 * const client = new LLMKitClient({ providers: [replicate()] })
 * const response = await client.generateImage({ model: 'black-forest-labs/flux-schnell', prompt: 'A lighthouse', n: 2 })
 * ```
 */
export function replicate(options: ReplicateProviderOptions = {}): ProviderPlugin {
  const waitSeconds = options.waitSeconds ?? DEFAULT_WAIT_SECONDS
  if (waitSeconds !== false && !(Number.isInteger(waitSeconds) && waitSeconds >= 1 && waitSeconds <= MAX_WAIT_SECONDS)) {
    throw new TypeError(`Expected \`waitSeconds\` to be false or a whole number from 1 to ${MAX_WAIT_SECONDS}, got ${String(waitSeconds)}.`)
  }
  return {
    id: 'replicate',
    displayName: 'Replicate',
    packageName: '@llmkit/provider-replicate',
    packageVersion: PACKAGE_VERSION,
    envKeys: ['REPLICATE_API_TOKEN'],
    baseUrlEnv: ['REPLICATE_BASE_URL'],
    defaultBaseUrl: options.baseURL ?? 'https://api.replicate.com/v1',
    models: replicateModels,
    prices: replicatePrices,
    // Documented limit on prediction creates (replicate.md §6); polls have a separate, larger one.
    rateLimit: { requests: 600, intervalMs: 60_000 },
    claims: isPinnedVersion,
    openModel: openReplicateModel,
    parseError: parseReplicateError,
    create: createReplicateProvider({ waitSeconds }),
  }
}

export default replicate
export { replicateModels, isPinnedVersion, openReplicateModel, parseModelReference, SDXL_VERSION, type ReplicateImageModelId, type ReplicateModelReference } from './replicate-models.js'
export { replicatePrices } from './replicate-prices.js'
export { parseReplicateError, predictionError } from './replicate-errors.js'
export { toReplicateInput, toReplicateCreate, toJobSnapshot, fromReplicateOutput } from './replicate-provider.js'
