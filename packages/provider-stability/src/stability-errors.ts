import type { HttpResponse, ParsedProviderError } from '@llmkit/core'
import { stabilityErrorSchema } from './stability-api.js'

/** Error names that mean moderation refused the prompt: v2beta's 403, v1's "prompt contains filtered words". */
const CONTENT_POLICY_NAMES = new Set(['content_moderation', 'invalid_prompts'])
/** An empty balance is not a rate limit; retrying cannot help (402 is not in every docs page, so the text is read too). */
const QUOTA_TEXT = /\b(insufficient|lack|not enough|out of)\b.*\b(credits?|balance)\b|\bcredits?\b.*\b(insufficient|exhausted)\b/i
/** A v2beta message often starts with the field it blames: `aspect_ratio: must be one of ...`. */
const PARAM_PREFIX = /^([a-z][a-z0-9_]*): /

/**
 * Reads Stability's error envelopes, v2beta `{ id, name, errors: [...] }` and v1
 * `{ id, name, message }`. Never throws.
 */
export function parseStabilityError(res: HttpResponse): ParsedProviderError {
  const parsed = stabilityErrorSchema.safeParse(res.json())
  if (!parsed.success) return { message: res.text().slice(0, 300) || undefined }
  const { name, errors, message: v1Message } = parsed.data
  const message = errors?.length ? errors.join('; ') : (v1Message ?? name ?? undefined)
  const kind =
    name && CONTENT_POLICY_NAMES.has(name)
      ? 'content_policy'
      : res.status === 402 || (message !== undefined && QUOTA_TEXT.test(message))
        ? 'quota'
        : // v1 answers 404 not_found for an unknown engine id; elsewhere a 404 is a wrong base URL.
          res.status === 404 && res.url.includes('/v1/generation/')
          ? 'model_not_found'
          : undefined
  return {
    message,
    code: name ?? undefined,
    param: errors?.[0] ? PARAM_PREFIX.exec(errors[0])?.[1] : undefined,
    kind,
  }
}
