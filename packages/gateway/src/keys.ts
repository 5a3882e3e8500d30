import { createHash, timingSafeEqual } from 'node:crypto'
import type { GatewayConfig, KeyPolicy } from './config.js'
import { redisKeyRecordSchema } from './config.js'

/** A gateway key the server knows: its id and policy, never the key. */
export interface GatewayKey extends KeyPolicy {
  /** Name in logs, metrics and budgets. */
  readonly id: string
}

/** Reads one key record by the key's SHA-256 (hex); Redis implements it with one HGET. */
export type KeyLookup = (sha256Hex: string) => Promise<string | null | undefined>

/** SHA-256 of a gateway key, lowercase hex: what the config file and Redis store. */
export function hashGatewayKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex')
}

/** The bearer token of an `Authorization` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header)
  return match?.[1]
}

/**
 * The keys a gateway accepts. Only SHA-256 digests are held; a presented key is hashed and
 * compared with every known digest in constant time (all are compared, so the time does not tell
 * which one matched or how far a guess got). Redis keys are looked up by digest.
 */
export class KeyRing {
  readonly #entries: { digest: Buffer; key: GatewayKey }[] = []
  readonly #lookup: KeyLookup | undefined

  /**
   * @param config the `keys` and `envKeyPolicy` of the configuration
   * @param envKeys the plain keys of `LLMKIT_GATEWAY_KEYS` (hashed here, then dropped)
   * @param lookup reads a Redis key record by digest
   */
  constructor(config: Pick<GatewayConfig, 'keys' | 'envKeyPolicy'>, envKeys: readonly string[] = [], lookup?: KeyLookup) {
    for (const entry of config.keys) {
      const { sha256, ...policy } = entry
      this.#entries.push({ digest: Buffer.from(sha256, 'hex'), key: Object.freeze({ ...policy }) })
    }
    for (const plain of envKeys) {
      const digest = hashGatewayKey(plain)
      this.#entries.push({ digest: Buffer.from(digest, 'hex'), key: Object.freeze({ ...config.envKeyPolicy, id: `env-${digest.slice(0, 8)}` }) })
    }
    this.#lookup = lookup
  }

  /** How many keys the config file and the environment gave (Redis keys are not counted). */
  get size(): number {
    return this.#entries.length
  }

  /** Whether any key can ever match: without keys nor Redis every request is refused. */
  get canAuthenticate(): boolean {
    return this.#entries.length > 0 || this.#lookup !== undefined
  }

  /**
   * The key a presented token belongs to, or undefined.
   * @throws when the Redis lookup fails (the caller answers 503, never lets the request through).
   */
  async verify(token: string | undefined): Promise<GatewayKey | undefined> {
    if (token === undefined || token === '' || token.length > 512) return undefined
    const digestHex = hashGatewayKey(token)
    const digest = Buffer.from(digestHex, 'hex')
    let found: GatewayKey | undefined
    for (const entry of this.#entries) {
      // No early exit: every entry is compared.
      if (timingSafeEqual(entry.digest, digest) && found === undefined) found = entry.key
    }
    if (found !== undefined || this.#lookup === undefined) return found
    const record = await this.#lookup(digestHex)
    if (record === null || record === undefined) return undefined
    let json: unknown
    try {
      json = JSON.parse(record)
    } catch {
      throw new Error('a gateway key record in Redis is not JSON')
    }
    const parsed = redisKeyRecordSchema.safeParse(json)
    if (!parsed.success) throw new Error(`a gateway key record in Redis is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`)
    return Object.freeze(parsed.data)
  }
}

/** Splits `LLMKIT_GATEWAY_KEYS` (comma-separated, blanks ignored). */
export function parseEnvKeys(value: string | undefined): string[] {
  if (value === undefined) return []
  return value
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k !== '')
}

/**
 * Whether a key may use a model. Patterns are exact ids or prefixes ending in `*`, matched
 * against the id as requested, the model's own id and `provider:id`.
 */
export function modelAllowed(key: GatewayKey, names: readonly string[]): boolean {
  if (key.models === undefined) return true
  return key.models.some((pattern) =>
    pattern.endsWith('*') ? names.some((name) => name.startsWith(pattern.slice(0, -1))) : names.includes(pattern),
  )
}
