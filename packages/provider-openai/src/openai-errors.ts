import type { HttpResponse, ParsedProviderError } from '@llmkit/core'
import { openaiErrorSchema } from './openai-api.js'

/** Codes that mean the safety system refused: DALL·E's and GPT image's spellings. */
const CONTENT_POLICY_CODES = new Set(['content_policy_violation', 'moderation_blocked'])
/** A 429 with this code is an empty balance, not a rate limit: never retry it. */
const QUOTA_CODES = new Set(['insufficient_quota', 'billing_hard_limit_reached'])

/** Reads OpenAI's error envelope `{ error: { message, type, param, code } }`. Never throws. */
export function parseOpenAIError(res: HttpResponse): ParsedProviderError {
  const parsed = openaiErrorSchema.safeParse(res.json())
  if (!parsed.success) return { message: res.text().slice(0, 300) || undefined }
  const { message, type, param, code } = parsed.data.error
  const kind =
    (code && CONTENT_POLICY_CODES.has(code)) || type === 'image_generation_user_error'
      ? 'content_policy'
      : (code && QUOTA_CODES.has(code)) || type === 'insufficient_quota'
        ? 'quota'
        : code === 'model_not_found'
          ? 'model_not_found'
          : undefined
  return {
    message: message ?? code ?? type ?? undefined,
    code: code ?? undefined,
    type: type ?? undefined,
    param: param ?? undefined,
    kind,
  }
}
