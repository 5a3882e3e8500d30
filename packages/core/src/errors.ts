/**
 * One error hierarchy for every provider. Each class has a stable `code`, sets `retryable`
 * once in its constructor, and is recognised across duplicate installs of `llmkit` through
 * `Symbol.for('llmkit.error')` (a plugin may load a second copy of the core).
 */

import type { ImageGenerationResponse } from './response.js'

const ERROR_MARKER = Symbol.for('llmkit.error')
/** The `code` a class stands for, so `instanceof` recognises its twin from another copy of the core. */
const CLASS_CODE = Symbol.for('llmkit.error.classCode')

/** The raw provider body kept on an error is capped so a huge HTML error page cannot bloat logs. */
export const MAX_ERROR_BODY_CHARS = 4096

/** Options shared by every {@link LLMKitError} constructor. */
export interface LLMKitErrorOptions {
  /** Provider id, e.g. `openai`. */
  provider?: string | undefined
  /** Model id as the caller wrote it. */
  model?: string | undefined
  /** HTTP status of the provider response, when there was one. */
  status?: number | undefined
  /** Provider request id (`x-request-id` and friends), for support tickets. */
  requestId?: string | undefined
  /** Provider error code, e.g. `insufficient_quota`. */
  providerCode?: string | undefined
  /** Request parameter the provider blamed, e.g. `size`. */
  param?: string | undefined
  /** Raw response body, capped at {@link MAX_ERROR_BODY_CHARS}. */
  body?: string | undefined
  /** Server-suggested wait before retrying, in milliseconds. */
  retryAfterMs?: number | undefined
  /** Overrides the class default, e.g. to stop a retry after an async job was accepted. */
  retryable?: boolean | undefined
  /** The underlying error. */
  cause?: unknown
  /**
   * The request reached the provider in full and no status came back (a timeout or a reset after
   * the body was sent), or a response followed such a retry: the provider may have charged for it.
   */
  mayHaveBeenCharged?: boolean | undefined
  /** What the provider was paid for and could not be delivered (URLs, job id, seeds). */
  paid?: PaidWork | undefined
  /** Images delivered by the parts of a split request that succeeded before another part failed. */
  partial?: ImageGenerationResponse | undefined
}

/**
 * Work a provider finished (and billed) that llmkit could not hand over, kept as data so it is
 * never lost: URLs can still be fetched before they expire, a job id can be looked up.
 */
export interface PaidWork {
  /** Provider id. */
  readonly provider: string
  /** Model id. */
  readonly model: string
  /** The provider's job or prediction id, for async providers. */
  readonly jobId?: string | undefined
  /** Provider request id. */
  readonly requestId?: string | undefined
  /** Every image the provider returned, in order; `url` is undefined for byte-only images. */
  readonly images: readonly { readonly url?: string | undefined; readonly seed?: number | undefined; readonly mimeType?: string | undefined }[]
  /**
   * Every job id, when the work spans several provider calls (the parts of a split request);
   * `jobId` is then the first of them.
   */
  readonly jobIds?: readonly string[] | undefined
  /** Every provider request id, when the work spans several provider calls; `requestId` is the first. */
  readonly requestIds?: readonly string[] | undefined
}

/**
 * Base class of every error llmkit throws.
 *
 * @example
 * ```ts
 * try { await client.generateImage(req) } catch (e) {
 *   if (LLMKitError.isInstance(e) && e.retryable) { ... }
 * }
 * ```
 */
export class LLMKitError extends Error {
  /** Stable machine-readable code, `LLMKIT_<NAME>`. */
  readonly code: string
  /** Whether trying the same call again may succeed. */
  readonly retryable: boolean
  /** Provider id. */
  readonly provider: string | undefined
  /** Model id. */
  readonly model: string | undefined
  /** HTTP status, when the provider answered. */
  readonly status: number | undefined
  /** Provider request id. */
  readonly requestId: string | undefined
  /** Provider's own error code. */
  readonly providerCode: string | undefined
  /** Request parameter the provider blamed. */
  readonly param: string | undefined
  /** Raw response body (capped). */
  readonly body: string | undefined
  /** Server-suggested wait before a retry, in milliseconds. */
  readonly retryAfterMs: number | undefined
  /** The provider may have charged for this call although no answer came back (see {@link LLMKitErrorOptions.mayHaveBeenCharged}). */
  readonly mayHaveBeenCharged: boolean
  /**
   * Paid work the caller did not receive as a response, when there was some: the images a
   * provider finished that could not be delivered, and, when one part of a split request failed,
   * also the images of the parts that succeeded (their bytes are in {@link partial}).
   */
  readonly paid: PaidWork | undefined
  /**
   * When a split request (`n` above the model's per-call maximum) failed after some of its parts
   * succeeded: those parts merged into one response, with their delivered images (bytes
   * included), cost and request ids, so paid images are never thrown away. Undefined otherwise.
   */
  readonly partial: ImageGenerationResponse | undefined
  /** @internal */
  readonly [ERROR_MARKER] = true

  constructor(message: string, options: LLMKitErrorOptions = {}, code = 'LLMKIT_ERROR') {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = new.target.name
    this.code = code
    this.retryable = options.retryable ?? false
    this.provider = options.provider
    this.model = options.model
    this.status = options.status
    this.requestId = options.requestId
    this.providerCode = options.providerCode
    this.param = options.param
    this.body = options.body === undefined ? undefined : options.body.slice(0, MAX_ERROR_BODY_CHARS)
    this.retryAfterMs = options.retryAfterMs
    this.mayHaveBeenCharged = options.mayHaveBeenCharged ?? false
    this.paid = options.paid
    this.partial = options.partial
  }

  /** True for any llmkit error, even one thrown by another installed copy of the core. */
  static isInstance(value: unknown): value is LLMKitError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[ERROR_MARKER] === true
  }

  /**
   * `instanceof` also holds for the same class from another copy of the core (an app importing
   * `llmkit` through an npm alias while a provider imports `@llmkit/core` loads two copies):
   * `LLMKitError` matches any llmkit error, a built-in subclass matches an error with its code.
   * A caller's own subclass keeps the plain prototype check.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true
    if (!LLMKitError.isInstance(value)) return false
    if (this === LLMKitError) return true
    const code = Object.hasOwn(this, CLASS_CODE) ? (this as { [CLASS_CODE]?: string })[CLASS_CODE] : undefined
    return code !== undefined && value.code === code
  }

  /**
   * A plain object for logs and `--json` output; never contains keys. `partial` is compact: its
   * provider, model, count, request ids, cost and each image's URL (not `data:`), seed and MIME
   * type, never the image bytes.
   */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      retryable: this.retryable,
      provider: this.provider,
      model: this.model,
      status: this.status,
      requestId: this.requestId,
      providerCode: this.providerCode,
      param: this.param,
      mayHaveBeenCharged: this.mayHaveBeenCharged || undefined,
      paid: this.paid,
      partial: this.partial === undefined ? undefined : compactResponse(this.partial),
    }
  }
}

/** A response as small plain data: no image bytes (a `data:` URL is bytes too). */
function compactResponse(res: ImageGenerationResponse): Record<string, unknown> {
  return {
    provider: res.provider,
    model: res.model,
    count: res.count,
    requestIds: res.requestIds,
    cost: res.cost,
    images: res.images.map((i) => ({ url: i.url?.startsWith('data:') ? undefined : i.url, seed: i.seed, mimeType: i.mimeType })),
  }
}

function defineError(name: string, code: string, retryable: boolean) {
  // One factory keeps name, code and retryability side by side as data.
  const cls = class extends LLMKitError {
    constructor(message: string, options: LLMKitErrorOptions = {}) {
      super(message, { ...options, retryable: options.retryable ?? retryable }, code)
      this.name = name
    }
  }
  Object.defineProperty(cls, 'name', { value: name })
  return cls
}

/** The API key is missing, malformed or rejected (401). */
export class AuthenticationError extends defineError('AuthenticationError', 'LLMKIT_AUTHENTICATION', false) {}
/** The key is valid but may not use this model or feature (403). */
export class PermissionDeniedError extends defineError('PermissionDeniedError', 'LLMKIT_PERMISSION_DENIED', false) {}
/**
 * Rate limit or quota exhausted (429, or a provider's quota code). Its message always contains
 * the word "quota". Retryable unless the quota (credit, billing) is exhausted.
 */
export class RateLimitError extends defineError('RateLimitError', 'LLMKIT_RATE_LIMIT', true) {}
/** The prompt or the generated image was blocked by the provider's safety system. */
export class ContentPolicyError extends defineError('ContentPolicyError', 'LLMKIT_CONTENT_POLICY', false) {}
/** The request is invalid; `param` names the field when known. */
export class InvalidRequestError extends defineError('InvalidRequestError', 'LLMKIT_INVALID_REQUEST', false) {}
/** The model cannot honor a setting and the `unsupported` policy is `'error'`. */
export class UnsupportedCapabilityError extends defineError('UnsupportedCapabilityError', 'LLMKIT_UNSUPPORTED_CAPABILITY', false) {}
/** No installed provider knows the model id. */
export class ModelNotFoundError extends defineError('ModelNotFoundError', 'LLMKIT_MODEL_NOT_FOUND', false) {}
/** The provider is installed but has no API key. */
export class ProviderNotConfiguredError extends defineError('ProviderNotConfiguredError', 'LLMKIT_PROVIDER_NOT_CONFIGURED', false) {}
/** A connect, header, body, attempt or overall deadline passed. */
export class TimeoutError extends defineError('TimeoutError', 'LLMKIT_TIMEOUT', true) {}
/** The connection failed or was reset before a full response arrived. */
export class NetworkError extends defineError('NetworkError', 'LLMKIT_NETWORK', true) {}
/** The provider failed on its side (5xx). */
export class ProviderError extends defineError('ProviderError', 'LLMKIT_PROVIDER', true) {}
/** An asynchronous job ended in failure or was cancelled on the provider's side. */
export class JobFailedError extends defineError('JobFailedError', 'LLMKIT_JOB_FAILED', false) {}
/**
 * The provider finished (and billed) the work, but its images could not be downloaded or failed
 * the output checks. Never retried, so nothing is generated twice; `paid` holds the URLs, job id
 * and seeds so the caller can fetch or look them up.
 */
export class DeliveryError extends defineError('DeliveryError', 'LLMKIT_DELIVERY', false) {}
/** The caller's `AbortSignal` fired. */
export class AbortError extends defineError('AbortError', 'LLMKIT_ABORT', false) {}
/**
 * llmkit cannot run here: the Node.js version is older than its floor (undici 8 needs 22.19).
 * Raised once, when the core is imported; the message names the version needed.
 */
export class UnsupportedRuntimeError extends defineError('UnsupportedRuntimeError', 'LLMKIT_UNSUPPORTED_RUNTIME', false) {}

/** Why a budget refused a call. */
export type BudgetRefusal = 'limit' | 'unknown-price' | 'store-unavailable'

/** Fields of a {@link BudgetExceededError} besides the common ones. */
export interface BudgetExceededErrorOptions extends LLMKitErrorOptions {
  /** Name of the budget. */
  budget: string
  /** The budget's limit in US dollars. */
  limitUsd: number
  /** Spend recorded when the call was refused, in US dollars (undefined when the store could not be read). */
  spentUsd?: number | undefined
  /** Estimated cost of the refused call, in US dollars (undefined when the price is unknown). */
  estimateUsd?: number | undefined
  /** Why the call was refused. */
  reason: BudgetRefusal
}

/**
 * A `budget` refused a call before any provider request: it would have taken the spend past
 * `limitUsd` (`reason: 'limit'`), the model's price is unknown so the limit cannot be
 * guaranteed (`'unknown-price'`), or the budget store failed and the budget fails closed
 * (`'store-unavailable'`). Never retried; nothing was sent or charged.
 */
export class BudgetExceededError extends LLMKitError {
  /** Name of the budget. */
  readonly budget: string
  /** The budget's limit in US dollars. */
  readonly limitUsd: number
  /** Spend recorded when the call was refused, in US dollars. */
  readonly spentUsd: number | undefined
  /** Estimated cost of the refused call, in US dollars. */
  readonly estimateUsd: number | undefined
  /** Why the call was refused. */
  readonly reason: BudgetRefusal

  constructor(message: string, options: BudgetExceededErrorOptions) {
    super(message, { ...options, retryable: false }, 'LLMKIT_BUDGET_EXCEEDED')
    this.name = 'BudgetExceededError'
    this.budget = options.budget
    this.limitUsd = options.limitUsd
    this.spentUsd = options.spentUsd
    this.estimateUsd = options.estimateUsd
    this.reason = options.reason
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), budget: this.budget, limitUsd: this.limitUsd, spentUsd: this.spentUsd, estimateUsd: this.estimateUsd, reason: this.reason }
  }
}

// The built-in classes carry their code as an own static, so `instanceof` works across copies of
// the core; a caller's subclass inherits it but does not own it, and keeps the plain check.
for (const [cls, code] of [
  [AuthenticationError, 'LLMKIT_AUTHENTICATION'],
  [PermissionDeniedError, 'LLMKIT_PERMISSION_DENIED'],
  [RateLimitError, 'LLMKIT_RATE_LIMIT'],
  [ContentPolicyError, 'LLMKIT_CONTENT_POLICY'],
  [InvalidRequestError, 'LLMKIT_INVALID_REQUEST'],
  [UnsupportedCapabilityError, 'LLMKIT_UNSUPPORTED_CAPABILITY'],
  [ModelNotFoundError, 'LLMKIT_MODEL_NOT_FOUND'],
  [ProviderNotConfiguredError, 'LLMKIT_PROVIDER_NOT_CONFIGURED'],
  [TimeoutError, 'LLMKIT_TIMEOUT'],
  [NetworkError, 'LLMKIT_NETWORK'],
  [ProviderError, 'LLMKIT_PROVIDER'],
  [JobFailedError, 'LLMKIT_JOB_FAILED'],
  [DeliveryError, 'LLMKIT_DELIVERY'],
  [AbortError, 'LLMKIT_ABORT'],
  [UnsupportedRuntimeError, 'LLMKIT_UNSUPPORTED_RUNTIME'],
  [BudgetExceededError, 'LLMKIT_BUDGET_EXCEEDED'],
] as const) {
  Object.defineProperty(cls, CLASS_CODE, { value: code })
}
