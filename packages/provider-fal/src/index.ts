import { packageVersion } from '@llmkit/core'
import type { ProviderPlugin } from '@llmkit/core'
import { parseFalError } from './fal-errors.js'
import { falModels, openFalModel } from './fal-models.js'
import { falPrices } from './fal-prices.js'
import { createFalProvider } from './fal-provider.js'

/** This package's version, from its package.json (next to both `src/` and `dist/`), for the `user-agent`. */
const PACKAGE_VERSION = packageVersion(import.meta.url, '../package.json', '@llmkit/provider-fal')

/** Options of {@link fal}. */
export interface FalProviderOptions {
  /** Queue base URL. @defaultValue 'https://queue.fal.run' */
  baseURL?: string | undefined
  /**
   * Your server's webhook, its `url` sent as `fal_webhook` with every submit: fal POSTs the outcome
   * there (verify it with {@link verifyFalWebhook}). The call still waits for the result as
   * usual; when the caller stops waiting (abort, `jobTimeoutMs`), the job is left running instead
   * of cancelled and the error's `requestId` is its id, which the webhook delivery names.
   */
  webhook?: { url: string } | undefined
  /**
   * Follow the queue's status stream (`…/status/stream`, server-sent events) instead of polling
   * every 500 ms; when it fails, llmkit polls. @defaultValue true
   */
  statusStream?: boolean | undefined
}

/**
 * The fal.ai provider: FLUX.1 [dev], FLUX.1 [schnell], Stable Diffusion 3 Medium, and any other
 * fal application through the `fal:` prefix (`fal:fal-ai/flux-pro/v1.1`). Jobs go through
 * fal's queue API; llmkit's core does the polling, cancelling and progress events.
 *
 * The key is read from `FAL_KEY` (the name the official `@fal-ai/client` SDK reads, so an
 * existing fal setup works as is) or `FAL_API_KEY` (the name in llmkit's seed documentation);
 * the first one set wins. `FAL_BASE_URL` points it at a proxy or the llmkit emulator.
 *
 * @example
 * ```ts
 * import { LLMKitClient } from '@llmkit/core'
 * import { fal } from '@llmkit/provider-fal'
 * const client = new LLMKitClient({ providers: [fal()] })
 * const response = await client.generateImage({ model: 'fal-ai/flux/schnell', prompt: 'A red fox' }, {
 *   onProgress: (e) => console.log(e.type, e.position ?? e.progress ?? ''),
 * })
 * ```
 */
export function fal(options: FalProviderOptions = {}): ProviderPlugin {
  const { webhook, statusStream } = options
  if (webhook !== undefined && !/^https?:\/\/[^/]/.test(webhook.url)) throw new TypeError(`Expected \`webhook.url\` to be an http(s) URL, got ${JSON.stringify(webhook.url)}.`)
  return {
    id: 'fal',
    displayName: 'fal.ai',
    packageName: '@llmkit/provider-fal',
    packageVersion: PACKAGE_VERSION,
    envKeys: ['FAL_KEY', 'FAL_API_KEY'],
    baseUrlEnv: ['FAL_BASE_URL'],
    defaultBaseUrl: options.baseURL ?? 'https://queue.fal.run',
    models: falModels,
    prices: falPrices,
    // Ids under fal's own namespace need no prefix; other owners do (`fal:owner/app`).
    claims: (modelId) => modelId.startsWith('fal-ai/') && openFalModel(modelId) !== undefined,
    openModel: openFalModel,
    parseError: parseFalError,
    create: (ctx) => createFalProvider(ctx, { webhookUrl: webhook?.url, statusStream }),
  }
}

export default fal
export { falModels, openFalModel, type FalImageModelId } from './fal-models.js'
export { falPrices } from './fal-prices.js'
export { falImageModels, falImagePrices } from './fal-image-models.js'
export { FAL_IMAGE_FIELDS, falDocument, toFalImageInput, type FalImageFields } from './fal-image-inputs.js'
export { parseFalError } from './fal-errors.js'
export { toFalRequest, fromFalResponse, falAppId, parseFalStatusEvent, type FalProviderSettings } from './fal-provider.js'
export {
  verifyFalWebhook,
  FAL_JWKS_URL,
  FAL_WEBHOOK_DEFAULTS,
  type FalWebhookEvent,
  type FalWebhookVerification,
  type FalWebhookVerifyOptions,
  type FalJwk,
  type FalJwks,
} from './fal-webhook.js'
/** A webhook delivery (headers and raw body), as the core defines it for every provider's verifier. */
export type { WebhookDelivery } from '@llmkit/core'
export { FAL_IMAGE_SIZE_PRESETS, type FalInput, type FalImageSizePreset } from './fal-api.js'
