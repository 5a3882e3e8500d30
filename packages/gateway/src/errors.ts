import { LLMKitError } from '@llmkit/core'

/** OpenAI's error envelope: what every OpenAI SDK parses. */
export interface OpenAIErrorBody {
  /** The error. */
  error: {
    /** Human-readable; never holds a key. */
    message: string
    /** OpenAI's error type (`invalid_request_error`, `server_error`...). */
    type: string
    /** The request field at fault, or null. */
    param: string | null
    /** Machine-readable code, or null. */
    code: string | null
    /** llmkit's own details: its error code, provider, model, and paid work that was not delivered. */
    llmkit?: Record<string, unknown> | undefined
  }
}

/** An error to answer with: status, envelope and extra headers. */
export interface MappedError {
  /** HTTP status. */
  status: number
  /** The body. */
  body: OpenAIErrorBody
  /** Extra headers (`retry-after`). */
  headers: Record<string, string>
}

/** How each llmkit error code is answered, as data. `upstream`: the message is replaced (it concerns the gateway's own provider credentials). */
export const ERROR_MAP: Readonly<Record<string, { status: number; type: string; code: string; upstream?: boolean }>> = Object.freeze({
  LLMKIT_INVALID_REQUEST: { status: 400, type: 'invalid_request_error', code: 'invalid_value' },
  LLMKIT_UNSUPPORTED_CAPABILITY: { status: 400, type: 'invalid_request_error', code: 'unsupported_value' },
  LLMKIT_CONTENT_POLICY: { status: 400, type: 'invalid_request_error', code: 'content_policy_violation' },
  LLMKIT_MODEL_NOT_FOUND: { status: 404, type: 'invalid_request_error', code: 'model_not_found' },
  LLMKIT_PROVIDER_NOT_CONFIGURED: { status: 404, type: 'invalid_request_error', code: 'model_not_found' },
  LLMKIT_BUDGET_EXCEEDED: { status: 429, type: 'insufficient_quota', code: 'insufficient_quota' },
  LLMKIT_RATE_LIMIT: { status: 429, type: 'requests', code: 'rate_limit_exceeded' },
  LLMKIT_AUTHENTICATION: { status: 502, type: 'server_error', code: 'upstream_authentication_failed', upstream: true },
  LLMKIT_PERMISSION_DENIED: { status: 502, type: 'server_error', code: 'upstream_permission_denied', upstream: true },
  LLMKIT_TIMEOUT: { status: 504, type: 'server_error', code: 'timeout' },
  LLMKIT_NETWORK: { status: 502, type: 'server_error', code: 'upstream_unreachable' },
  LLMKIT_PROVIDER: { status: 502, type: 'server_error', code: 'upstream_error' },
  LLMKIT_JOB_FAILED: { status: 502, type: 'server_error', code: 'generation_failed' },
  LLMKIT_DELIVERY: { status: 502, type: 'server_error', code: 'delivery_failed' },
  LLMKIT_ABORT: { status: 499, type: 'server_error', code: 'cancelled' },
})

/** An OpenAI-shaped error of the gateway itself (auth, limits, routing). */
export function gatewayError(status: number, message: string, type: string, code: string | null, param: string | null = null): MappedError {
  return { status, body: { error: { message, type, param, code } }, headers: {} }
}

/**
 * Maps what a generation threw onto OpenAI's status and envelope. An llmkit error keeps its
 * message (the client already redacted every key by value) except for the provider rejecting
 * the gateway's own credentials, which is the operator's problem, not the caller's. Anything
 * else is a 500 whose message says only the request id: unexpected errors are never echoed.
 */
export function mapError(error: unknown, requestId: string): MappedError {
  if (!LLMKitError.isInstance(error)) {
    return gatewayError(500, `The gateway failed unexpectedly (request ${requestId}); the operator's logs have the details.`, 'server_error', 'internal_error')
  }
  const row = ERROR_MAP[error.code] ?? { status: 500, type: 'server_error', code: 'internal_error' }
  const message = row.upstream
    ? `The provider ${error.provider ?? ''} refused the gateway's credentials; contact the gateway operator (request ${requestId}).`
    : error.message
  const llmkit: Record<string, unknown> = { code: error.code, provider: error.provider, model: error.model, retryable: error.retryable }
  if (error.paid !== undefined) llmkit['paid'] = error.paid
  if (error.code === 'LLMKIT_PROVIDER_NOT_CONFIGURED') {
    const mapped = gatewayError(row.status, `The model ${error.model ?? ''} is not available on this gateway (its provider is not configured).`, row.type, row.code, 'model')
    mapped.body.error.llmkit = llmkit
    return mapped
  }
  if (error.code === 'LLMKIT_BUDGET_EXCEEDED') {
    // Not every refusal is an exhausted budget: a store outage is the gateway's, an unpriced model the request's.
    const reason = (error as LLMKitError & { reason?: unknown }).reason
    if (reason === 'store-unavailable') {
      const mapped = gatewayError(503, `The gateway cannot check this key's budget right now; try again shortly (request ${requestId}).`, 'server_error', 'service_unavailable')
      mapped.body.error.llmkit = llmkit
      return mapped
    }
    if (reason === 'unknown-price') {
      const mapped = gatewayError(400, error.message, 'invalid_request_error', 'model_price_unknown', 'model')
      mapped.body.error.llmkit = llmkit
      return mapped
    }
  }
  const headers: Record<string, string> = {}
  if (row.status === 429 && error.retryAfterMs !== undefined) headers['retry-after'] = String(Math.max(1, Math.ceil(error.retryAfterMs / 1000)))
  return { status: row.status, body: { error: { message, type: row.type, param: error.param ?? null, code: row.code, llmkit } }, headers }
}
