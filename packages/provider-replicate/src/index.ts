import { packageVersion } from '@llmkit/core'
import type { ProviderPlugin } from '@llmkit/core'
import { parseReplicateError } from './replicate-errors.js'
import { isPinnedVersion, openReplicateModel, replicateModels } from './replicate-models.js'
import { replicatePrices } from './replicate-prices.js'
import { MAX_WAIT_SECONDS, type ReplicateWebhookEvent, createReplicateProvider } from './replicate-provider.js'

/** This package's version, from its package.json (next to both `src/` and `dist/`), for the `user-agent`. */
const PACKAGE_VERSION = packageVersion(import.meta.url, '../package.json', '@llmkit/provider-replicate')

/** Options of {@link replicate}. */
export interface ReplicateProviderOptions {
  /** Production base URL; `REPLICATE_BASE_URL` beats it. @defaultValue 'https://api.replicate.com/v1' */
  baseURL?: string | undefined
  /**
   * Seconds the create request waits for the prediction to finish (`Prefer: wait=N`, 1-60), or
   * `false` to return at once and poll. Jobs that finish in time cost one request; others are
   * polled right after the create answers. An abort during the wait returns at once, while the
   * create goes on in the background until it names the prediction, which is then cancelled
   * (`pendingCancellations()` waits for it).
   * @defaultValue 5
   */
  waitSeconds?: number | false | undefined
  /**
   * Your server's webhook, sent as `webhook` (and `webhook_events_filter` when `events` is set)
   * with every create: Replicate POSTs the prediction there (verify it with
   * {@link verifyReplicateWebhook}). The call still waits for the result as usual; when the caller
   * stops waiting (abort, `jobTimeoutMs`), the prediction is left running instead of cancelled and
   * the error's `requestId` is its id, which the webhook delivery carries.
   */
  webhook?: { url: string; events?: readonly ReplicateWebhookEvent[] | undefined } | undefined
}

const WEBHOOK_EVENTS: ReadonlySet<string> = new Set(['start', 'output', 'logs', 'completed'])

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
  const { webhook } = options
  if (webhook !== undefined && !/^https?:\/\/[^/]/.test(webhook.url)) throw new TypeError(`Expected \`webhook.url\` to be an http(s) URL, got ${JSON.stringify(webhook.url)}.`)
  const unknownEvent = webhook?.events?.find((e) => !WEBHOOK_EVENTS.has(e))
  if (unknownEvent !== undefined) throw new TypeError(`Expected \`webhook.events\` to hold start, output, logs or completed, got ${JSON.stringify(unknownEvent)}.`)
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
    create: createReplicateProvider({ waitSeconds, webhook }),
  }
}

export default replicate
export { replicateModels, isPinnedVersion, openReplicateModel, parseModelReference, SDXL_VERSION, type ReplicateImageModelId, type ReplicateModelReference } from './replicate-models.js'
export { replicatePrices } from './replicate-prices.js'
export { replicateImageModels, replicateImagePrices, FLUX_DEV_IMAGE_INPUTS, SDXL_IMAGE_INPUTS } from './replicate-image-models.js'
export { REPLICATE_IMAGE_FIELDS, replicateFile, replicateImageInput, type ReplicateImageFields } from './replicate-image-inputs.js'
export { parseReplicateError, predictionError } from './replicate-errors.js'
export { toReplicateInput, toReplicateCreate, toJobSnapshot, fromReplicateOutput, type ReplicateWebhookEvent } from './replicate-provider.js'
export {
  verifyReplicateWebhook,
  REPLICATE_WEBHOOK_DEFAULTS,
  type ReplicateWebhookDelivery,
  type ReplicateWebhookVerification,
  type ReplicateWebhookVerifyOptions,
} from './replicate-webhook.js'
export { replicatePredictionSchema, type ReplicatePrediction } from './replicate-api.js'
