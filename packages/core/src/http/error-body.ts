import {
  AuthenticationError,
  ContentPolicyError,
  InvalidRequestError,
  type LLMKitError,
  type LLMKitErrorOptions,
  ModelNotFoundError,
  PermissionDeniedError,
  ProviderError,
  RateLimitError,
  TimeoutError,
} from '../errors.js'
import { type MIN_SECRET_LENGTH, redactSecrets } from '../redact.js'
import { parseRetryAfter, parseShouldRetry } from './retry-after.js'
import type { HttpResponse } from './transport.js'

/**
 * What a provider's error parser reads out of an error body. Every field is optional: bodies
 * vary (JSON, problem+json, plain text) and a parser must never throw.
 */
export interface ParsedProviderError {
  /** Human-readable message. */
  message?: string | undefined
  /** Provider error code, e.g. `insufficient_quota`. */
  code?: string | undefined
  /** Provider error type, e.g. `invalid_request_error`. */
  type?: string | undefined
  /** Request parameter the provider blamed. */
  param?: string | undefined
  /**
   * A classification that beats the status: a content-policy block inside a 400, quota
   * exhaustion inside a 429, a model the provider does not know.
   */
  kind?: 'content_policy' | 'quota' | 'model_not_found' | undefined
  /** Provider's explicit retry hint (e.g. `X-Fal-Retryable`). */
  retryable?: boolean | undefined
}

/** Who failed, for the message. */
export interface ErrorContext {
  /** Provider id. */
  provider: string
  /** Model id. */
  model?: string | undefined
  /** Environment variable holding the key, named in auth errors. */
  keyEnv?: string | undefined
  /** Secrets to scrub from any text copied into the error. */
  secrets?: readonly string[] | undefined
  /** When the response arrived, on the client's clock: a `Retry-After` date is read against it. @defaultValue Date.now() */
  now?: number | undefined
}

/**
 * Replaces every occurrence of each secret (as is, percent-encoded or JSON-escaped) by
 * `[redacted]`; secrets shorter than {@link MIN_SECRET_LENGTH} are left alone.
 */
export function redact(text: string, secrets: readonly string[] | undefined): string {
  return redactSecrets(text, secrets ?? [])
}

/** Headers that carry a request id, by provider; the first present wins. */
const REQUEST_ID_HEADERS = ['x-request-id', 'x-fal-request-id', 'request-id', 'x-amzn-requestid', 'cf-ray'] as const

/** The provider request id of a response, if any. */
export function requestIdOf(headers: Readonly<Record<string, string>>): string | undefined {
  for (const name of REQUEST_ID_HEADERS) if (headers[name]) return headers[name]
  return undefined
}

/** The single place where an HTTP status and a parsed body become an llmkit error. */
export function errorFromResponse(res: HttpResponse, parsed: ParsedProviderError, ctx: ErrorContext): LLMKitError {
  const status = res.status
  // Every text a server controls is scrubbed: a server may echo the key into any of them.
  const scrub = (text: string | undefined) => (text === undefined ? undefined : redact(text, ctx.secrets))
  const detail = redact(parsed.message?.trim() || `HTTP ${status}`, ctx.secrets)
  const param = scrub(parsed.param)
  const who = ctx.model ? `${ctx.provider} ${ctx.model}` : ctx.provider
  const shouldRetry = parseShouldRetry(res.headers) ?? parsed.retryable
  const options: LLMKitErrorOptions = {
    provider: ctx.provider,
    model: ctx.model,
    status,
    requestId: scrub(requestIdOf(res.headers)),
    providerCode: scrub(parsed.code),
    param,
    body: redact(res.text(), ctx.secrets),
    retryAfterMs: parseRetryAfter(res.headers, ctx.now),
    retryable: shouldRetry,
  }
  const msg = (what: string, todo: string): string => `${who}: ${what} (${status}). ${todo}`.trim()

  if (parsed.kind === 'content_policy') {
    return new ContentPolicyError(msg(`blocked by the provider's safety system: ${detail}`, 'Rephrase the prompt; retrying the same prompt will not help.'), { ...options, retryable: false })
  }
  if (parsed.kind === 'quota' || status === 402) {
    return new RateLimitError(msg(`quota exhausted: ${detail}`, 'Add credit or raise the plan limit; retrying will not help.'), { ...options, retryable: false })
  }
  if (parsed.kind === 'model_not_found') {
    return new ModelNotFoundError(msg(`model not found: ${detail}`, 'Check the model id with `llmkit models`.'), options)
  }
  switch (true) {
    case status === 401:
      return new AuthenticationError(msg(`authentication failed: ${detail}`, ctx.keyEnv ? `Check ${ctx.keyEnv}.` : 'Check the API key.'), options)
    case status === 403:
      return new PermissionDeniedError(msg(`permission denied: ${detail}`, 'This key may not use this model or feature; check the account and its verification.'), options)
    case status === 408:
      return new TimeoutError(msg(`the provider timed out: ${detail}`, 'Retry, or raise the timeout.'), options)
    case status === 429:
      return new RateLimitError(msg(`rate limit or quota reached: ${detail}`, 'Slow down (the retry middleware waits for you) or check the quota.'), options)
    case status === 409 || status >= 500:
      return new ProviderError(msg(`provider error: ${detail}`, 'This is on the provider side; retrying usually helps.'), { ...options, retryable: shouldRetry ?? true })
    case status === 404:
      return new InvalidRequestError(msg(`not found: ${detail}`, 'Check the model id and the base URL.'), options)
    default:
      return new InvalidRequestError(
        msg(`invalid request${param ? ` (parameter \`${param}\`)` : ''}: ${detail}`, 'Fix the request; retrying will not help.'),
        options,
      )
  }
}
