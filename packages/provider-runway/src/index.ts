import { packageVersion } from '@llmkit/core'
import type { ProviderPlugin } from '@llmkit/core'
import { parseRunwayError } from './runway-errors.js'
import { runwayModels } from './runway-models.js'
import { openRunwayModel } from './runway-open-model.js'
import { runwayPrices } from './runway-prices.js'
import { createRunwayProvider } from './runway-provider.js'

/** This package's version, from its package.json (next to both `src/` and `dist/`), for the `user-agent`. */
const PACKAGE_VERSION = packageVersion(import.meta.url, '../package.json', '@llmkit/provider-runway')

/** Options of {@link runway}. */
export interface RunwayProviderOptions {
  /** Production base URL. @defaultValue 'https://api.dev.runwayml.com' */
  baseURL?: string | undefined
  /**
   * Wait between task status requests, in milliseconds. Runway updates tasks no more often than
   * every 5 s and asks clients not to poll faster (its SDK waits 6 s ± 1.5 s, before the first
   * check too); lower it only against the emulator. The first check comes right after the submit,
   * so a task that is ready at once is returned without waiting an interval.
   * @defaultValue 5000
   */
  pollIntervalMs?: number | undefined
  /** Longest wait while a task does not change, in milliseconds. @defaultValue twice `pollIntervalMs` */
  maxPollIntervalMs?: number | undefined
}

/** Defaults of {@link RunwayProviderOptions}, written as data. */
export const DEFAULT_RUNWAY_OPTIONS = Object.freeze({
  baseURL: 'https://api.dev.runwayml.com',
  pollIntervalMs: 5_000,
})

function positiveMs(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (!Number.isFinite(value) || value <= 0) throw new TypeError(`Expected \`${name}\` to be a positive number of milliseconds, got ${String(value)}.`)
  return value
}

/**
 * The Runway provider: Gen-4 Image (and Turbo), plus GPT Image 2 and the Gemini image models
 * Runway serves on the same task API. Reads `RUNWAYML_API_SECRET` (the SDK's name) or
 * `RUNWAY_API_KEY`, and `RUNWAYML_BASE_URL` / `RUNWAY_BASE_URL`.
 *
 * @throws TypeError when a polling option is not a positive number.
 * @example
 * ```ts
 * import { LLMKitClient } from '@llmkit/core'
 * import { runway } from '@llmkit/provider-runway'
 * const client = new LLMKitClient({ providers: [runway()] })
 * const response = await client.generateImage({ model: 'gen4_image', prompt: 'A lighthouse at dusk', size: '1920x1080' })
 * ```
 */
export function runway(options: RunwayProviderOptions = {}): ProviderPlugin {
  const pollIntervalMs = positiveMs('pollIntervalMs', options.pollIntervalMs, DEFAULT_RUNWAY_OPTIONS.pollIntervalMs)
  const maxPollIntervalMs = positiveMs('maxPollIntervalMs', options.maxPollIntervalMs, pollIntervalMs * 2)
  if (maxPollIntervalMs < pollIntervalMs) throw new TypeError('Expected `maxPollIntervalMs` to be at least `pollIntervalMs`.')
  return {
    id: 'runway',
    displayName: 'Runway',
    packageName: '@llmkit/provider-runway',
    packageVersion: PACKAGE_VERSION,
    envKeys: ['RUNWAYML_API_SECRET', 'RUNWAY_API_KEY'],
    baseUrlEnv: ['RUNWAYML_BASE_URL', 'RUNWAY_BASE_URL'],
    defaultBaseUrl: options.baseURL ?? DEFAULT_RUNWAY_OPTIONS.baseURL,
    models: runwayModels,
    // `runway:<id>` opens a newer or unlisted model with a guessed row (and a warning).
    openModel: openRunwayModel,
    prices: runwayPrices,
    parseError: parseRunwayError,
    create: (ctx) => createRunwayProvider(ctx, { pollIntervalMs, maxPollIntervalMs }),
  }
}

export default runway
export { runwayModels, RUNWAY_MAX_INPUT_BYTES, type RunwayImageModelId } from './runway-models.js'
export { openRunwayModel } from './runway-open-model.js'
export { runwayPrices } from './runway-prices.js'
export { parseRunwayError, taskFailureError, isModerationCode, type TaskFailureContext } from './runway-errors.js'
export { toRunwayRequest, fromRunwayTask, type RunwayPolling } from './runway-provider.js'
export { RUNWAY_API_VERSION, type RunwayTextToImageRequest, type RunwayReferenceImage, type RunwayTask } from './runway-api.js'
