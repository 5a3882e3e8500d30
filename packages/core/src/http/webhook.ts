import { checkPositive } from '../option-checks.js'

/** A webhook delivery as a server receives it: its headers and its raw body, byte for byte. */
export interface WebhookDelivery {
  /** Request headers: a fetch `Headers`, or Node's `IncomingHttpHeaders`. */
  headers: Headers | Readonly<Record<string, string | readonly string[] | undefined>>
  /** The raw body: re-serialised JSON does not verify. */
  body: string | Uint8Array
}

/** Reads one header of a delivery, case-insensitively, from either header form (repeated values joined with `, `). */
export function webhookHeader(headers: WebhookDelivery['headers'], name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined
  const record = headers as Readonly<Record<string, string | readonly string[] | undefined>>
  const lower = name.toLowerCase()
  const key = Object.keys(record).find((k) => k.toLowerCase() === lower)
  const value = key === undefined ? undefined : record[key]
  return Array.isArray(value) ? value.join(', ') : (value as string | undefined)
}

/**
 * Checks a verifier's `toleranceSeconds` option, before anything of the delivery is read.
 * @throws TypeError when it is not a positive number.
 */
export function checkWebhookTolerance(toleranceSeconds: number): void {
  checkPositive('toleranceSeconds', toleranceSeconds)
}

/**
 * The replay check every provider's webhook verifier applies: the delivery's timestamp (Unix
 * seconds, digits only) must be within `toleranceSeconds` of `nowMs`. Returns why it is not, or
 * undefined when it is. Check `toleranceSeconds` with {@link checkWebhookTolerance} first.
 */
export function webhookTimestampProblem(timestamp: string, toleranceSeconds: number, nowMs: number): string | undefined {
  if (/^\d+$/.test(timestamp) && Math.abs(nowMs / 1000 - Number(timestamp)) <= toleranceSeconds) return undefined
  return `timestamp ${timestamp} is more than ${toleranceSeconds} s away from now`
}
