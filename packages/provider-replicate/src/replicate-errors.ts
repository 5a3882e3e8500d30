import { ContentPolicyError, type HttpResponse, JobFailedError, type LLMKitError, type ParsedProviderError } from '@llmkit/core'
import { replicateProblemSchema } from './replicate-api.js'

/** Safety-checker wording in prediction errors and problem details ("NSFW content detected", flux-pro's "E005"). */
const CONTENT_POLICY = /\bnsfw\b|\bE005\b|flagged as sensitive|safety (?:checker|filter)/i
/** 422 for a version that does not exist or that the account may not run. */
const UNKNOWN_VERSION = /version.*(does not exist|not permitted|invalid)|invalid version/i
/** Low credit is billing, not throttling: retrying does not help (replicate.md §6). */
const QUOTA = /insufficient credit|billing|out of credit/i
/** `- input.num_outputs: Must be ...`: the blamed field of a validation error. */
const INPUT_FIELD = /input\.([\w.]+)/

/**
 * Reads Replicate's problem+json (`{ type, title, status, detail, invalid_fields }`), falling
 * back to `error` and then the raw text. Never throws.
 */
export function parseReplicateError(res: HttpResponse): ParsedProviderError {
  const parsed = replicateProblemSchema.safeParse(res.json())
  if (!parsed.success) return { message: res.text().slice(0, 300) || undefined }
  const { detail, title, error, invalid_fields: fields, type } = parsed.data
  const message = (detail ?? title ?? error ?? undefined)?.trim() || undefined
  const text = `${title ?? ''} ${detail ?? ''} ${error ?? ''}`
  const field = fields?.[0]?.field ?? INPUT_FIELD.exec(text)?.[0]
  const kind = CONTENT_POLICY.test(text)
    ? 'content_policy'
    : QUOTA.test(text)
      ? 'quota'
      : res.status === 404 || (res.status === 422 && UNKNOWN_VERSION.test(text))
        ? 'model_not_found'
        : undefined
  return {
    message,
    type: type ?? undefined,
    param: field?.replace(/^input\./, '') ?? undefined,
    kind,
  }
}

/** Who failed, for the messages of job errors. */
export interface PredictionErrorContext {
  /** Model id. */
  model: string
  /** Prediction id. */
  id: string
}

/**
 * The error of a prediction that ended `failed`, `aborted` or `canceled`: a model failure is
 * not an HTTP error, so it arrives here. A safety-checker refusal becomes a ContentPolicyError.
 */
export function predictionError(status: 'failed' | 'aborted' | 'canceled', error: unknown, ctx: PredictionErrorContext): LLMKitError {
  const detail = typeof error === 'string' ? error : error == null ? '' : JSON.stringify(error)
  const options = { provider: 'replicate', model: ctx.model, requestId: ctx.id, providerCode: status }
  if (status === 'failed' && CONTENT_POLICY.test(detail)) {
    return new ContentPolicyError(`replicate ${ctx.model}: prediction ${ctx.id} was blocked by the safety checker: ${detail}. Rephrase the prompt; retrying the same prompt will not help.`, options)
  }
  if (status === 'canceled') return new JobFailedError(`replicate ${ctx.model}: prediction ${ctx.id} was canceled outside this call`, options)
  return new JobFailedError(`replicate ${ctx.model}: prediction ${ctx.id} ${status}${detail ? `: ${detail}` : ''}`, options)
}
