import { isAscii } from 'node:buffer'

/** String values at least this long (in bytes) are lifted out of the body before JSON.parse. */
export const LARGE_JSON_STRING_BYTES = 64 * 1024

const QUOTE = 0x22
const BACKSLASH = 0x5c
/**
 * Random per process, so a placeholder cannot match a value the server sent. A server that
 * guessed it could only move one of its own strings to another field of its own answer.
 */
const NONCE = Math.random().toString(36).slice(2, 12)

/**
 * Parses a JSON response body held in a Buffer, like `JSON.parse(body.toString('utf8'))`, but
 * copies each large plain-ASCII string value (a base64 image) once instead of twice.
 *
 * The usual route decodes the whole body into one string and JSON.parse copies every value out
 * of it again: a 4 MB image in base64 exists three times at once (bytes, text, value), ten
 * times over in a batch (bench/results/latest.md, peak memory). Here, string literals of
 * {@link LARGE_JSON_STRING_BYTES} or more with no escapes and only ASCII bytes are sliced
 * straight from the bytes; the small rest of the document is parsed as usual. Anything else,
 * including malformed JSON, takes the usual route, so the result and errors are the same.
 *
 * @throws SyntaxError when the body is not JSON, as `JSON.parse` does.
 */
export function parseJsonBody(body: Buffer): unknown {
  if (body.length < LARGE_JSON_STRING_BYTES) return JSON.parse(body.toString('utf8'))
  const pieces: Buffer[] = []
  const lifted: string[] = []
  let copiedUpTo = 0
  let pos = 0
  for (;;) {
    // Outside a string literal a quote can only open one, so quotes alternate open/close.
    const open = body.indexOf(QUOTE, pos)
    if (open < 0) break
    let close = open
    do {
      close = body.indexOf(QUOTE, close + 1)
      if (close < 0) return JSON.parse(body.toString('utf8'))
    } while (isEscaped(body, close))
    const length = close - open - 1
    if (length >= LARGE_JSON_STRING_BYTES && !isKey(body, close + 1)) {
      const value = body.subarray(open + 1, close)
      if (value.indexOf(BACKSLASH) < 0 && isAscii(value)) {
        pieces.push(body.subarray(copiedUpTo, open), Buffer.from(`"\\u0000${NONCE}:${lifted.length}"`))
        lifted.push(body.toString('latin1', open + 1, close))
        copiedUpTo = close + 1
      }
    }
    pos = close + 1
  }
  if (lifted.length === 0) return JSON.parse(body.toString('utf8'))
  pieces.push(body.subarray(copiedUpTo))
  const prefix = `\u0000${NONCE}:`
  let rest: unknown
  try {
    rest = JSON.parse(Buffer.concat(pieces).toString('utf8'), (_key, value: unknown) =>
      typeof value === 'string' && value.startsWith(prefix) ? lifted[Number(value.slice(prefix.length))] : value,
    )
  } catch {
    return JSON.parse(body.toString('utf8'))
  }
  return rest
}

/** True when the literal that ends just before `from` is an object key (a colon follows). */
function isKey(body: Buffer, from: number): boolean {
  let i = from
  while (body[i] === 0x20 || body[i] === 0x0a || body[i] === 0x0d || body[i] === 0x09) i++
  return body[i] === 0x3a
}

/** True when the quote at `index` is preceded by an odd number of backslashes. */
function isEscaped(body: Buffer, index: number): boolean {
  let backslashes = 0
  for (let i = index - 1; i >= 0 && body[i] === BACKSLASH; i--) backslashes++
  return backslashes % 2 === 1
}
