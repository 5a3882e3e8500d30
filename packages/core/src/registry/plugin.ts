import type { ModelPrice } from '../cost/price.js'
import type { ParsedProviderError } from '../http/error-body.js'
import type { HttpRequest, HttpResponse, HttpStreamResponse } from '../http/transport.js'
import type { JournalBinding } from '../jobs/job-journal.js'
import type { JobRunner } from '../jobs/poll-job.js'
import type { Clock, Logger } from '../logger.js'
import type { ProgressListener } from '../progress.js'
import type { Usage } from '../response.js'
import type { Warning } from '../warnings.js'
import type { ModelCapabilities } from './capabilities.js'
import type { InputImage } from '../inputs/image-input.js'
import type { RequestOperation } from '../inputs/check-inputs.js'
import type { TraceHooks } from '../pipeline/tracing.js'

/**
 * The request a provider receives: validated against the model's capabilities, with sizes
 * mapped and unsupported settings already removed (and warned about) by the core.
 * Every key is present so a provider has to decide about each one.
 */
export interface NormalizedRequest {
  /** Model id as registered (table id, or the open id after `provider:`). */
  readonly modelId: string
  /** Id to send on the wire. */
  readonly wireModel: string
  /** The model's capability row. */
  readonly capabilities: ModelCapabilities
  /** The prompt. */
  readonly prompt: string
  /** Images for this call; never above `capabilities.maxImagesPerCall`. */
  readonly n: number
  /** Pixel size for `list`/`range` models (from `size` or `aspect_ratio`); undefined when the request gave neither. */
  readonly size: { readonly width: number; readonly height: number } | undefined
  /** `'W:H'` for `aspect` models (from `aspect_ratio`, or mapped from the size); undefined when the request gave neither. */
  readonly aspectRatio: string | undefined
  /** A quality tier from the model's list. */
  readonly quality: string | undefined
  /** A style from the model's list. */
  readonly style: string | undefined
  /** Format to ask the provider for (always a native one; the core converts afterwards). */
  readonly format: 'url' | 'b64_json'
  /** Negative prompt, only when the model honors it. */
  readonly negativePrompt: string | undefined
  /** Seed, only when the model takes one. */
  readonly seed: number | undefined
  /**
   * Output format from the model's `outputFormats`, only when the request asked for one the model
   * can choose. Optional so providers and tests written before it keep compiling.
   */
  readonly outputFormat?: 'png' | 'jpeg' | 'webp' | undefined
  /** Compression 0-100, only when the model honors it and `outputFormat` is `jpeg` or `webp`. */
  readonly outputCompression?: number | undefined
  /** Background from the model's `backgrounds`, only when the request asked for one. */
  readonly background?: 'transparent' | 'opaque' | 'auto' | undefined
  /** Known provider options only (unknown ones were warned about and removed). */
  readonly providerOptions: Readonly<Record<string, unknown>>
  /**
   * What to do: `'generate'` from text, or an operation of the row's `imageInputs` (`'edit'`,
   * `'inpaint'`, `'image-to-image'`, `'variation'`, ...). Choose the endpoint and body by it.
   * Optional so providers written before image inputs keep compiling (undefined means generate).
   */
  readonly operation?: RequestOperation | undefined
  /** Input images, read, sniffed and checked against the row; empty for `'generate'`. */
  readonly images?: readonly InputImage[] | undefined
  /** The mask, checked against the row's mask rules. */
  readonly mask?: InputImage | undefined
  /** Strength 0-1, only when the operation honors it. */
  readonly strength?: number | undefined
}

/** One image as a provider returns it. */
export interface ProviderImage {
  /** Download URL or `data:` URL. */
  url?: string | undefined
  /** Base64 bytes. */
  b64?: string | undefined
  /** MIME type, when the provider says. */
  mimeType?: string | undefined
  /** Prompt the model used. */
  revisedPrompt?: string | undefined
  /** Seed of the image. */
  seed?: number | undefined
  /** Width in pixels. */
  width?: number | undefined
  /** Height in pixels. */
  height?: number | undefined
  /** When the URL expires. */
  expiresAt?: Date | undefined
  /**
   * The provider flagged this image (NSFW, CONTENT_FILTERED) and may have blurred or blanked it.
   * The core turns it into a ContentPolicyError or a warning, never a silent image.
   */
  contentFiltered?: boolean | undefined
}

/** What `generate` returns. */
export interface ProviderResult {
  /** The images, in order. */
  images: ProviderImage[]
  /** Provider-side notices. */
  warnings?: Warning[] | undefined
  /** Usage, when reported. */
  usage?: Usage | undefined
  /** Provider request id. */
  requestId?: string | undefined
  /** Unix seconds, when the provider says. */
  created?: number | undefined
}

/**
 * Per-call options given to `generate`. Async providers pass them whole to
 * `ctx.jobs.run(spec, options)`, so a field added here reaches the job runner without
 * touching any provider.
 */
export interface CallOptions {
  /** Aborts the call (and, for async providers, cancels the job). */
  readonly signal: AbortSignal
  /**
   * Aborts the submit of an async job only: it also fires at the attempt deadline
   * (`attemptTimeoutMs`), so a hung submit is given up and retried, while an accepted job is
   * bounded by `jobTimeoutMs` instead. Undefined: `signal` alone bounds the submit.
   */
  readonly submitSignal?: AbortSignal | undefined
  /** Progress listener, for async providers through `ctx.jobs`. */
  readonly onProgress?: ProgressListener | undefined
  /** Deadline for an async job, in milliseconds. */
  readonly jobTimeoutMs?: number | undefined
  /**
   * The job journal of this call, set when the client has a `jobJournal` and the caller gave an
   * `idempotencyKey`. Pass it on to `ctx.jobs.run` (with the other options) so the job is recorded
   * and resumed instead of submitted twice.
   */
  readonly journal?: JournalBinding | undefined
  /** Child spans of the traced attempt (the client's `tracing` option): the job runner puts each poll in one. */
  readonly trace?: TraceHooks | undefined
}

/** A request sent through {@link ProviderHttp}: a path is resolved against the base URL. */
export interface ProviderHttpRequest extends Omit<HttpRequest, 'url'> {
  /** Path below the base URL (`/images/generations`), or `url` for an absolute URL. */
  path?: string | undefined
  /** Absolute URL (e.g. a status URL returned by the provider). */
  url?: string | undefined
  /** Model id, named in error messages. */
  model?: string | undefined
  /** Extra statuses to return instead of throwing (e.g. 404 on a cancel). */
  acceptStatus?: readonly number[] | undefined
}

/** HTTP bound to one provider: base URL, error parsing and key redaction are done for it. */
export interface ProviderHttp {
  /**
   * Sends the request. A non-2xx status (outside `acceptStatus`) throws the mapped llmkit error.
   */
  request(req: ProviderHttpRequest): Promise<HttpResponse>
  /**
   * Sends the request and hands a 2xx (or `acceptStatus`) answer to `consume` as a stream, for
   * answers read as they arrive (server-sent events). Any other status throws the mapped llmkit
   * error, as {@link ProviderHttp.request} does, before `consume` is called. A failure once a
   * POST was sent in full (reset, timeout, abort, or an error `consume` throws after a 2xx) is
   * marked `mayHaveBeenCharged`.
   */
  stream<T>(req: ProviderHttpRequest, consume: (res: HttpStreamResponse) => Promise<T>): Promise<T>
}

/** What a plugin's `create` receives from the core. */
export interface ProviderContext {
  /** Provider id. */
  readonly providerId: string
  /** The API key (never log it). */
  readonly apiKey: string
  /** Base URL without a trailing slash. */
  readonly baseUrl: string
  /** Provider-bound HTTP. */
  readonly http: ProviderHttp
  /** Shared job polling for async providers. */
  readonly jobs: JobRunner
  /** Logger. */
  readonly logger: Logger
  /** Clock. */
  readonly clock: Clock
  /** The environment the client was built from (organization headers and the like). */
  readonly env: Readonly<Record<string, string | undefined>>
}

/** A configured provider, made by {@link ProviderPlugin.create}. */
export interface ImageProvider {
  /** Generates up to `capabilities.maxImagesPerCall` images. */
  generate(request: NormalizedRequest, options: CallOptions): Promise<ProviderResult>
}

/** A rate limit a provider documents, for the core's limiter. */
export interface RateLimit {
  /** Requests allowed per interval. */
  requests: number
  /** Interval length in milliseconds. */
  intervalMs: number
}

/**
 * The plugin contract: data about the provider plus a factory. Write one to add a provider
 * without touching the core.
 *
 * @example
 * ```ts
 * export function myProvider(): ProviderPlugin {
 *   return { id: 'mine', envKeys: ['MINE_API_KEY'], defaultBaseUrl: 'https://api.mine.dev',
 *            models: myModels, create: (ctx) => ({ generate: (req, opts) => ... }) }
 * }
 * ```
 */
export interface ProviderPlugin {
  /** Short id, also the `provider:` prefix, e.g. `openai`. */
  readonly id: string
  /** Human name. */
  readonly displayName?: string | undefined
  /** npm package name, shown in listings and install hints. */
  readonly packageName?: string | undefined
  /** Version of that package, sent in the `user-agent` after llmkit's own (`@llmkit/provider-openai/0.1.0`). */
  readonly packageVersion?: string | undefined
  /** Environment variables holding the key; the first one set wins. */
  readonly envKeys: readonly string[]
  /** Environment variables overriding the base URL (emulator, proxies); the first one set wins. */
  readonly baseUrlEnv?: readonly string[] | undefined
  /** Production base URL. */
  readonly defaultBaseUrl: string
  /** Capability table. */
  readonly models: readonly ModelCapabilities[]
  /** Documented rate limit, respected by the core's limiter. */
  readonly rateLimit?: RateLimit | undefined
  /**
   * Whether the core retries an attempt whose outcome was ambiguous (sent in full, no status
   * back: the provider may have done and billed the work). Users can override it per client
   * (`retry.ambiguous`). @defaultValue `'retry'` for sync models, `'fail'` for async ones
   * (see DEFAULT_AMBIGUOUS_RETRY in the core's retry middleware for the reasoning)
   */
  readonly ambiguousRetry?: 'retry' | 'fail' | undefined
  /**
   * Price per image of the table models, with source and date, for `response.cost`,
   * `client.estimateCost()` and budgets. A model without a price costs `undefined`.
   */
  readonly prices?: readonly ModelPrice[] | undefined
  /** Open-ended ids this plugin takes without a `provider:` prefix (e.g. a pinned Replicate version). */
  claims?(modelId: string): boolean
  /** Capabilities for an id outside the table (given with the prefix, or claimed). */
  openModel?(modelId: string): ModelCapabilities | undefined
  /** Reads an error body; never throws. */
  parseError?(res: HttpResponse): ParsedProviderError
  /** Builds the provider for one client. */
  create(ctx: ProviderContext): ImageProvider
}
