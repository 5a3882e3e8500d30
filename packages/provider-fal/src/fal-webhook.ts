import { createHash, createPublicKey, type KeyObject, verify } from 'node:crypto'
import { checkWebhookTolerance, type WebhookDelivery, webhookHeader, webhookTimestampProblem } from '@llmkit/core'

/** Where fal publishes the ED25519 keys its webhooks are signed with (docs.fal.ai, "Verifying your webhook"). */
export const FAL_JWKS_URL = 'https://rest.alpha.fal.ai/.well-known/jwks.json'

/** Defaults of {@link verifyFalWebhook}, written as data. */
export const FAL_WEBHOOK_DEFAULTS = Object.freeze({
  /** Largest distance between `X-Fal-Webhook-Timestamp` and now, in seconds (fal's docs: ±5 minutes). */
  toleranceSeconds: 300,
  /** How long fetched keys are reused (fal's docs suggest caching them for 24 hours). */
  jwksCacheMs: 24 * 60 * 60 * 1000,
  /** Keys older than this are fetched again once when no key matches (a key rotation). */
  jwksRefreshAfterMs: 5 * 60 * 1000,
  /** Deadline of one JWKS request. */
  jwksTimeoutMs: 10_000,
})

/** One key of a JSON Web Key Set; fal's are Ed25519 (`kty: OKP`, `crv: Ed25519`, `x` base64url). */
export interface FalJwk {
  /** Base64url public key bytes. */
  x: string
  kty?: string | undefined
  crv?: string | undefined
  kid?: string | undefined
}

/** A JSON Web Key Set (`{ keys: [...] }`). */
export interface FalJwks {
  keys: readonly FalJwk[]
}

/** What fal POSTs to a webhook (docs.fal.ai, model endpoints, webhooks). */
export interface FalWebhookEvent {
  /** The queue request id: the job id llmkit reports in `submitted` events and errors. */
  request_id: string
  gateway_request_id?: string | undefined
  /** `OK` when the request succeeded, `ERROR` otherwise. */
  status: 'OK' | 'ERROR'
  /** The model output (pass it to `fromFalResponse`), or the error details. */
  payload: unknown
  /** Why it failed, with `ERROR`. */
  error?: string | undefined
  /** Set when the payload could not be serialised (then `payload` is null). */
  payload_error?: string | undefined
}

/** The outcome of {@link verifyFalWebhook}. */
export type FalWebhookVerification = { ok: true; event: FalWebhookEvent } | { ok: false; reason: string }

/** Options of {@link verifyFalWebhook}. */
export interface FalWebhookVerifyOptions {
  /** The public keys: a key set, or the URL to fetch it from (fetched keys are cached). @defaultValue {@link FAL_JWKS_URL} */
  jwks?: FalJwks | string | URL | undefined
  /** Largest clock distance accepted for the timestamp, in seconds. @defaultValue 300 */
  toleranceSeconds?: number | undefined
  /** The current time in milliseconds (tests). @defaultValue Date.now() */
  now?: number | undefined
  /** Cancels the JWKS request. */
  signal?: AbortSignal | undefined
}

const jwksCache = new Map<string, { keys: KeyObject[]; at: number }>()

function keysOf(jwks: FalJwks): KeyObject[] {
  const keys: KeyObject[] = []
  for (const jwk of jwks.keys ?? []) {
    if (typeof jwk?.x !== 'string') continue
    try {
      keys.push(createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, format: 'jwk' }))
    } catch {
      // A key of another type or a malformed one cannot have signed an fal webhook.
    }
  }
  return keys
}

async function fetchKeys(url: string, signal: AbortSignal | undefined): Promise<KeyObject[]> {
  const deadline = AbortSignal.timeout(FAL_WEBHOOK_DEFAULTS.jwksTimeoutMs)
  const res = await fetch(url, { signal: signal ? AbortSignal.any([signal, deadline]) : deadline, headers: { accept: 'application/json' } })
  if (!res.ok) throw new Error(`JWKS request to ${url} answered HTTP ${res.status}`)
  const keys = keysOf((await res.json()) as FalJwks)
  jwksCache.set(url, { keys, at: Date.now() })
  return keys
}

/**
 * Verifies an fal webhook delivery: the ED25519 signature (`X-Fal-Webhook-Signature`, hex) over
 * `request id \n user id \n timestamp \n sha256(body) hex` against fal's published keys, and the
 * timestamp within the tolerance (replays are refused). Returns the parsed event when it is
 * authentic; never throws for a bad delivery (the reason says what failed).
 * @throws TypeError when `toleranceSeconds` is not a positive number; the JWKS request's error
 * when the keys cannot be fetched (a server should answer 5xx so fal delivers again).
 * @example
 * ```ts
 * const check = await verifyFalWebhook({ headers: req.headers, body: rawBody })
 * if (!check.ok) return res.status(401).end()
 * const result = fromFalResponse(check.event.payload, check.event.request_id)
 * ```
 */
export async function verifyFalWebhook(delivery: WebhookDelivery, options: FalWebhookVerifyOptions = {}): Promise<FalWebhookVerification> {
  const tolerance = options.toleranceSeconds ?? FAL_WEBHOOK_DEFAULTS.toleranceSeconds
  checkWebhookTolerance(tolerance)
  const requestId = webhookHeader(delivery.headers, 'x-fal-webhook-request-id')
  const userId = webhookHeader(delivery.headers, 'x-fal-webhook-user-id')
  const timestamp = webhookHeader(delivery.headers, 'x-fal-webhook-timestamp')
  const signature = webhookHeader(delivery.headers, 'x-fal-webhook-signature')
  if (!requestId || !userId || !timestamp || !signature) return { ok: false, reason: 'missing X-Fal-Webhook-Request-Id, -User-Id, -Timestamp or -Signature header' }
  const stale = webhookTimestampProblem(timestamp, tolerance, options.now ?? Date.now())
  if (stale !== undefined) return { ok: false, reason: stale }
  if (!/^(?:[0-9a-f]{2})+$/i.test(signature)) return { ok: false, reason: 'signature is not hexadecimal' }
  const body = typeof delivery.body === 'string' ? Buffer.from(delivery.body, 'utf8') : delivery.body
  const message = Buffer.from([requestId, userId, timestamp, createHash('sha256').update(body).digest('hex')].join('\n'), 'utf8')
  const signatureBytes = Buffer.from(signature, 'hex')
  const matches = (keys: KeyObject[]) => keys.some((key) => verify(null, message, key, signatureBytes))

  const source = options.jwks ?? FAL_JWKS_URL
  let valid: boolean
  if (typeof source === 'string' || source instanceof URL) {
    const url = source.toString()
    const cached = jwksCache.get(url)
    const fresh = cached !== undefined && Date.now() - cached.at < FAL_WEBHOOK_DEFAULTS.jwksCacheMs
    valid = matches(fresh ? cached.keys : await fetchKeys(url, options.signal))
    // A key rotated since the keys were fetched: fetch once more (not more often than every 5 minutes).
    if (!valid && fresh && Date.now() - cached.at > FAL_WEBHOOK_DEFAULTS.jwksRefreshAfterMs) valid = matches(await fetchKeys(url, options.signal))
  } else {
    valid = matches(keysOf(source))
  }
  if (!valid) return { ok: false, reason: 'signature does not match any fal public key' }
  let event: FalWebhookEvent
  try {
    event = JSON.parse(Buffer.from(body).toString('utf8')) as FalWebhookEvent
  } catch {
    return { ok: false, reason: 'body is not JSON' }
  }
  // The signed header names the request; a body naming another one was not what fal signed for it.
  if (event?.request_id !== requestId) return { ok: false, reason: 'body request_id differs from X-Fal-Webhook-Request-Id' }
  return { ok: true, event }
}
