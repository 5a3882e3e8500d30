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
  /** Destroy the socket without an answer (connection reset). */
  reset?: boolean | undefined
  /** Wait this long before answering normally or with the fault. */
  delayMs?: number | undefined
}

/** The queue of injected faults, consumed by matching requests in order. */
export class FaultQueue {
  readonly #faults: { fault: Fault; left: number }[] = []

  /** Adds a fault for the next `count` matching requests. */
  inject(fault: Fault): void {
    this.#faults.push({ fault, left: fault.count ?? 1 })
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
    const index = this.#faults.findIndex(
      ({ fault }) =>
        (!fault.pathPrefix || path.startsWith(fault.pathPrefix)) &&
        (!fault.method || fault.method === method) &&
        (!fault.bodyIncludes || body.includes(fault.bodyIncludes)),
    )
    if (index < 0) return undefined
    const entry = this.#faults[index]!
    entry.left -= 1
    if (entry.left <= 0) this.#faults.splice(index, 1)
    return entry.fault
  }
}
