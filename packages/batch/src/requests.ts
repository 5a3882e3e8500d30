import { createReadStream } from 'node:fs'
import { createInterface } from 'node:readline'
import { ImageGenerationRequest, type ImageGenerationRequestInit, InvalidRequestError, LLMKitError } from '@llmkit/core'

/** What to do with a JSONL line that is not a valid request. */
export type BadLinePolicy = 'skip' | 'fail'

/** A JSONL line that could not be used, with why. */
export interface BadLine {
  /** 1-based line number in the file. */
  readonly line: number
  /** Why the line was refused (JSON syntax, or the request check's message). */
  readonly message: string
}

/** The requests of a JSONL file, in file order, and the lines that were refused. */
export interface ReadRequestsResult {
  /** Valid requests as plain objects (the shape `generateImage` takes). */
  readonly requests: ImageGenerationRequestInit[]
  /** For each request, its 1-based line number in the file. */
  readonly lines: number[]
  /** Refused lines (only with `onBadLine: 'skip'`; `'fail'` throws on the first). */
  readonly badLines: BadLine[]
}

/** Options of {@link readRequests}. */
export interface ReadRequestsOptions {
  /** `'fail'` throws on the first bad line; `'skip'` reports it in `badLines` and goes on. @defaultValue 'fail' */
  onBadLine?: BadLinePolicy | undefined
}

/**
 * Checks one request the way `generateImage` will, before anything is queued: a batch must not
 * discover a typo in line 1,900 after paying for 1,899 images.
 * @throws {@link @llmkit/core!InvalidRequestError} naming what is wrong.
 */
export function checkRequest(value: unknown): ImageGenerationRequestInit {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidRequestError(`Expected a request object like {"model":"dall-e-3","prompt":"A cat"}, got ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}`)
  }
  // Validation only: the plain object is what is queued and journaled.
  ImageGenerationRequest.from(value as ImageGenerationRequestInit)
  return value as ImageGenerationRequestInit
}

/**
 * Reads a JSONL file of requests, one plain request object per line (blank lines are ignored).
 * Streams the file, so a large batch is never held as text.
 * @throws {@link @llmkit/core!InvalidRequestError} on the first bad line with `onBadLine: 'fail'`, naming the line.
 * @example
 * ```ts
 * const { requests, badLines } = await readRequests('prompts.jsonl', { onBadLine: 'skip' })
 * ```
 */
export async function readRequests(path: string, options: ReadRequestsOptions = {}): Promise<ReadRequestsResult> {
  const policy = options.onBadLine ?? 'fail'
  if (policy !== 'skip' && policy !== 'fail') throw new TypeError(`Expected \`onBadLine\` to be 'skip' or 'fail', got ${String(policy)}.`)
  const requests: ImageGenerationRequestInit[] = []
  const lines: number[] = []
  const badLines: BadLine[] = []
  const reader = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity })
  let n = 0
  for await (const text of reader) {
    n++
    if (text.trim() === '') continue
    let message: string | undefined
    try {
      requests.push(checkRequest(JSON.parse(text)))
      lines.push(n)
    } catch (error) {
      message = error instanceof SyntaxError ? `not JSON (${error.message})` : LLMKitError.isInstance(error) ? error.message : String(error)
    }
    if (message === undefined) continue
    if (policy === 'fail') throw new InvalidRequestError(`${path}:${n}: ${message} (use --on-bad-line skip to skip bad lines)`, { param: `line ${n}` })
    badLines.push({ line: n, message })
  }
  return { requests, lines, badLines }
}
