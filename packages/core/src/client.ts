import { container as rootContainer } from 'tsyringe'
import { InvalidRequestError, LLMKitError } from './errors.js'
import { HttpTransport, type TransportOptions } from './http/transport.js'
import { type Clock, type Logger, silentLogger, systemClock } from './logger.js'
import type { ProgressEvent, ProgressListener } from './progress.js'
import { type ImageGenerationRequestInit, ImageGenerationRequest } from './request.js'
import { redactResponse, SecretRedactor } from './redact.js'
import { clientLogger } from './pipeline/logging.js'
import type { ImageGenerationResponse } from './response.js'
import type { ModelCapabilities } from './registry/capabilities.js'
import { discoverProviders, type ModuleImporter } from './registry/discover.js'
import type { ProviderPlugin } from './registry/plugin.js'
import { type ModelListing, ProviderRegistry, TOKENS, type RegistrySettings } from './registry/provider-registry.js'
import { abortError } from './http/transport.js'
import { type BuiltinOptions, builtinMiddleware } from './pipeline/builtins.js'
import { type CallProviderOptions, callProvider } from './pipeline/call-provider.js'
import { checkDownloadSettings, type DownloadSettings, downloadTrust } from './pipeline/deliver.js'
import { compose, type Terminal } from './pipeline/compose.js'
import { createContext, type Middleware } from './pipeline/context.js'
import { tracedAttempts, tracing, type TracingOptions } from './pipeline/tracing.js'
import { type BudgetOptions, createMemoryBudgetStore, DEFAULT_BUDGET_OPTIONS, generationCost, priceFor } from './pipeline/budget.js'
import { normalizeRequest } from './pipeline/normalize-request.js'
import { priceRequest } from './cost/estimate.js'
import type { CostEstimate } from './cost/price.js'
import { RateLimiter, rateLimitBucket } from './pipeline/rate-limit.js'
import type { JobJournal, JournalCallInfo } from './jobs/job-journal.js'
import { checkImageRequest } from './inputs/check-inputs.js'
import { MAX_INPUT_BYTES, resolveInputs, type ResolvedInputs } from './inputs/image-input.js'
import { downloadImage } from './http/download.js'

/** Options of {@link LLMKitClient}. */
export interface LLMKitClientOptions extends BuiltinOptions {
  /** Provider plugins to use. Given: no discovery. @defaultValue discovered installed packages (fromEnv) */
  providers?: readonly ProviderPlugin[] | undefined
  /** User middleware, outermost first; same as calling `use()` for each. */
  middleware?: readonly Middleware[] | undefined
  /**
   * OpenTelemetry spans through `@opentelemetry/api` (an optional peer dependency, loaded only
   * when this is set): one span per generation with attempt, poll and download children, GenAI
   * semantic conventions. `true` uses the registered tracer provider. @defaultValue off
   */
  tracing?: TracingOptions | boolean | undefined
  /** API keys by provider id; beat the environment. */
  apiKeys?: Readonly<Record<string, string | undefined>> | undefined
  /** Base URLs by provider id (gateways, the emulator); beat `<PROVIDER>_BASE_URL`. */
  baseUrls?: Readonly<Record<string, string | undefined>> | undefined
  /** Environment to read keys and base URLs from. @defaultValue process.env */
  env?: Readonly<Record<string, string | undefined>> | undefined
  /** HTTP settings: dispatcher, timeouts, response cap. */
  transport?: TransportOptions | undefined
  /** Logger with pino's shape. @defaultValue silent */
  logger?: Logger | undefined
  /** Clock. @defaultValue the system clock */
  clock?: Clock | undefined
  /** Images a provider flagged: a ContentPolicyError, or kept with a warning. @defaultValue 'error' */
  contentFilter?: CallProviderOptions['contentFilter']
  /** Deadline of one async job, in milliseconds. @defaultValue 600000 */
  jobTimeoutMs?: number | undefined
  /**
   * Image downloads (to honor `b64_json`, and `bytes()` / `save()` of this client's images): each
   * provider's configured base URL origin is trusted; `allowHosts` adds other trusted hosts;
   * anything else must be https to a public address. Retry and size limits.
   * @defaultValue `DEFAULT_DOWNLOAD_SETTINGS` (3 tries, 64 MiB, 120 s), no extra hosts
   */
  downloads?: DownloadSettings | undefined
  /**
   * Records every async job of a call given an `idempotencyKey` (intent, job id, result), so a
   * repeated call, another process or {@link LLMKitClient.resumeJobs} resumes the job instead of
   * paying for it twice. Forms: `createMemoryJobJournal()`, `createFileJobJournal(path)`, and
   * `createRedisState().jobJournal` from `@llmkit/redis`. @defaultValue none
   */
  jobJournal?: JobJournal | undefined
  /** How provider packages are imported during discovery (tests). @internal */
  importer?: ModuleImporter | undefined
}

/** Per-call options of {@link LLMKitClient.generateImage}. */
export interface GenerateOptions {
  /** Cancels waiting, sleeping and, for async providers, the remote job. */
  signal?: AbortSignal | undefined
  /** Receives job progress (queued, running, completed) from async providers. */
  onProgress?: ProgressListener | undefined
  /** Deadline of an async job for this call, in milliseconds (the job is cancelled after it). @defaultValue the client's `jobTimeoutMs` (600000) */
  jobTimeoutMs?: number | undefined
  /**
   * Names this call for the client's `jobJournal`: a call with a key already recorded resumes its
   * job (or returns its result) instead of submitting again. Parts of a split request are recorded
   * as `${key}#${part}`. Without a key nothing is recorded: two identical calls are two images.
   * Anything but a non-empty string is an {@link InvalidRequestError} with `param: 'idempotencyKey'`,
   * before any work.
   */
  idempotencyKey?: string | undefined
}

/** Options of {@link LLMKitClient.resumeJobs}. */
export interface ResumeJobsOptions {
  /** `'finish'` waits for each recorded job; `'cancel'` cancels it at the provider. @defaultValue 'finish' */
  action?: 'finish' | 'cancel' | undefined
  /** Aborts the waiting. */
  signal?: AbortSignal | undefined
  /** Job progress. */
  onProgress?: ProgressListener | undefined
}

/** The outcome of one resumed call of {@link LLMKitClient.resumeJobs}. */
export interface ResumedJob {
  /** The call's idempotency key. */
  idempotencyKey: string
  /** The response, when the call finished. */
  response?: ImageGenerationResponse | undefined
  /** Why it did not (a cancelled job gives an `AbortError`). */
  error?: unknown
}

const neverAborts = new AbortController().signal

/** An AbortSignal, or one from another realm or a polyfill (which fails instanceof but works). */
function isSignalLike(value: unknown): boolean {
  try {
    if (value instanceof AbortSignal) return true
    const s = value as { aborted?: unknown; addEventListener?: unknown; removeEventListener?: unknown }
    return typeof value === 'object' && value !== null && typeof s.aborted === 'boolean' && typeof s.addEventListener === 'function' && typeof s.removeEventListener === 'function'
  } catch {
    return false
  }
}

/**
 * Per-call options are caller input too: a wrong one is an InvalidRequestError naming it before
 * any work, not a TypeError from deep inside a wait.
 */
function checkGenerateOptions(options: unknown): asserts options is GenerateOptions {
  const bad = (param: string, what: string) => new InvalidRequestError(`Invalid ${param}: expected ${what}`, { param })
  if (options === null || typeof options !== 'object') throw bad('options', `an object such as { signal }, got ${options === null ? 'null' : typeof options}`)
  let signal: unknown, onProgress: unknown, jobTimeoutMs: unknown, idempotencyKey: unknown
  try {
    ;({ signal, onProgress, jobTimeoutMs, idempotencyKey } = options as Record<string, unknown>)
  } catch {
    throw bad('options', 'a plain object (reading it threw)')
  }
  if (signal !== undefined && !isSignalLike(signal)) throw bad('signal', 'an AbortSignal')
  if (onProgress !== undefined && typeof onProgress !== 'function') throw bad('onProgress', 'a function')
  if (jobTimeoutMs !== undefined && !(typeof jobTimeoutMs === 'number' && Number.isFinite(jobTimeoutMs) && jobTimeoutMs > 0)) {
    throw bad('jobTimeoutMs', 'a positive number of milliseconds')
  }
  checkIdempotencyKey(idempotencyKey)
}

/** @throws InvalidRequestError naming `idempotencyKey` unless it is undefined or a non-empty string. */
function checkIdempotencyKey(key: unknown): void {
  if (key === undefined || (typeof key === 'string' && key !== '')) return
  const got = key === '' ? 'an empty string' : key === null ? 'null' : typeof key
  throw new InvalidRequestError(`Invalid idempotencyKey: expected a non-empty string that names this request, got ${got}`, { param: 'idempotencyKey' })
}

/**
 * The entry point: one typed call for every installed provider.
 *
 * @example
 * ```ts
 * const client = LLMKitClient.fromEnv()
 * const response = await client.generateImage(new ImageGenerationRequest('dall-e-3', 'A cat'))
 * console.log(response.first()?.url)
 * ```
 */
export class LLMKitClient {
  readonly #options: LLMKitClientOptions
  readonly #registry: ProviderRegistry
  readonly #transport: HttpTransport
  readonly #logger: Logger
  readonly #clock: Clock
  /** Redacts every key this client holds, by value, from what it hands out (errors, responses, logs). */
  readonly #secrets: SecretRedactor = new SecretRedactor(() => this.#registry.secrets())
  readonly #userMiddleware: Middleware[] = []
  /** Built once per client: the cache, limiter and breaker state must outlive `use()` calls. */
  readonly #builtins: readonly Middleware[]
  readonly #rateLimiter: RateLimiter | undefined
  readonly #downloadsFor: ReturnType<typeof downloadTrust>
  #ready: Promise<void> | undefined
  #pipeline: Terminal | undefined

  constructor(options: LLMKitClientOptions = {}) {
    // The default budget store is made here, so the client can read and reset the budget it enforces.
    if (options.budget !== undefined && options.budget !== null && typeof options.budget === 'object' && options.budget.store === undefined) {
      options = { ...options, budget: { ...options.budget, store: createMemoryBudgetStore() } }
    }
    this.#options = options
    this.#logger = clientLogger(options.logger ?? silentLogger, this.#secrets)
    this.#clock = options.clock ?? systemClock
    this.#transport = new HttpTransport(options.transport)
    const settings: RegistrySettings = {
      env: options.env ?? { ...process.env },
      apiKeys: options.apiKeys ?? {},
      baseUrls: options.baseUrls ?? {},
      jobTimeoutMs: options.jobTimeoutMs,
      onResponse: (plugin, res, now) =>
        this.#rateLimiter?.observe(
          plugin,
          res.status,
          res.headers,
          (error) => this.#logger.warn({ event: 'rateLimit.store_error', provider: plugin.id, operation: 'block', error: String(error) }, 'rate-limit store failed'),
          now,
        ),
    }
    if (options.jobJournal !== undefined) {
      for (const method of ['claim', 'accept', 'finish', 'release', 'get', 'pending'] as const) {
        if (typeof options.jobJournal[method] !== 'function') throw new TypeError(`Expected \`jobJournal\` to have a ${method}() method (a JobJournal).`)
      }
    }
    const di = rootContainer.createChildContainer()
    di.registerInstance(TOKENS.transport, this.#transport)
    di.registerInstance(TOKENS.logger, this.#logger)
    di.registerInstance(TOKENS.clock, this.#clock)
    di.registerInstance(TOKENS.settings, settings)
    this.#registry = di.resolve(ProviderRegistry)
    if (options.providers !== undefined) {
      this.#registry.register(options.providers)
      this.#ready = Promise.resolve()
    }
    checkDownloadSettings(options.downloads)
    // One limiter per client, keyed by provider and a hash of its key, and fed every provider answer.
    this.#rateLimiter =
      options.rateLimit === false ? undefined : new RateLimiter({ ...options.rateLimit, bucketOf: (plugin) => rateLimitBucket(plugin.id, this.#registry.apiKeyOf(plugin)) })
    // One download trust per client (its configuration), for fresh responses and cache hits alike.
    this.#downloadsFor = downloadTrust({ registry: this.#registry, transport: this.#transport, downloads: options.downloads, customDispatcher: options.transport?.dispatcher !== undefined })
    this.#builtins = builtinMiddleware(options, { rateLimiter: this.#rateLimiter, jobJournal: options.jobJournal, downloadsFor: this.#downloadsFor, imageModels: () => this.#imageModels() })
    for (const mw of options.middleware ?? []) this.use(mw)
  }

  /**
   * A client for the installed provider packages whose keys are in the environment. Synchronous:
   * packages are discovered by dynamic import on the first call.
   */
  static fromEnv(options: Omit<LLMKitClientOptions, 'providers'> = {}): LLMKitClient {
    return new LLMKitClient({ ...options, env: options.env ?? { ...process.env } })
  }

  /**
   * Adds a middleware around the built-ins. Middleware run in the order they were added, the
   * first added outermost (as in Koa), and all of them before capability validation.
   * @throws TypeError when `middleware` is not a function.
   */
  use(middleware: Middleware): this {
    if (typeof middleware !== 'function') throw new TypeError(`Expected a middleware function, got ${typeof middleware}`)
    this.#userMiddleware.push(middleware)
    this.#pipeline = undefined
    return this
  }

  /**
   * Generates images.
   *
   * @throws {@link InvalidRequestError}, {@link ModelNotFoundError}, {@link ProviderNotConfiguredError},
   * {@link UnsupportedCapabilityError} before any network call; {@link AuthenticationError},
   * {@link RateLimitError}, {@link ContentPolicyError}, {@link ProviderError}, {@link TimeoutError},
   * {@link NetworkError}, {@link JobFailedError}, {@link AbortError} from the provider.
   * @example
   * ```ts
   * const response = await client.generateImage({ model: 'dall-e-3', prompt: 'A cat', size: '1792x1024' })
   * ```
   */
  async generateImage(request: ImageGenerationRequest | ImageGenerationRequestInit, options: GenerateOptions = {}): Promise<ImageGenerationResponse> {
    // The one boundary where keys are redacted by value: whatever a server echoed (a request id, a
    // message, a body) or a middleware wrapped, no key leaves the client.
    try {
      checkGenerateOptions(options)
      // Progress events carry provider job ids, which a hostile server may have filled with the key.
      const listener = options.onProgress
      const redacted = listener === undefined ? options : { ...options, onProgress: (event: ProgressEvent) => listener(this.#secrets.value(event)) }
      return redactResponse(await this.#generate(request, redacted, 'run'), this.#secrets)
    } catch (error) {
      throw this.#secrets.error(error)
    }
  }

  /**
   * Finishes (or cancels) what a crashed process left in the `jobJournal`: every call with a
   * recorded intent or job id is run again with its own request and idempotency key, so it
   * resumes polling the recorded job instead of submitting again (a part with nothing recorded
   * is submitted, as the crashed call intended). Run it at start-up, or when a process is known
   * to be gone: a live process's accepted jobs would be polled by both (harmless, but redundant).
   * @throws TypeError when the client has no `jobJournal`.
   */
  async resumeJobs(options: ResumeJobsOptions = {}): Promise<ResumedJob[]> {
    const journal = this.#options.jobJournal
    if (journal === undefined) throw new TypeError('resumeJobs() needs a client with a `jobJournal` option.')
    const calls = new Map<string, { request: ImageGenerationRequestInit; jobTimeoutMs: number | undefined }>()
    for (const record of await journal.pending()) {
      if (!calls.has(record.callKey)) calls.set(record.callKey, { request: record.request as ImageGenerationRequestInit, jobTimeoutMs: record.jobTimeoutMs })
    }
    const mode = options.action === 'cancel' ? 'cancel' : 'run'
    return Promise.all(
      [...calls].map(async ([idempotencyKey, call]): Promise<ResumedJob> => {
        try {
          const response = await this.#generate(call.request, { idempotencyKey, jobTimeoutMs: call.jobTimeoutMs, signal: options.signal, onProgress: options.onProgress }, mode)
          return { idempotencyKey, response: redactResponse(response, this.#secrets) }
        } catch (error) {
          return { idempotencyKey, error: this.#secrets.error(error) }
        }
      }),
    )
  }

  async #generate(request: ImageGenerationRequest | ImageGenerationRequestInit, options: GenerateOptions, mode: 'run' | 'cancel'): Promise<ImageGenerationResponse> {
    // generateImage checked it already; resumeJobs() passes keys read back from the journal.
    checkIdempotencyKey(options.idempotencyKey)
    const started = this.#clock.now()
    const req = ImageGenerationRequest.from(request)
    await this.#ensureReady()
    const signal = options.signal ?? neverAborts
    if (signal.aborted) throw abortError(signal)
    const registry = this.#registry
    const model = registry.resolve(req.model)
    // Fail on a missing key now, before any middleware or network work.
    registry.providerFor(model.plugin, model.modelId)
    // Images are read (and https ones fetched) once per generation, after the cheap checks of
    // their shape against the model, so a text-only model or a wrong count costs no download.
    let inputs: ResolvedInputs | undefined
    if ((req.images?.length ?? 0) > 0 || req.mask !== undefined) {
      checkImageRequest(req, model.modelId, model.capabilities, () => {}, () => this.#imageModels())
      const download = this.#downloadsFor({ providerId: model.plugin.id, model })
      inputs = await resolveInputs(req, async (url, inputSignal) => (await downloadImage(url, { ...download, signal: inputSignal, maxBytes: Math.min(download.maxBytes ?? MAX_INPUT_BYTES, MAX_INPUT_BYTES) })).bytes, signal)
    }
    const ctx = createContext({
      inputs,
      request: req,
      model,
      normalized: undefined,
      attempt: 1,
      signal,
      logger: this.#logger,
      clock: this.#clock,
      onProgress: options.onProgress,
      jobTimeoutMs: options.jobTimeoutMs,
      part: undefined,
      metadata: options.idempotencyKey === undefined ? {} : { jobJournal: { callKey: options.idempotencyKey, request: journalForm(req, inputs), jobTimeoutMs: options.jobTimeoutMs, mode } satisfies JournalCallInfo },
      resolve: (id) => registry.resolve(id),
    })
    const response = await this.#getPipeline()(ctx)
    // The ledger holds every charge of this generation: split parts, kept retries, fallback models.
    return response.with({ cost: generationCost(ctx.metadata), timings: { ...response.timings, totalMs: this.#clock.now() - started } })
  }

  /**
   * What a request would cost, from the price tables, without any network call: the request is
   * normalized as `generateImage` would (size mapped to the model's, quality tiers mapped, `n`
   * split into provider calls), then priced per image. `usd` is undefined when the model's price
   * is unknown (`basis` says why).
   *
   * @throws {@link InvalidRequestError}, {@link ModelNotFoundError}, {@link UnsupportedCapabilityError} as `generateImage` would.
   * @example
   * ```ts
   * const { usd } = await client.estimateCost({ model: 'dall-e-3', prompt: 'A cat', quality: 'hd', n: 4 }) // 0.32
   * ```
   */
  async estimateCost(request: ImageGenerationRequest | ImageGenerationRequestInit): Promise<CostEstimate> {
    const req = ImageGenerationRequest.from(request)
    await this.#ensureReady()
    const model = this.#registry.resolve(req.model)
    const { request: normalized, warnings } = normalizeRequest(req, model.modelId, model.capabilities, this.#options.unsupported ?? 'warn')
    const max = normalized.capabilities.maxImagesPerCall
    const calls = Math.ceil(normalized.n / max)
    const price = priceFor({ model, providerId: model.plugin.id }, this.#options.prices)
    const priced = priceRequest(price, normalized)
    const base = { provider: model.plugin.id, model: model.modelId, calls, images: normalized.n, price, warnings }
    if ('unknown' in priced) return { ...base, usd: undefined, estimated: true, basis: priced.unknown }
    return { ...base, usd: priced.cost.usd, estimated: true, basis: priced.cost.basis }
  }

  /**
   * Spend recorded in this client's budget, in US dollars.
   * @throws TypeError when the client has no `budget`.
   */
  async budgetSpentUsd(): Promise<number> {
    const { store, name } = this.#budgetOrThrow()
    return store.spent(name)
  }

  /**
   * Sets this client's budget back to zero (every client and process sharing the store and name).
   * @throws TypeError when the client has no `budget`.
   */
  async resetBudget(): Promise<void> {
    const { store, name } = this.#budgetOrThrow()
    await store.reset(name)
  }

  #budgetOrThrow(): { store: NonNullable<BudgetOptions['store']>; name: string } {
    const budget = this.#options.budget
    if (budget?.store === undefined) throw new TypeError('This client has no `budget`; pass budget: { limitUsd } to the constructor')
    return { store: budget.store, name: budget.name ?? DEFAULT_BUDGET_OPTIONS.name }
  }

  /** Every model of every installed provider, with whether its key is set. */
  async models(): Promise<ModelListing[]> {
    await this.#ensureReady()
    return this.#registry.listModels()
  }

  /**
   * The capability row of a model id (or alias, or `provider:model`).
   * @throws {@link ModelNotFoundError}
   */
  async capabilities(modelId: string): Promise<ModelCapabilities> {
    await this.#ensureReady()
    return this.#registry.resolve(modelId).capabilities
  }

  /** The registered provider plugins (after discovery). */
  async providers(): Promise<readonly ProviderPlugin[]> {
    await this.#ensureReady()
    return this.#registry.plugins
  }

  /** Ids of installed models that take input images, for the hint of a text-only model. */
  #imageModels(): string[] {
    return this.#registry
      .listModels()
      .filter((m) => m.capabilities.imageInputs !== undefined && Object.keys(m.capabilities.imageInputs.operations).length > 0)
      .map((m) => `${m.provider}:${m.capabilities.id}`)
  }

  #ensureReady(): Promise<void> {
    this.#ready ??= discoverProviders(this.#options.importer).then(
      (plugins) => this.#registry.register(plugins),
      (error: unknown) => {
        this.#ready = undefined
        throw LLMKitError.isInstance(error) ? error : new LLMKitError(`Provider discovery failed: ${String(error)}`, { cause: error })
      },
    )
    return this.#ready
  }

  #getPipeline(): Terminal {
    this.#pipeline ??= compose(
      [...(this.#options.tracing ? [tracing(this.#options.tracing === true ? {} : this.#options.tracing)] : []), ...this.#userMiddleware, ...this.#builtins],
      tracedAttempts(callProvider({
        registry: this.#registry,
        transport: this.#transport,
        contentFilter: this.#options.contentFilter,
        jobJournal: this.#options.jobJournal,
        downloads: this.#options.downloads,
        customDispatcher: this.#options.transport?.dispatcher !== undefined,
        downloadsFor: this.#downloadsFor,
      })),
    )
    return this.#pipeline
  }
}

/**
 * The request as the job journal stores it: JSON, so input images (Blobs and fetched URLs alike)
 * are written as the `data:` URLs of the bytes that were sent, and a resumed call sends the same.
 */
function journalForm(req: ImageGenerationRequest, inputs: ResolvedInputs | undefined): ImageGenerationRequestInit {
  const plain = req.toJSON()
  if (inputs === undefined) return plain
  return { ...plain, images: inputs.images.map((image) => image.toDataUrl()), ...(inputs.mask === undefined ? {} : { mask: inputs.mask.toDataUrl() }) }
}
