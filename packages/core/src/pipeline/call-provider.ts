import { ContentPolicyError, UnsupportedCapabilityError } from '../errors.js'
import { bindImageDownloads, type ImageDownloadOptions } from '../http/download.js'
import type { HttpTransport } from '../http/transport.js'
import { parseDataUrl, sniffBase64Type } from '../media.js'
import type { ProviderImage } from '../registry/plugin.js'
import { type JobJournal, journalBinding } from '../jobs/job-journal.js'
import type { ProviderRegistry } from '../registry/provider-registry.js'
import { GeneratedImage, ImageGenerationResponse } from '../response.js'
import type { Warning } from '../warnings.js'
import { type GenerationContext, requireNormalized } from './context.js'
import type { Terminal } from './compose.js'
import { traceHooksOf } from './tracing.js'
import { checkProviderResult, DEFAULT_DOWNLOAD_SETTINGS, type DeliveryPlan, type DownloadSettings, downloadTrust, markPendingDownload, paidWorkOf } from './deliver.js'

/** What to do with an image the provider flagged (NSFW, CONTENT_FILTERED). */
export type ContentFilterPolicy = 'error' | 'warn'

/** Options of {@link callProvider}. */
export interface CallProviderOptions {
  /** Registry holding the provider instances. */
  registry: ProviderRegistry
  /** Transport used to download URLs when base64 was asked for. */
  transport: HttpTransport
  /** Flagged images: a ContentPolicyError, or kept with a warning. @defaultValue 'error' */
  contentFilter?: ContentFilterPolicy | undefined
  /** Job journal handed to async providers for calls with an idempotency key. @defaultValue none */
  jobJournal?: JobJournal | undefined
  /** Download guard, limits and retry of the `deliver` step. @defaultValue {@link DEFAULT_DOWNLOAD_SETTINGS}, public https only */
  downloads?: DownloadSettings | undefined
  /**
   * The transport was built on a caller's own dispatcher (proxy, mock), which resolves and
   * connects by itself: untrusted download hosts are then checked once before the request.
   */
  customDispatcher?: boolean | undefined
  /** The client's {@link downloadTrust} (shared with the cache); built from the options above when not given. */
  downloadsFor?: ((ctx: Pick<GenerationContext, 'providerId' | 'model'>) => ImageDownloadOptions) | undefined
}

/**
 * The innermost handler, the one step the retry middleware repeats: calls the provider once,
 * checks what came back ({@link checkProviderResult}: count, data, base64, image bytes), reports
 * flagged images, and honors the requested format where no network is needed (bytes become
 * `data:` URLs for `url`). Images whose bytes must be downloaded (`b64_json` from a URL-only
 * provider) are returned as placeholders for the `deliver` middleware, which sits above `retry`:
 * a failing image host must never make the retry submit a new paid generation.
 */
export function callProvider(options: CallProviderOptions): Terminal {
  const contentFilter = options.contentFilter ?? 'error'
  const settings = options.downloads ?? {}
  const retry = {
    maxAttempts: settings.maxAttempts ?? DEFAULT_DOWNLOAD_SETTINGS.maxAttempts,
    initialDelayMs: settings.initialDelayMs ?? DEFAULT_DOWNLOAD_SETTINGS.initialDelayMs,
    maxDelayMs: settings.maxDelayMs ?? DEFAULT_DOWNLOAD_SETTINGS.maxDelayMs,
    random: settings.random ?? Math.random,
  }
  // One set of download options per provider: its configured base URL's origin is trusted as the API is.
  const downloadsFor = options.downloadsFor ?? downloadTrust({ registry: options.registry, transport: options.transport, downloads: settings, customDispatcher: options.customDispatcher })
  return async function callProviderTerminal(ctx: GenerationContext): Promise<ImageGenerationResponse> {
    const normalized = requireNormalized(ctx, 'callProvider')
    const max = normalized.capabilities.maxImagesPerCall
    if (normalized.n > max) {
      throw new UnsupportedCapabilityError(`${ctx.model.modelId} returns at most ${max} image(s) per call, asked for ${normalized.n}; keep the splitN middleware in the pipeline`, {
        provider: ctx.providerId,
        model: ctx.model.modelId,
        param: 'n',
      })
    }
    const provider = options.registry.providerFor(ctx.model.plugin, ctx.model.modelId)
    const started = ctx.clock.now()
    const journal = journalBinding(ctx, options.jobJournal)
    const result = await provider.generate(normalized, {
      journal,
      signal: ctx.signal,
      submitSignal: ctx.submitSignal,
      onProgress: ctx.onProgress && ((event) => ctx.onProgress?.({ ...event, part: ctx.part })),
      jobTimeoutMs: ctx.jobTimeoutMs,
      trace: traceHooksOf(ctx),
    })
    const providerMs = ctx.clock.now() - started
    const paid = paidWorkOf(result, ctx)
    checkProviderResult(result, normalized.n, ctx, paid)
    const warnings: Warning[] = [...(result.warnings ?? []), ...(journal?.warnings ?? [])]
    const flagged = result.images.filter((image) => image.contentFiltered)
    if (flagged.length > 0) {
      const what = `${flagged.length} of ${result.images.length} image(s) were flagged by ${ctx.providerId}'s safety checker`
      if (contentFilter === 'error') {
        throw new ContentPolicyError(`${ctx.providerId} ${ctx.model.modelId}: ${what} (they may be blurred or blank). Rephrase the prompt, or pass contentFilter: 'warn' to receive them with a warning`, {
          provider: ctx.providerId,
          model: ctx.model.modelId,
          requestId: result.requestId,
          paid,
        })
      }
      warnings.push({ type: 'content', message: `${what}; they may be blurred or blank` })
    }
    const wanted = ctx.request.format ?? 'url'
    const downloads = downloadsFor(ctx)
    const plan: DeliveryPlan = { paid, transport: options.transport, download: downloads, retry }
    const images = result.images.map((image) => toGeneratedImage(image, wanted, plan, downloads))
    return new ImageGenerationResponse({
      created: result.created ?? Math.floor(ctx.clock.now() / 1000),
      images,
      warnings,
      provider: ctx.providerId,
      model: ctx.model.modelId,
      usage: result.usage,
      timings: { totalMs: ctx.clock.now() - started, providerMs },
      requestIds: result.requestId === undefined ? [] : [result.requestId],
    })
  }
}

function toGeneratedImage(image: ProviderImage, wanted: 'url' | 'b64_json', plan: DeliveryPlan, downloads: ImageDownloadOptions): GeneratedImage {
  let b64 = image.b64
  let url = image.url
  let mimeType = image.mimeType
  const data = url === undefined ? undefined : parseDataUrl(url)
  if (b64 === undefined && data !== undefined) {
    b64 = data.base64
    mimeType ??= data.mimeType
  }
  // The bytes win over the provider's word (a `.png` URL may serve WebP); checkProviderResult made sure they are an image.
  if (b64 !== undefined) mimeType = sniffBase64Type(b64) ?? mimeType
  if (wanted === 'url' && url === undefined && b64 !== undefined) url = `data:${mimeType ?? 'application/octet-stream'};base64,${b64}`
  const generated = new GeneratedImage({
    url,
    b64_json: wanted === 'b64_json' ? b64 : undefined,
    revised_prompt: image.revisedPrompt,
    mimeType,
    seed: image.seed,
    width: image.width,
    height: image.height,
    expiresAt: image.expiresAt,
  })
  bindImageDownloads(generated, downloads)
  // Provider URLs expire (OpenAI 60 min, Replicate 1 h), so base64 is fetched right away, by `deliver`.
  if (wanted === 'b64_json' && b64 === undefined && url !== undefined) markPendingDownload(generated, url, image, plan)
  return generated
}
