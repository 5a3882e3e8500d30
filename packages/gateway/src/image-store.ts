import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto'

/** One image held for a signed URL. */
export interface StoredImage {
  /** The bytes. */
  readonly bytes: Buffer
  /** Their MIME type. */
  readonly mimeType: string
  /** When the URL stops working (ms since the epoch). */
  readonly expiresAt: number
}

/**
 * Images the gateway serves itself, when a provider returned bytes and the client asked for a
 * URL. Held in memory up to `maxBytes` (oldest dropped first) and until their expiry; each URL
 * carries an expiry and an HMAC-SHA256 of id and expiry, so it cannot be guessed, extended or
 * pointed at another image. The secret is random per process unless given (URLs do not survive
 * a restart anyway: the bytes are in memory).
 */
export class SignedImageStore {
  readonly #images = new Map<string, StoredImage>()
  readonly #secret: Buffer
  readonly #ttlMs: number
  readonly #maxBytes: number
  readonly #now: () => number
  #bytes = 0

  /**
   * @param options `ttlSeconds` of each URL, `maxBytes` held in all, the HMAC `secret` (random
   * when omitted) and a clock (tests).
   */
  constructor(options: { ttlSeconds: number; maxBytes: number; secret?: string | undefined; now?: (() => number) | undefined }) {
    this.#secret = options.secret === undefined ? randomBytes(32) : Buffer.from(options.secret, 'utf8')
    this.#ttlMs = options.ttlSeconds * 1000
    this.#maxBytes = options.maxBytes
    this.#now = options.now ?? Date.now
  }

  /** Stores an image and returns the path and query of its signed URL (`/v1/images/files/<id>?expires=..&signature=..`). */
  put(bytes: Buffer, mimeType: string): { path: string; expiresAt: number } {
    this.#sweep()
    const id = randomUUID()
    const expiresAt = this.#now() + this.#ttlMs
    this.#images.set(id, { bytes, mimeType, expiresAt })
    this.#bytes += bytes.length
    // Map order is insertion order: the first entries are the oldest.
    for (const [oldId, image] of this.#images) {
      if (this.#bytes <= this.#maxBytes || oldId === id) break
      this.#images.delete(oldId)
      this.#bytes -= image.bytes.length
    }
    const expires = Math.floor(expiresAt / 1000)
    return { path: `/v1/images/files/${id}?expires=${expires}&signature=${this.#sign(id, expires)}`, expiresAt }
  }

  /** The image of a signed URL, or why not: `'forbidden'` (bad or missing signature), `'expired'`, `'gone'` (dropped or unknown). */
  get(id: string, expires: string | undefined, signature: string | undefined): StoredImage | 'forbidden' | 'expired' | 'gone' {
    if (expires === undefined || signature === undefined || !/^\d{1,12}$/.test(expires) || !/^[A-Za-z0-9_-]{43}$/.test(signature)) return 'forbidden'
    const expected = Buffer.from(this.#sign(id, Number(expires)))
    const given = Buffer.from(signature)
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return 'forbidden'
    if (Number(expires) * 1000 <= this.#now()) return 'expired'
    const image = this.#images.get(id)
    if (image === undefined || image.expiresAt <= this.#now()) return 'gone'
    return image
  }

  /** Bytes held. */
  get bytes(): number {
    return this.#bytes
  }

  #sign(id: string, expires: number): string {
    return createHmac('sha256', this.#secret).update(`${id}.${expires}`).digest('base64url')
  }

  #sweep(): void {
    const now = this.#now()
    // Every image has the same lifetime, so insertion order is expiry order.
    for (const [id, image] of this.#images) {
      if (image.expiresAt > now) break
      this.#images.delete(id)
      this.#bytes -= image.bytes.length
    }
  }
}
