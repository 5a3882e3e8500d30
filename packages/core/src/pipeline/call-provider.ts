import { ContentPolicyError, UnsupportedCapabilityError } from '../errors.js'
import { downloadImage } from '../http/download.js'
import type { HttpTransport } from '../http/transport.js'
import { parseDataUrl, sniffBase64Type } from '../media.js'
import type { ProviderImage } from '../registry/plugin.js'
import { type JobJournal, journalBinding } from '../jobs/job-journal.js'
import type { ProviderRegistry } from '../registry/provider-registry.js'
import { GeneratedImage, ImageGenerationResponse } from '../response.js'
import type { Warning } from '../warnings.js'
import type { GenerationContext } from './context.js'
import type { Terminal } from './compose.js'

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
}

/**
 * The innermost handler: calls the provider once, then honors the requested format (downloads
 * URLs for `b64_json`, turns bytes into `data:` URLs for `url`) and reports flagged images.
 */
export function callProvider(options: CallProviderOptions): Terminal {
  const contentFilter = options.contentFilter ?? 'error'
  return async function callProviderTerminal(ctx: GenerationContext): Promise<ImageGenerationResponse> {
    const normalized = ctx.normalized
    if (normalized === undefined) throw new Error('callProvider needs ctx.normalized; the validateCapabilities middleware must run first')
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
    })
    const providerMs = ctx.clock.now() - started
    const warnings: Warning[] = [...(result.warnings ?? []), ...(journal?.warnings ?? [])]
    const flagged = result.images.filter((image) => image.contentFiltered)
    if (flagged.length > 0) {
      const what = `${flagged.length} of ${result.images.length} image(s) were flagged by ${ctx.providerId}'s safety checker`
      if (contentFilter === 'error') {
        throw new ContentPolicyError(`${ctx.providerId} ${ctx.model.modelId}: ${what} (they may be blurred or blank). Rephrase the prompt, or pass contentFilter: 'warn' to receive them with a warning`, {
          provider: ctx.providerId,
          model: ctx.model.modelId,
          requestId: result.requestId,
        })
      }
      warnings.push({ type: 'content', message: `${what}; they may be blurred or blank` })
    }
    const wanted = ctx.request.format ?? 'url'
    const downloadStarted = ctx.clock.now()
    const images = await Promise.all(result.images.map((image) => toGeneratedImage(image, wanted, ctx, options.transport)))
    const downloadMs = wanted === 'b64_json' && result.images.some((i) => i.b64 === undefined) ? ctx.clock.now() - downloadStarted : undefined
    return new ImageGenerationResponse({
      created: result.created ?? Math.floor(ctx.clock.now() / 1000),
      images,
      warnings,
      provider: ctx.providerId,
      model: ctx.model.modelId,
      usage: result.usage,
      timings: { totalMs: ctx.clock.now() - started, providerMs, downloadMs },
      requestIds: result.requestId === undefined ? [] : [result.requestId],
    })
  }
}

async function toGeneratedImage(image: ProviderImage, wanted: 'url' | 'b64_json', ctx: GenerationContext, transport: HttpTransport): Promise<GeneratedImage> {
  let b64 = image.b64
  let url = image.url
  let mimeType = image.mimeType
  const data = url === undefined ? undefined : parseDataUrl(url)
  if (b64 === undefined && data !== undefined) {
    b64 = data.base64
    mimeType ??= data.mimeType
  }
  if (wanted === 'b64_json' && b64 === undefined && url !== undefined) {
    // Provider URLs expire (OpenAI 60 min, Replicate 1 h), so base64 is fetched now, while it works.
    const downloaded = await downloadImage(url, { transport, signal: ctx.signal })
    b64 = downloaded.bytes.toString('base64')
    mimeType = downloaded.mimeType ?? mimeType
  }
  if (b64 !== undefined && mimeType === undefined) mimeType = sniffBase64Type(b64)
  if (wanted === 'url' && url === undefined && b64 !== undefined) url = `data:${mimeType ?? 'application/octet-stream'};base64,${b64}`
  return new GeneratedImage({
    url,
    b64_json: wanted === 'b64_json' ? b64 : undefined,
    revised_prompt: image.revisedPrompt,
    mimeType,
    seed: image.seed,
    width: image.width,
    height: image.height,
    expiresAt: image.expiresAt,
  })
}
