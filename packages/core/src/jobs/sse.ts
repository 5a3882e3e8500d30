/** One server-sent event (https://html.spec.whatwg.org/multipage/server-sent-events.html). */
export interface ServerSentEvent {
  /** The `event:` field; `message` when the event named none. */
  readonly event: string
  /** The `data:` lines joined with `\n`. */
  readonly data: string
  /** The `id:` field, when the event has one. */
  readonly id?: string | undefined
}

/** Longest event (or unfinished line) kept while waiting for its end; a stream past it is broken. */
const MAX_EVENT_CHARS = 4 * 1024 * 1024

/**
 * An incremental `text/event-stream` parser: feed it text as it arrives, get whole events back.
 * Comments (`:` lines, keep-alives) and `retry:` are skipped; events without data are dropped,
 * as the spec's dispatch step says.
 * @throws Error from `push` when one event grows past 4 MiB (a stream that is not SSE).
 */
export class SseParser {
  #buffer = ''
  #data: string[] = []
  #event = ''
  #id: string | undefined
  #started = false

  /** Parses `chunk` and returns the events it completed. */
  push(chunk: string): ServerSentEvent[] {
    let text = this.#buffer + chunk
    // A BOM may open the stream; it is not part of the first field name.
    if (!this.#started && text.length > 0) {
      this.#started = true
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
    }
    const events: ServerSentEvent[] = []
    let start = 0
    for (;;) {
      const cr = text.indexOf('\r', start)
      const lf = text.indexOf('\n', start)
      const end = cr === -1 ? lf : lf === -1 ? cr : Math.min(cr, lf)
      if (end === -1) break
      // A CR at the very end may be the first half of CRLF: wait for the next chunk.
      if (end === cr && cr === text.length - 1) break
      const line = text.slice(start, end)
      start = end + (end === cr && text[cr + 1] === '\n' ? 2 : 1)
      const event = this.#line(line)
      if (event) events.push(event)
    }
    this.#buffer = text.slice(start)
    if (this.#buffer.length + this.#data.reduce((n, d) => n + d.length, 0) > MAX_EVENT_CHARS) throw new Error('server-sent event larger than 4 MiB')
    return events
  }

  #line(line: string): ServerSentEvent | undefined {
    if (line === '') {
      const data = this.#data
      const event = this.#event || 'message'
      this.#data = []
      this.#event = ''
      if (data.length === 0) return undefined
      return { event, data: data.join('\n'), id: this.#id }
    }
    if (line.startsWith(':')) return undefined
    const colon = line.indexOf(':')
    const field = colon === -1 ? line : line.slice(0, colon)
    let value = colon === -1 ? '' : line.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    if (field === 'data') this.#data.push(value)
    else if (field === 'event') this.#event = value
    else if (field === 'id' && !value.includes('\0')) this.#id = value
    return undefined
  }
}
