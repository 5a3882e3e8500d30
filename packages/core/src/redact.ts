import { LLMKitError } from './errors.js'
import type { ImageGenerationResponse } from './response.js'

/** What every secret is replaced with. */
export const REDACTED = '[redacted]'

/**
 * Shortest value redacted by value. Every provider key is far longer (the emulator's placeholder
 * `emulator-openai-key` has 19 characters); replacing a 3-letter "key" everywhere would mangle
 * messages without protecting anything.
 */
export const MIN_SECRET_LENGTH = 8

/** Nesting followed inside errors and log objects; deeper values are kept as they are. */
const MAX_DEPTH = 8

/**
 * Every spelling of a secret that can reach a text: as is, percent-encoded (echoed in a URL) and
 * JSON-escaped (echoed in a JSON body read as text). Longest first, so a key that contains
 * another key is replaced whole.
 */
function spellings(secrets: Iterable<string | undefined>): string[] {
  const out = new Set<string>()
  for (const secret of secrets) {
    if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) continue
    out.add(secret)
    out.add(encodeURIComponent(secret))
    out.add(JSON.stringify(secret).slice(1, -1))
  }
  return [...out].sort((a, b) => b.length - a.length)
}

/** Replaces every occurrence of each secret (and its encoded spellings) in a text. */
export function redactSecrets(text: string, secrets: Iterable<string | undefined>): string {
  return replaceAll(text, spellings(secrets))
}

function replaceAll(text: string, spellings: readonly string[]): string {
  let out = text
  for (const secret of spellings) if (out.includes(secret)) out = out.split(secret).join(REDACTED)
  return out
}

/**
 * Redacts the keys a client holds, by value, from anything it hands out: error fields (message,
 * body, requestId, providerCode, param, cause chain, paid work, a split call's partial response), response request ids and
 * warnings, and log objects. Key-shaped patterns miss keys without a known prefix (Recraft's) and
 * keys a server echoes somewhere unexpected (a request id header), so values are what count.
 *
 * Copies are made only when a secret is found: a clean error or response is returned as is.
 */
export class SecretRedactor {
  readonly #source: () => Iterable<string | undefined>
  #cachedFrom: string | undefined
  #cached: string[] = []

  /** @param secrets Read on each use, so keys of providers registered later are covered. */
  constructor(secrets: () => Iterable<string | undefined>) {
    this.#source = secrets
  }

  /** The spellings to replace, recomputed only when the set of secrets changes. */
  #spellings(): string[] {
    const secrets = [...this.#source()].filter((s): s is string => typeof s === 'string')
    const key = secrets.join('\u0000')
    if (key !== this.#cachedFrom) {
      this.#cachedFrom = key
      this.#cached = spellings(secrets)
    }
    return this.#cached
  }

  /** A text with every secret replaced by {@link REDACTED}. */
  text(text: string): string {
    return replaceAll(text, this.#spellings())
  }

  /**
   * A copy of any value (string, array, plain object, error) with secrets redacted in every
   * string; the same value when it holds none. Errors keep their class and every field.
   */
  value<T>(value: T): T {
    const secrets = this.#spellings()
    if (secrets.length === 0) return value
    return this.#walk(value, 0, new Set(), secrets) as T
  }

  /** {@link value} for a thrown value: an error comes back as an error of the same class. */
  error<T>(error: T): T {
    return this.value(error)
  }

  #walk(value: unknown, depth: number, seen: Set<object>, secrets: readonly string[]): unknown {
    if (typeof value === 'string') return replaceAll(value, secrets)
    if (value === null || typeof value !== 'object' || depth > MAX_DEPTH || seen.has(value)) return value
    seen.add(value)
    try {
      if (Array.isArray(value)) {
        const items = value.map((item) => this.#walk(item, depth + 1, seen, secrets))
        return items.some((item, i) => item !== value[i]) ? items : value
      }
      if (value instanceof Error || LLMKitError.isInstance(value)) return this.#copyError(value as Error, depth, seen, secrets)
      const proto: unknown = Object.getPrototypeOf(value)
      // Class instances (Date, Buffer, a response) are not data we can copy faithfully.
      if (proto !== Object.prototype && proto !== null) return value
      let changed = false
      const out: Record<string, unknown> = Object.create(proto) as Record<string, unknown>
      for (const key of Object.keys(value)) {
        const before = (value as Record<string, unknown>)[key]
        const after = this.#walk(before, depth + 1, seen, secrets)
        if (after !== before) changed = true
        Object.defineProperty(out, key, { value: after, enumerable: true, writable: true, configurable: true })
      }
      return changed ? out : value
    } catch {
      // An unreadable value (a throwing getter) is better handed out as is than hidden.
      return value
    } finally {
      seen.delete(value)
    }
  }

  /** A copy of an error, same prototype and fields, with secrets redacted; the error itself when clean. */
  #copyError(error: Error, depth: number, seen: Set<object>, secrets: readonly string[]): Error {
    const fields = new Map<PropertyKey, PropertyDescriptor>()
    let changed = false
    for (const key of Reflect.ownKeys(error)) {
      const descriptor = Object.getOwnPropertyDescriptor(error, key)
      if (descriptor === undefined) continue
      if (key === 'stack' || !('value' in descriptor)) {
        // V8's `stack` is an accessor bound to the original; keep its text as plain data.
        const before: unknown = key === 'stack' ? error.stack : undefined
        const after = typeof before === 'string' ? replaceAll(before, secrets) : before
        if (after !== before) changed = true
        fields.set(key, key === 'stack' ? { value: after, enumerable: false, writable: true, configurable: true } : descriptor)
        continue
      }
      // A split call's `partial` response is a class instance: redacted the way responses are.
      const after = key === 'partial' && isResponse(descriptor.value) ? redactResponse(descriptor.value, this) : this.#walk(descriptor.value, depth + 1, seen, secrets)
      if (after !== descriptor.value) changed = true
      fields.set(key, { ...descriptor, value: after })
    }
    if (!changed) return error
    const copy = Object.create(Object.getPrototypeOf(error) as object) as Error
    for (const [key, descriptor] of fields) Object.defineProperty(copy, key, descriptor)
    return copy
  }
}

function isResponse(value: unknown): value is ImageGenerationResponse {
  return typeof value === 'object' && value !== null && typeof (value as ImageGenerationResponse).with === 'function' && Array.isArray((value as ImageGenerationResponse).requestIds)
}

/**
 * A response with secrets redacted from what a server could echo into it (request ids, warning
 * texts); the same response when it holds none.
 */
export function redactResponse(response: ImageGenerationResponse, redactor: SecretRedactor): ImageGenerationResponse {
  const requestIds = redactor.value(response.requestIds)
  const warnings = redactor.value(response.warnings)
  return requestIds === response.requestIds && warnings === response.warnings ? response : response.with({ requestIds, warnings })
}
