import { createHash, createHmac, generateKeyPairSync, randomBytes, sign } from 'node:crypto'
import { delay } from './http-util.js'

/**
 * The ED25519 key the emulated fal signs its webhooks with, made once per process. Its public
 * half is served as a JWKS at `GET {emulator}/fal/.well-known/jwks.json`, the emulator's stand-in
 * for `https://rest.alpha.fal.ai/.well-known/jwks.json`.
 */
const falKey = generateKeyPairSync('ed25519')

/** The user id the emulated fal names in `X-Fal-Webhook-User-Id`. */
export const EMULATOR_FAL_USER_ID = 'emulator-user'

/** Path of the emulated fal JWKS below the emulator's origin. */
export const FAL_JWKS_PATH = '/fal/.well-known/jwks.json'

/**
 * The signing secret the emulated Replicate signs its webhooks with (also answered by
 * `GET /replicate/v1/webhooks/default/secret` as `key`, as the real API does).
 */
export const EMULATOR_REPLICATE_WEBHOOK_SECRET = `whsec_${Buffer.from('llmkit-emulator-replicate-webhook').toString('base64')}`

/** The emulated fal's public keys as a JSON Web Key Set. */
export function falJwks(): { keys: Record<string, string>[] } {
  const jwk = falKey.publicKey.export({ format: 'jwk' }) as { kty: string; crv: string; x: string }
  return { keys: [{ kty: jwk.kty, crv: jwk.crv, x: jwk.x, kid: 'emulator-fal-1', alg: 'EdDSA', use: 'sig' }] }
}

/** fal's webhook headers: ED25519 over `request id \n user id \n timestamp \n sha256(body) hex`, hex-encoded. */
export function falWebhookHeaders(requestId: string, body: string, now = Date.now()): Record<string, string> {
  const timestamp = String(Math.floor(now / 1000))
  const message = [requestId, EMULATOR_FAL_USER_ID, timestamp, createHash('sha256').update(body).digest('hex')].join('\n')
  return {
    'x-fal-webhook-request-id': requestId,
    'x-fal-webhook-user-id': EMULATOR_FAL_USER_ID,
    'x-fal-webhook-timestamp': timestamp,
    'x-fal-webhook-signature': sign(null, Buffer.from(message), falKey.privateKey).toString('hex'),
  }
}

/** Replicate's (Standard Webhooks) headers: `v1,` + base64 HMAC-SHA256 of `id.timestamp.body` keyed with the secret's base64 part. */
export function replicateWebhookHeaders(body: string, now = Date.now()): Record<string, string> {
  const id = `msg_${randomBytes(12).toString('hex')}`
  const timestamp = String(Math.floor(now / 1000))
  const key = Buffer.from(EMULATOR_REPLICATE_WEBHOOK_SECRET.slice('whsec_'.length), 'base64')
  return { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}` }
}

/** Deliveries go to this machine only: the emulator never reaches out to the internet. */
function isLoopback(url: string): boolean {
  try {
    const { protocol, hostname } = new URL(url)
    return (protocol === 'http:' || protocol === 'https:') && ['127.0.0.1', 'localhost', '[::1]', '::1'].includes(hostname)
  } catch {
    return false
  }
}

/** Attempts per delivery (fal retries 10 times over 2 hours; the emulator keeps it short). */
const ATTEMPTS = 3
const ATTEMPT_TIMEOUT_MS = 5_000
const RETRY_DELAY_MS = 100

/**
 * POSTs a signed JSON body to a webhook on this machine, retrying a failed or non-2xx delivery
 * twice. Never throws; a URL off this machine is skipped.
 */
export async function deliverWebhook(url: string, body: string, headers: Record<string, string>): Promise<boolean> {
  if (!isLoopback(url)) return false
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    if (attempt > 0) await delay(RETRY_DELAY_MS)
    try {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body, signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS) })
      await res.arrayBuffer()
      if (res.ok) return true
    } catch {
      // Try again.
    }
  }
  return false
}

/** Runs `task` after `ms` without keeping the process alive for it. */
export function later(ms: number, task: () => unknown): void {
  setTimeout(() => void Promise.resolve().then(task).catch(() => {}), Math.max(0, ms)).unref()
}
