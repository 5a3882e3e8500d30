import { prng } from './png.js'

/** A failure the emulator plays instead of a normal answer. */
export interface Fault {
  /** How many matching requests get this fault. @defaultValue 1 */
  count?: number | undefined
  /** Only requests whose path starts with this (e.g. `/openai/v1/images`). @defaultValue every request */
  pathPrefix?: string | undefined
  /** Only this method. */
  method?: string | undefined
  /** Only requests whose body contains this text (e.g. a test's own prompt), so parallel tests sharing one emulator do not take each other's faults. */
  bodyIncludes?: string | undefined
  /** Answer with this status... */
  status?: number | undefined
  /** ...these headers (e.g. `retry-after`)... */
  headers?: Record<string, string> | undefined
  /** ...and this body (objects are sent as JSON). */
  body?: unknown
  /** Never answer (the client must time out or abort). */
  hang?: boolean | undefined
  /** Destroy the socket without an answer (connection reset), once the request body was read. */
  reset?: boolean | undefined
  /**
   * Destroy the socket as soon as the request head arrives, before its body is read. Without
   * `bodyIncludes` the fault is matched on method and path at that moment; with it, only once the
   * body is read (then it plays like `reset`).
   */
  resetBeforeBody?: boolean | undefined
  /** Wait this long before answering normally or with the fault. */
  delayMs?: number | undefined
  /**
   * Let the provider handle the request first (a job is created, the work is done and would be
   * billed), then play `reset`, `hang` or `status` on its answer. With `reset` or `hang` this is the
   * ambiguous outcome: the request arrived in full and no status came back. With `status` the
   * answer was replaced after the work was done (a garbled 200 from a sync provider).
   */
  afterHandling?: boolean | undefined
  /** Send the head of the real answer with its true content-length, half of its body, then close. */
  truncate?: boolean | undefined
  /** Send the real answer in `chunks` pieces, `intervalMs` apart: a slow body. */
  drip?: { chunks?: number | undefined; intervalMs?: number | undefined } | undefined
  /**
   * Change the images in the real (2xx) answer: `'extra'` adds a copy of the first image, `'none'`
   * removes them all, `'html'` replaces inline image data (base64 fields, data URIs, the bytes of
   * `/files/` and image answers) with an HTML page that still claims to be an image.
   */
  images?: 'extra' | 'none' | 'html' | undefined
}

/** An HTML error page, as a CDN or gateway sends it. */
export const HTML_PAGE = '<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>'

/**
 * Named faults for fault matrices and {@link ChaosOptions}: each is a {@link Fault} without
 * `count` or any matching field.
 */
export const FAULT_KINDS = Object.freeze({
  /** 429 without any hint of when to come back. */
  'rate-limit': { status: 429, body: { error: { message: 'Rate limit reached (emulator fault)', type: 'requests', code: 'rate_limit_exceeded' } } },
  /** 429 with `retry-after: 1`. */
  'rate-limit-retry-after': { status: 429, headers: { 'retry-after': '1' }, body: { error: { message: 'Rate limit reached (emulator fault)', type: 'requests', code: 'rate_limit_exceeded' } } },
  /** 500 with a JSON body. */
  'server-error': { status: 500, body: { error: { message: 'The server had an error (emulator fault)', type: 'server_error' } } },
  /** 502 with a gateway's HTML page. */
  'bad-gateway': { status: 502, headers: { 'content-type': 'text/html' }, body: HTML_PAGE },
  /** 503 with a JSON body. */
  unavailable: { status: 503, body: { error: { message: 'Service unavailable (emulator fault)', type: 'server_error' } } },
  /** Connection reset before the request body was read. */
  'reset-before-body': { resetBeforeBody: true },
  /** Connection reset after the request body was read, before the provider handled it. */
  reset: { reset: true },
  /** The provider handled the request (work done), then the connection was reset: ambiguous. */
  'reset-after-handling': { reset: true, afterHandling: true },
  /** No answer, ever. */
  hang: { hang: true },
  /** The provider handled the request (work done), then no answer, ever: ambiguous. */
  'hang-after-handling': { hang: true, afterHandling: true },
  /** The real answer in 4 pieces, 50 ms apart. */
  'slow-body': { drip: { chunks: 4, intervalMs: 50 } },
  /** The real answer cut in half, with a content-length promising all of it. */
  truncated: { truncate: true },
  /** The work was done, then a 200 whose JSON is cut off. */
  'malformed-json': { afterHandling: true, status: 200, headers: { 'content-type': 'application/json' }, body: '{"created": 1700000000, "data": [{"url": ' },
  /** The work was done, then a 200 with valid JSON of the wrong shape (no images, no job). */
  'wrong-shape': { afterHandling: true, status: 200, body: { ok: true, result: null } },
  /** One image more than asked. */
  'extra-image': { images: 'extra' },
  /** No image at all. */
  'no-image': { images: 'none' },
  /** An HTML page where the image should be. */
  'html-image': { images: 'html' },
} satisfies Record<string, Fault>)

/** Name of one of {@link FAULT_KINDS}. */
export type FaultKind = keyof typeof FAULT_KINDS

/** Random faults: each matching request gets one with probability `probability`. */
export interface ChaosOptions {
  /** Chance, in [0, 1], that a matching request gets a fault. */
  probability: number
  /** Seed of the random draws (which requests, which fault). @defaultValue 1 */
  seed?: number | undefined
  /** Faults to draw from, uniformly. @defaultValue every one of {@link FAULT_KINDS} */
  kinds?: readonly FaultKind[] | undefined
  /** Only requests whose path starts with this. @defaultValue every provider and file request */
  pathPrefix?: string | undefined
}

/** A fault drawn for one request, with its name for the request log. */
export interface DrawnFault {
  /** The fault. */
  readonly fault: Fault
  /** Its kind, or `'injected'` for a queued fault without one. */
  readonly name: string
}

/** Faults drawn at random with a seeded generator (the 20 % fault run). */
export class Chaos {
  readonly #options: Required<Omit<ChaosOptions, 'pathPrefix'>> & { pathPrefix: string | undefined }
  readonly #random: () => number

  constructor(options: ChaosOptions) {
    if (!(typeof options.probability === 'number' && options.probability >= 0 && options.probability <= 1)) {
      throw new TypeError(`Expected \`probability\` to be a number from 0 to 1, got ${String(options.probability)}.`)
    }
    const kinds = options.kinds ?? (Object.keys(FAULT_KINDS) as FaultKind[])
    const unknown = kinds.find((k) => !Object.hasOwn(FAULT_KINDS, k))
    if (unknown !== undefined || kinds.length === 0) throw new TypeError(`Expected \`kinds\` to name faults of FAULT_KINDS, got ${JSON.stringify(unknown ?? kinds)}.`)
    this.#options = { probability: options.probability, seed: options.seed ?? 1, kinds, pathPrefix: options.pathPrefix }
    this.#random = prng(this.#options.seed)
  }

  /** The options in effect. */
  get options(): ChaosOptions {
    return { ...this.#options, kinds: [...this.#options.kinds] }
  }

  /** Draws for one request: a fault, or undefined. */
  draw(path: string): DrawnFault | undefined {
    if (this.#options.pathPrefix !== undefined && !path.startsWith(this.#options.pathPrefix)) return undefined
    if (this.#random() >= this.#options.probability) return undefined
    const kinds = this.#options.kinds
    const name = kinds[Math.min(kinds.length - 1, Math.floor(this.#random() * kinds.length))]!
    return { fault: FAULT_KINDS[name], name }
  }
}

/** A fault given by kind (`{ kind: 'reset-after-handling', pathPrefix: '/fal/' }`), expanded; fields given beat the kind's. */
export function expandFault(fault: Fault & { kind?: string | undefined }): Fault & { kind?: string | undefined } {
  if (fault.kind === undefined) return fault
  if (!Object.hasOwn(FAULT_KINDS, fault.kind)) throw new TypeError(`Unknown fault kind ${JSON.stringify(fault.kind)}; expected one of ${Object.keys(FAULT_KINDS).join(', ')}`)
  return { ...FAULT_KINDS[fault.kind as FaultKind], ...fault }
}

/** The queue of injected faults, consumed by matching requests in order. */
export class FaultQueue {
  readonly #faults: { fault: Fault & { kind?: string | undefined }; left: number }[] = []

  /** Adds a fault for the next `count` matching requests; `kind` names one of {@link FAULT_KINDS}. */
  inject(fault: Fault & { kind?: FaultKind | undefined }): void {
    const expanded = expandFault(fault)
    this.#faults.push({ fault: expanded, left: expanded.count ?? 1 })
  }

  /** Removes every pending fault. */
  clear(): void {
    this.#faults.length = 0
  }

  /** Pending faults, for assertions. */
  get pending(): number {
    return this.#faults.reduce((n, f) => n + f.left, 0)
  }

  /** Takes the first fault matching the request, if any. */
  take(method: string, path: string, body = ''): Fault | undefined {
    return this.#take((fault) => (!fault.bodyIncludes || body.includes(fault.bodyIncludes)) && matches(fault, method, path))?.fault
  }

  /** Takes the first `resetBeforeBody` fault without `bodyIncludes` matching a request whose body is not read yet. */
  takeBeforeBody(method: string, path: string): DrawnFault | undefined {
    return this.#take((fault) => fault.resetBeforeBody === true && !fault.bodyIncludes && matches(fault, method, path))
  }

  /** Takes the first matching fault with its name, once the body is read. */
  takeNamed(method: string, path: string, body = ''): DrawnFault | undefined {
    return this.#take((fault) => (!fault.bodyIncludes || body.includes(fault.bodyIncludes)) && matches(fault, method, path))
  }

  #take(predicate: (fault: Fault) => boolean): DrawnFault | undefined {
    const index = this.#faults.findIndex(({ fault }) => predicate(fault))
    if (index < 0) return undefined
    const entry = this.#faults[index]!
    entry.left -= 1
    if (entry.left <= 0) this.#faults.splice(index, 1)
    return { fault: entry.fault, name: entry.fault.kind ?? 'injected' }
  }
}

function matches(fault: Fault, method: string, path: string): boolean {
  return (!fault.pathPrefix || path.startsWith(fault.pathPrefix)) && (!fault.method || fault.method === method)
}
