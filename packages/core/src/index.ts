// First: on a Node.js older than the floor, one plain error instead of failing requests later.
import './runtime/assert-node.js'
// tsyringe's decorators need the Reflect metadata API before any decorated class loads.
import 'reflect-metadata'

export { LLMKitClient, type LLMKitClientOptions, type GenerateOptions, type ResumeJobsOptions, type ResumedJob } from './client.js'
export {
  ImageGenerationRequest,
  ImageSize,
  ImageQuality,
  ImageStyle,
  ImageFormat,
  OutputFormat,
  ImageBackground,
  type AspectRatio,
  MAX_ASPECT_RATIO,
  MAX_SEED,
  MAX_MODEL_ID_LENGTH,
  MAX_PROVIDER_OPTION_DEPTH,
  MAX_PROVIDER_OPTION_VALUES,
  imageGenerationRequestSchema,
  type ImageGenerationRequestInit,
  MAX_INPUT_IMAGES,
} from './request.js'
export {
  ImageOperation,
  IMAGE_OPERATIONS,
  MAX_INPUT_BYTES,
  readImageFile,
  resolveInputs,
  describeImage,
  hasAlphaChannel,
  type ImageInput,
  type InputImage,
  type InputMimeType,
  type ResolvedInputs,
  type FetchInput,
} from './inputs/image-input.js'
export { checkImageRequest, checkInputLimits, type RequestOperation, type CheckedImageRequest, type ImageRequestFields, type ReportUnsupported } from './inputs/check-inputs.js'
export {
  ImageGenerationResponse,
  GeneratedImage,
  type GeneratedImageInit,
  type ImageGenerationResponseInit,
  type Usage,
  type Timings,
} from './response.js'
export type { Warning } from './warnings.js'
export type { PartialImage, ProgressEvent, ProgressListener } from './progress.js'
export {
  LLMKitError,
  AuthenticationError,
  PermissionDeniedError,
  RateLimitError,
  ContentPolicyError,
  InvalidRequestError,
  UnsupportedCapabilityError,
  ModelNotFoundError,
  ProviderNotConfiguredError,
  TimeoutError,
  NetworkError,
  ProviderError,
  JobFailedError,
  DeliveryError,
  AbortError,
  UnsupportedRuntimeError,
  BudgetExceededError,
  type BudgetExceededErrorOptions,
  type BudgetRefusal,
  type LLMKitErrorOptions,
  type PaidWork,
  MAX_ERROR_BODY_CHARS,
} from './errors.js'
export { type Logger, type Clock, silentLogger, systemClock } from './logger.js'
export { sniffImageType, sniffBase64Type, isBase64, imageExtension, IMAGE_EXTENSIONS, base64DecodedLength, parseDataUrl, type ImageMimeType } from './media.js'
export {
  modelCapabilitiesSchema,
  sizeSpecSchema,
  parseModelCapabilities,
  seedForPart,
  guessedWarning,
  DEFAULT_MAX_PROMPT_LENGTH,
  PROVIDER_OPTION_TYPES,
  type ProviderOptionType,
  type ModelCapabilities,
  type SizeSpec,
  imageInputsSchema,
  imageOperationSpecSchema,
  type ImageInputSpec,
  type ImageOperationSpec,
} from './registry/capabilities.js'
export { guessCapabilities, type GuessCapabilitiesOptions, type OpenModelFamily } from './registry/open-model.js'
export type {
  ProviderPlugin,
  ProviderContext,
  ImageProvider,
  NormalizedRequest,
  ProviderResult,
  ProviderImage,
  CallOptions,
  ProviderHttp,
  ProviderHttpRequest,
  RateLimit,
} from './registry/plugin.js'
export { resolveModel, type ResolvedModel } from './registry/resolve-model.js'
export { discoverProviders, type ModuleImporter } from './registry/discover.js'
export { KNOWN_PROVIDER_PACKAGES } from './registry/known-providers.js'
export type { ModelListing } from './registry/provider-registry.js'
export { compose, type Terminal } from './pipeline/compose.js'
export type { GenerationContext, Middleware, Next } from './pipeline/context.js'
export { tracing, type TracingOptions, type TraceHooks, type TraceSpan, type TraceTracer, type TraceAttributeValue } from './pipeline/tracing.js'
export { validateCapabilities, type ValidateCapabilitiesOptions } from './pipeline/validate-capabilities.js'
export { builtinMiddleware, BUILTIN_ORDER, type BuiltinOptions } from './pipeline/builtins.js'
export { retry, backoffDelayMs, DEFAULT_RETRY_OPTIONS, DEFAULT_AMBIGUOUS_RETRY, type AmbiguousRetryPolicy, type RetryOptions, type RetryEvent } from './pipeline/retry.js'
export {
  cache,
  cacheKey,
  createMemoryCacheStore,
  DEFAULT_CACHE_OPTIONS,
  type CacheOptions,
  type CacheStore,
  type CachedResponse,
} from './pipeline/cache.js'
export {
  logging,
  consoleLogger,
  redactingLogger,
  redactFields,
  redactText,
  redactorOf,
  DEFAULT_LOGGING_OPTIONS,
  type LoggingOptions,
  type LogLevel,
} from './pipeline/logging.js'
export {
  attemptTimeout,
  totalTimeout,
  DEFAULT_TIMEOUT_OPTIONS,
  type TimeoutOptions,
  type AttemptTimeoutOptions,
  type TotalTimeoutOptions,
} from './pipeline/timeout.js'
export { concurrency, DEFAULT_CONCURRENCY_OPTIONS, type ConcurrencyOptions } from './pipeline/concurrency.js'
export {
  rateLimit,
  RateLimiter,
  TokenBucket,
  createMemoryRateLimitStore,
  rateLimitBucket,
  providerHoldMs,
  parseResetDuration,
  RATE_LIMIT_HEADERS,
  DEFAULT_RATE_LIMIT_OPTIONS,
  type RateLimitOptions,
  type RateLimitStore,
} from './pipeline/rate-limit.js'
export {
  createMemoryJobJournal,
  createFileJobJournal,
  journaledSpec,
  journalBinding,
  claimable,
  DEFAULT_JOB_JOURNAL_OPTIONS,
  type JobJournal,
  type JournalBinding,
  type JournalCallInfo,
  type JournalClaim,
  type JournalContext,
  type JournalIntent,
  type JournalRecord,
  type JournalState,
  type LocalJobJournalOptions,
} from './jobs/job-journal.js'
export { splitN, DEFAULT_SPLIT_N_OPTIONS, type SplitNOptions, type PartialFailurePolicy } from './pipeline/split-n.js'
export { fallback, DEFAULT_FALLBACK_OPTIONS, type FallbackOptions } from './pipeline/fallback.js'
export {
  budget,
  budgetCheck,
  createMemoryBudgetStore,
  toMicroUsd,
  fromMicroUsd,
  generationCost,
  DEFAULT_BUDGET_OPTIONS,
  type BudgetStore,
  type BudgetOptions,
  type BudgetMiddlewareOptions,
  type CostLedger,
} from './pipeline/budget.js'
export { priceRequest, estimateRequestCost, costFromUsage, sumCosts, findPrice, type PricedRequest } from './cost/estimate.js'
export type {
  Cost,
  CostEstimate,
  ModelPrice,
  ImagePrice,
  PriceRow,
  PriceInput,
  PriceConfidence,
  PerImagePrice,
  TablePrice,
  PerMegapixelPrice,
  ComputedPrice,
  UnknownPrice,
  UsageRates,
} from './cost/price.js'
export { normalizeRequest, nearestAspectRatio, nearestListedSize, type UnsupportedPolicy } from './pipeline/normalize-request.js'
export type { ContentFilterPolicy } from './pipeline/call-provider.js'
export { deliver, checkProviderResult, DEFAULT_DOWNLOAD_SETTINGS, type DownloadSettings } from './pipeline/deliver.js'
export { withDownloadRetry, type DownloadRetrySettings, type DownloadRetryEvent } from './http/download-retry.js'
export {
  HttpTransport,
  getSharedDispatcher,
  DEFAULT_TRANSPORT_OPTIONS,
  type TransportOptions,
  type HttpRequest,
  type HttpResponse,
  type HttpStreamResponse,
  type HttpBody,
} from './http/transport.js'
export { errorFromResponse, redact, type ParsedProviderError, type ErrorContext } from './http/error-body.js'
export { SecretRedactor, redactSecrets, redactResponse, REDACTED, MIN_SECRET_LENGTH } from './redact.js'
export { parseRetryAfter, parseShouldRetry, MAX_RETRY_AFTER_MS } from './http/retry-after.js'
export { unexpectedResponse, type ResponsePhase, type SchemaIssues, type UnexpectedResponseInit } from './http/unexpected-response.js'
export {
  downloadImage,
  downloadImageToFile,
  DEFAULT_MAX_IMAGE_BYTES,
  DEFAULT_DOWNLOAD_TIMEOUT_MS,
  type DownloadOptions,
  type DownloadToFileOptions,
  type DownloadedImage,
  type DownloadGuard,
  type SavedImage,
} from './http/download.js'
export { blockedRange, isPublicAddress, guardedLookup, type LookupFunction } from './http/ip-guard.js'
export { packageVersion } from './runtime/package-version.js'
export { MIN_NODE_VERSION, checkNodeVersion } from './runtime/node-version.js'
export {
  createJobRunner,
  pendingCancellations,
  DEFAULT_JOB_OPTIONS,
  type JobRunner,
  type JobSpec,
  type JobSnapshot,
  type JobState,
  type SubmittedJob,
  type JobRunOptions,
  type JobStatusStream,
  type JobStreamOpener,
  type JobStreamResponse,
  type JobRunnerOptions,
} from './jobs/poll-job.js'
export { SseParser, type ServerSentEvent } from './jobs/sse.js'
export { checkWebhookTolerance, webhookHeader, webhookTimestampProblem, type WebhookDelivery } from './http/webhook.js'
