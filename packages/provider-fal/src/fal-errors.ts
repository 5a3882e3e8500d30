import type { HttpResponse, ParsedProviderError } from '@llmkit/core'
import { falErrorSchema } from './fal-api.js'

/** fal's hard moderation block (422 `detail[].type`, docs error catalogue). */
const CONTENT_POLICY_TYPE = 'content_policy_violation'
/** fal locks an account with an empty balance; retrying cannot help (observed wording, unverified). */
const QUOTA_MESSAGE = /exhausted balance|insufficient (balance|credit)/i

/** Reads a fal error body (JSON or text) into llmkit's shape. Never throws. */
export function parseFalErrorBody(body: unknown, text: string): ParsedProviderError {
  const parsed = falErrorSchema.safeParse(body)
  if (!parsed.success) return { message: text.slice(0, 300) || undefined }
  const { message, detail, error_type: errorType } = parsed.data
  if (Array.isArray(detail)) {
    const first = detail[0]
    // loc is ['body', 'num_images']: the first element only says where the field was.
    const param = first?.loc?.filter((part) => part !== 'body').join('.') || undefined
    const text = detail.map((d) => [d.loc?.filter((part) => part !== 'body').join('.'), d.msg].filter(Boolean).join(': ')).join('; ')
    return {
      message: message ?? (text || undefined),
      code: first?.type ?? errorType ?? undefined,
      type: errorType ?? undefined,
      param,
      kind: detail.some((d) => d.type === CONTENT_POLICY_TYPE) ? 'content_policy' : undefined,
    }
  }
  const msg = message ?? detail ?? undefined
  return {
    message: msg ?? (text.slice(0, 300) || undefined),
    code: errorType ?? undefined,
    type: errorType ?? undefined,
    kind: msg && QUOTA_MESSAGE.test(msg) ? 'quota' : errorType === CONTENT_POLICY_TYPE ? 'content_policy' : undefined,
  }
}

/**
 * fal's error parser: the body (above) plus its retry headers. `X-Fal-Retryable` is the
 * server's own hint; a 504 caused by our `x-fal-request-timeout` (`X-Fal-Request-Timeout-Type:
 * user`) must not be retried, as the fal SDK also decides.
 */
export function parseFalError(res: HttpResponse): ParsedProviderError {
  const parsed = parseFalErrorBody(res.json(), res.text())
  const hint = res.headers['x-fal-retryable']
  const userTimeout = res.status === 504 && res.headers['x-fal-request-timeout-type'] === 'user'
  const retryable = userTimeout ? false : hint === 'true' ? true : hint === 'false' ? false : undefined
  return {
    ...parsed,
    code: parsed.code ?? res.headers['x-fal-error-type'],
    retryable,
  }
}
