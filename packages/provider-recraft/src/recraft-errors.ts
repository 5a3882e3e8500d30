import type { HttpResponse, ParsedProviderError } from '@llmkit/core'
import { recraftErrorSchema } from './recraft-api.js'

/**
 * Recraft documents no balance error code or status (recraft.md: "402 / 4xx, JSON or text"), so
 * an empty balance is recognised by its words; quota errors must not be retried.
 */
const QUOTA_TEXT = /insufficient (api )?(units|credits|balance|funds)|not enough (api )?(units|credits|balance)|(units|credits|balance) (is )?(exhausted|exceeded|too low)|top up/i
/** No documented moderation code either: a refusal is told by its words only (a heuristic). */
const CONTENT_POLICY_TEXT = /inappropriate|nsfw|content polic|moderation|safety|prohibited content/i

function isJson(res: HttpResponse): boolean {
  return /\bjson\b/i.test(res.headers['content-type'] ?? '')
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    return undefined
  }
}

function detailMessage(detail: unknown): string | undefined {
  if (typeof detail === 'string') return detail
  // FastAPI validation: [{ loc, msg, type }]
  if (Array.isArray(detail)) {
    const first = detail[0] as { msg?: unknown } | undefined
    return typeof first?.msg === 'string' ? first.msg : undefined
  }
  return undefined
}

/**
 * Reads a Recraft error body. The body is read as text first and parsed as JSON only when the
 * answer says `application/json`, because Recraft answers 401 and 404 in plain text
 * (`request unauthorized`, `404 page not found`). Never throws.
 */
export function parseRecraftError(res: HttpResponse): ParsedProviderError {
  const text = res.text().trim()
  const body = isJson(res) ? recraftErrorSchema.safeParse(parseJson(text)) : undefined
  let out: ParsedProviderError
  if (body?.success) {
    const { error, detail } = body.data
    const nested = typeof error === 'object' && error !== null ? error : undefined
    const code = body.data.code ?? nested?.code
    const message = body.data.message ?? nested?.message ?? (typeof error === 'string' ? error : undefined) ?? detailMessage(detail)
    out = {
      message: message ?? (code !== undefined && code !== null ? String(code) : text.slice(0, 300)) ?? undefined,
      code: code === undefined || code === null ? undefined : String(code),
      param: body.data.param ?? nested?.param ?? undefined,
    }
  } else {
    out = { message: text.slice(0, 300) || undefined }
  }
  const words = `${out.code ?? ''} ${out.message ?? ''}`.replaceAll('_', ' ')
  const kind = CONTENT_POLICY_TEXT.test(words) ? 'content_policy' : QUOTA_TEXT.test(words) ? 'quota' : undefined
  return kind === undefined ? out : { ...out, kind }
}
