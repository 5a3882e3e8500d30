import { createParser, type EventSourceParser } from 'eventsource-parser'

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
 * The parsing is eventsource-parser's (the one the Vercel AI SDK and the OpenAI provider use);
 * this wraps it in the pull shape the job runner reads, with a size bound.
 * @throws Error from `push` when one event grows past 4 MiB (a stream that is not SSE).
 */
export class SseParser {
  readonly #parser: EventSourceParser
  #events: ServerSentEvent[] = []
  #failure: Error | undefined
  // The spec's last event ID persists across events; eventsource-parser reports it per event only.
  #lastId: string | undefined

  constructor() {
    this.#parser = createParser({
      maxBufferSize: MAX_EVENT_CHARS,
      onEvent: (message) => {
        if (message.id !== undefined) this.#lastId = message.id
        this.#events.push({ event: message.event ?? 'message', data: message.data, id: this.#lastId })
      },
      onError: (error) => {
        // Unknown fields and bad `retry:` values are skipped, as the spec says; only the size bound fails.
        if (error.type === 'max-buffer-size-exceeded') this.#failure = new Error('server-sent event larger than 4 MiB')
      },
    })
  }

  /** Parses `chunk` and returns the events it completed. */
  push(chunk: string): ServerSentEvent[] {
    if (this.#failure !== undefined) throw this.#failure
    this.#parser.feed(chunk)
    if (this.#failure !== undefined) throw this.#failure
    const events = this.#events
    this.#events = []
    return events
  }
}
