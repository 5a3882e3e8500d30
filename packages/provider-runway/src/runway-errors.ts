import { ContentPolicyError, type HttpResponse, JobFailedError, type LLMKitError, type ParsedProviderError } from '@llmkit/core'
import { runwayErrorSchema } from './runway-api.js'

/** Request fields a 400 message may start with; that field becomes the error's `param`. */
const FIELDS = ['referenceImages', 'promptText', 'ratio', 'seed', 'outputCount', 'contentModeration', 'quality', 'background', 'model'] as const

/**
 * Reads Runway's error body `{ "error": "..." }`. Never throws.
 * A 429 that names the daily generation limit is quota, not a rate limit: it lifts the next
 * day, so retrying within seconds only spends time.
 */
export function parseRunwayError(res: HttpResponse): ParsedProviderError {
  const parsed = runwayErrorSchema.safeParse(res.json())
  const message = parsed.success && parsed.data.error ? parsed.data.error : res.text().slice(0, 300) || undefined
  // Validation messages start with the field path (`ratio: Invalid enum value...`).
  const param = res.status === 400 && message !== undefined ? FIELDS.find((field) => new RegExp(`^${field}\\b`).test(message)) : undefined
  const kind = res.status === 429 && message !== undefined && /daily/i.test(message) ? 'quota' : undefined
  return { message, param, kind }
}

/** `SAFETY.INPUT.*`, `SAFETY.OUTPUT.*` and `INPUT_PREPROCESSING.SAFETY.*`: moderation refused the task. */
export function isModerationCode(code: string | undefined): boolean {
  return code !== undefined && (code.startsWith('SAFETY.') || code.startsWith('INPUT_PREPROCESSING.SAFETY'))
}

/** Who the failure belongs to. */
export interface TaskFailureContext {
  /** Model id as the caller wrote it. */
  model: string
  /** Task id, kept as the error's requestId. */
  taskId: string
}

/**
 * The error of a FAILED task: a ContentPolicyError for moderation codes, else a JobFailedError.
 * Runway calls `INTERNAL*` and `INPUT_PREPROCESSING.INTERNAL` retryable, but the task was accepted
 * (and may be billed), so the core never resubmits it on its own: the caller decides.
 */
export function taskFailureError(failure: string | undefined, code: string | undefined, ctx: TaskFailureContext): LLMKitError {
  const reason = failure?.trim() || 'no reason given'
  const options = { provider: 'runway', model: ctx.model, requestId: ctx.taskId, providerCode: code, retryable: false }
  const suffix = code ? ` [${code}]` : ''
  if (isModerationCode(code)) {
    const stage = code?.includes('OUTPUT') ? 'the generated image' : 'the prompt or a reference image'
    return new ContentPolicyError(`runway ${ctx.model}: task ${ctx.taskId} was blocked by Runway's moderation of ${stage}: ${reason}${suffix}. Rephrase the prompt or change the reference images; retrying the same request will not help`, options)
  }
  const hint = code?.startsWith('INTERNAL.BAD_OUTPUT')
    ? 'Runway rejected its own output (e.g. text overlaid on a reference image); change the inputs, as a plain retry rarely helps'
    : code?.startsWith('INTERNAL') || code === 'INPUT_PREPROCESSING.INTERNAL'
      ? "This is on Runway's side; a new request may succeed"
      : 'Check the request and reference images'
  return new JobFailedError(`runway ${ctx.model}: task ${ctx.taskId} failed: ${reason}${suffix}. ${hint}`, options)
}
