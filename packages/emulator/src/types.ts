import type { IncomingHttpHeaders } from 'node:http'
import type { ChaosOptions, FaultQueue } from './faults.js'
import type { FileStore } from './files.js'
import type { JobTiming } from './jobs.js'
import type { RequestLog } from './request-log.js'

/** A request as a provider module sees it: the path is relative to the provider's prefix. */
export interface EmulatorRequest {
  /** HTTP method. */
  readonly method: string
  /** Path below the provider prefix, e.g. `/v1/images/generations`. */
  readonly path: string
  /** Query string. */
  readonly query: URLSearchParams
  /** Lower-case headers. */
  readonly headers: IncomingHttpHeaders
  /** Raw body. */
  readonly body: Buffer
  /** Body parsed as JSON; undefined when it is not JSON. */
  json(): unknown
  /** Body parsed as multipart or urlencoded form data. */
  formData(): Promise<FormData>
}

/** An answer. Objects are sent as JSON. */
export interface EmulatorReply {
  /** Status. */
  status: number
  /** Headers. */
  headers?: Record<string, string> | undefined
  /** Body: bytes, text, or an object sent as JSON. */
  body?: Buffer | string | object | undefined
  /**
   * A body written over time instead of `body` (server-sent events): `write` sends a chunk at
   * once; the answer ends when the promise settles. `closed` fires when the client goes away.
   */
  stream?: ((write: (chunk: string) => void, closed: AbortSignal) => Promise<void>) | undefined
}

/** Shared services given to provider modules. */
export interface EmulatorContext {
  /** Origin of the server, e.g. `http://127.0.0.1:40123`. */
  readonly origin: string
  /** Generated files served at `/files/...`. */
  readonly files: FileStore
  /** Extra latency of synchronous answers, in milliseconds. */
  readonly latencyMs: number
  /** Timing of async jobs. */
  readonly jobTiming: JobTiming
  /** Accepted API key of each provider id. */
  readonly keys: Readonly<Record<string, string>>
  /** The key to render an image from, given its natural key (prompt, seed, index): the same key unless `imageVariety` is set. */
  imageKey(key: string): string
}

/** One emulated provider API. */
export interface EmulatorProvider {
  /** Provider id, as in llmkit (`openai`). */
  readonly id: string
  /** Path prefix on the emulator, e.g. `/openai`. */
  readonly prefix: string
  /** Environment a client needs to use this emulator: base URL variables and a placeholder key. */
  env(origin: string, key: string): Record<string, string>
  /** Answers a request below the prefix. */
  handle(req: EmulatorRequest, ctx: EmulatorContext): Promise<EmulatorReply> | EmulatorReply
}

/** Options of `startEmulator`. */
export interface EmulatorOptions {
  /** Port; 0 picks a free one. @defaultValue 0 */
  port?: number | undefined
  /** Extra latency of synchronous answers, in milliseconds. @defaultValue 0 */
  latencyMs?: number | undefined
  /** Timing of async jobs. @defaultValue `{ queuedMs: 150, runningMs: 250 }` */
  jobTiming?: Partial<JobTiming> | undefined
  /** API keys the emulator accepts, by provider id. @defaultValue `emulator-<id>-key` */
  keys?: Partial<Record<string, string>> | undefined
  /**
   * Render at most this many different pictures per size, whatever the prompts: for load and
   * reliability runs that give every call a unique prompt and do not look at the pixels
   * (rendering costs about 70 ms a megapixel). @defaultValue every prompt its own picture
   */
  imageVariety?: number | undefined
  /** Most entries kept in the request log; the oldest go first. @defaultValue 500000 */
  logLimit?: number | undefined
}

/** A running emulator. */
export interface RunningEmulator {
  /** Origin, e.g. `http://127.0.0.1:40123`. */
  readonly url: string
  /** Every provider's base-URL variable and a placeholder key: `Object.assign(process.env, emulator.env)`. */
  readonly env: Readonly<Record<string, string>>
  /** Injects failures into the next matching requests. */
  readonly faults: FaultQueue
  /** Counts requests by `METHOD path` (for assertions such as "4 calls"). */
  readonly requests: ReadonlyMap<string, number>
  /** Every request in order with its prompt (submissions), fault and outcome: counts submissions per logical call. Also `GET /__emulator/log`. */
  readonly log: RequestLog
  /** Gives each matching request a random fault with a probability (seeded); `undefined` turns it off. Also `POST`/`DELETE /__emulator/chaos`. */
  chaos(options: ChaosOptions | undefined): void
  /** Changes job timing at run time. */
  setJobTiming(timing: Partial<JobTiming>): void
  /** Stops the server. */
  close(): Promise<void>
}
