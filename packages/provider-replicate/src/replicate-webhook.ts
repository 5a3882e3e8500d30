import { createHmac, timingSafeEqual } from 'node:crypto'
import { checkWebhookTolerance, type WebhookDelivery, webhookHeader, webhookTimestampProblem } from '@llmkit/core'
import { type ReplicatePrediction, replicatePredictionSchema } from './replicate-api.js'

/** Defaults of {@link verifyReplicateWebhook}, written as data. */
export const REPLICATE_WEBHOOK_DEFAULTS = Object.freeze({
  /** Largest distance between `webhook-timestamp` and now, in seconds (replays older than this are refused). */
  toleranceSeconds: 300,
})

/** A delivery as a server receives it: its headers and its raw body, byte for byte (the core's {@link WebhookDelivery}). */
export type ReplicateWebhookDelivery = WebhookDelivery

/** Options of {@link verifyReplicateWebhook}. */
export interface ReplicateWebhookVerifyOptions {
  /**
   * The signing secret, `whsec_<base64>` (`GET /v1/webhooks/default/secret` answers it as `key`).
   * Keep it out of logs like an API key.
   */
  secret: string
  /** Largest clock distance accepted for the timestamp, in seconds. @defaultValue 300 */
  toleranceSeconds?: number | undefined
  /** The current time in milliseconds (tests). @defaultValue Date.now() */
  now?: number | undefined
}

/** The outcome of {@link verifyReplicateWebhook}: the prediction the delivery carries, when authentic. */
export type ReplicateWebhookVerification = { ok: true; prediction: ReplicatePrediction; webhookId: string } | { ok: false; reason: string }

/**
 * Verifies a Replicate webhook delivery as the official SDK's `validateWebhook` does: the
 * HMAC-SHA256, keyed with the base64 part of the `whsec_` secret, of
 * `{webhook-id}.{webhook-timestamp}.{raw body}` must equal one of the `v1,<base64>` entries of
 * `webhook-signature`; the timestamp must be within the tolerance (replays are refused). Returns
 * the prediction, parsed; never throws for a bad delivery (the reason says what failed).
 * A delivery repeats (`webhook-id` is the same): handle it idempotently.
 * @throws TypeError when the secret is not `whsec_<base64>` or `toleranceSeconds` is not positive.
 * @example
 * ```ts
 * const check = verifyReplicateWebhook({ headers: req.headers, body: rawBody }, { secret: process.env.REPLICATE_WEBHOOK_SECRET! })
 * if (!check.ok) return res.status(401).end()
 * if (check.prediction.status === 'succeeded') save(fromReplicateOutput(check.prediction, Date.now(), undefined))
 * ```
 */
export function verifyReplicateWebhook(delivery: ReplicateWebhookDelivery, options: ReplicateWebhookVerifyOptions): ReplicateWebhookVerification {
  const match = /^whsec_([A-Za-z0-9+/]+={0,2})$/.exec(options.secret ?? '')
  if (!match) throw new TypeError('Expected `secret` to be a Replicate webhook signing secret (whsec_ followed by base64).')
  const tolerance = options.toleranceSeconds ?? REPLICATE_WEBHOOK_DEFAULTS.toleranceSeconds
  checkWebhookTolerance(tolerance)
  const id = webhookHeader(delivery.headers, 'webhook-id')
  const timestamp = webhookHeader(delivery.headers, 'webhook-timestamp')
  const signatures = webhookHeader(delivery.headers, 'webhook-signature')
  if (!id || !timestamp || !signatures) return { ok: false, reason: 'missing webhook-id, webhook-timestamp or webhook-signature header' }
  const stale = webhookTimestampProblem(timestamp, tolerance, options.now ?? Date.now())
  if (stale !== undefined) return { ok: false, reason: stale }
  const body = typeof delivery.body === 'string' ? Buffer.from(delivery.body, 'utf8') : Buffer.from(delivery.body)
  const expected = createHmac('sha256', Buffer.from(match[1]!, 'base64'))
    .update(`${id}.${timestamp}.`)
    .update(body)
    .digest()
  const valid = signatures.split(' ').some((entry) => {
    const [version, value] = entry.split(',', 2)
    if (version !== 'v1' || !value) return false
    const given = Buffer.from(value, 'base64')
    return given.length === expected.length && timingSafeEqual(given, expected)
  })
  if (!valid) return { ok: false, reason: 'no v1 signature matches the secret' }
  let json: unknown
  try {
    json = JSON.parse(body.toString('utf8'))
  } catch {
    return { ok: false, reason: 'body is not JSON' }
  }
  const parsed = replicatePredictionSchema.safeParse(json)
  if (!parsed.success) return { ok: false, reason: 'body is not a prediction' }
  return { ok: true, prediction: parsed.data, webhookId: id }
}
