/** One request the emulator received (control requests and `x-emulator-no-faults` requests are not logged). */
export interface RequestLogEntry {
  /** Order of arrival, from 1. */
  readonly seq: number
  /** Arrival time (ms epoch). */
  readonly at: number
  /** HTTP method. */
  readonly method: string
  /** Full path on the emulator, e.g. `/fal/fal-ai/flux/dev`. */
  readonly path: string
  /** A generation or job submit: a POST to a provider path other than a cancel. */
  readonly submission: boolean
  /** The prompt of a submission, when the body has one (`prompt`, `promptText`, `input.prompt`, `text_prompts`, form field `prompt`). */
  prompt?: string | undefined
  /** The provider handled the request: for a submission, the work was done (and would be billed). */
  handled: boolean
  /** Status sent to the client; undefined when no status line was sent (reset, hang). */
  status?: number | undefined
  /** The client was sent the whole answer. */
  complete: boolean
  /** Name of the fault played, if any (a {@link FaultKind} or `'injected'`). */
  fault?: string | undefined
}

/**
 * Every request in arrival order, so a test can count submissions per logical call: give each
 * call a unique prompt, then a submission after one that was `handled`, `complete` and 2xx is a
 * second submission of a job the provider had already accepted. Bounded: past `limit` entries
 * the oldest go and `dropped` counts them.
 */
export class RequestLog {
  readonly #entries: RequestLogEntry[] = []
  #seq = 0
  #dropped = 0

  constructor(readonly limit = 500_000) {}

  /** Records a request and returns its entry, which the server completes as the answer goes out. */
  add(entry: Omit<RequestLogEntry, 'seq' | 'at' | 'handled' | 'complete'>): RequestLogEntry {
    const full: RequestLogEntry = { seq: ++this.#seq, at: Date.now(), handled: false, complete: false, ...entry }
    if (this.#entries.length >= this.limit) {
      this.#entries.shift()
      this.#dropped++
    }
    this.#entries.push(full)
    return full
  }

  /** Entries in arrival order. */
  get entries(): readonly RequestLogEntry[] {
    return this.#entries
  }

  /** Entries dropped past the limit since the last clear. */
  get dropped(): number {
    return this.#dropped
  }

  /** Submissions in arrival order. */
  submissions(): RequestLogEntry[] {
    return this.#entries.filter((e) => e.submission)
  }

  /** Forgets every entry. */
  clear(): void {
    this.#entries.length = 0
    this.#dropped = 0
  }
}

/** Whether a request is a generation or job submit: a POST below a provider prefix that is not a cancel. */
export function isSubmission(method: string, providerPath: string): boolean {
  return method === 'POST' && !/\/cancel\/?$/.test(providerPath)
}

/** The prompt in a provider request body, whatever the provider's field name. */
export async function promptOf(contentType: string, body: Buffer): Promise<string | undefined> {
  if (body.length === 0) return undefined
  if (contentType.startsWith('multipart/form-data') || contentType.startsWith('application/x-www-form-urlencoded')) {
    try {
      const form = await new Request('http://emulator/', { method: 'POST', headers: { 'content-type': contentType }, body }).formData()
      const prompt = form.get('prompt')
      return typeof prompt === 'string' ? prompt : undefined
    } catch {
      return undefined
    }
  }
  let json: unknown
  try {
    json = JSON.parse(body.toString('utf8'))
  } catch {
    return undefined
  }
  if (typeof json !== 'object' || json === null) return undefined
  const o = json as Record<string, unknown>
  const input = o['input'] as Record<string, unknown> | undefined
  const texts = Array.isArray(o['text_prompts']) ? (o['text_prompts'] as { text?: unknown }[]).map((p) => p?.text).filter((t) => typeof t === 'string') : []
  const prompt = o['prompt'] ?? o['promptText'] ?? (typeof input === 'object' && input !== null ? input['prompt'] : undefined) ?? (texts.length ? texts.join(' ') : undefined)
  return typeof prompt === 'string' ? prompt : undefined
}
