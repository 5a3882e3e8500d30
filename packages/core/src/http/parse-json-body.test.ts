import { describe, expect, it } from 'vitest'
import { LARGE_JSON_STRING_BYTES, parseJsonBody } from './parse-json-body.js'

const big = (char = 'A', extra = 3) => char.repeat(LARGE_JSON_STRING_BYTES + extra)
const b64 = Buffer.alloc(LARGE_JSON_STRING_BYTES * 2, 7).toString('base64')

describe('parseJsonBody', () => {
  it.each([
    ['a small body', { created: 1, data: [{ url: 'https://x/y.png' }] }],
    ['one large base64 value', { created: 1, data: [{ b64_json: b64, revised_prompt: 'a "quoted" cat \\ é' }] }],
    ['several large values in nested arrays', { data: [{ b64_json: b64 }, { b64_json: `${b64}x` }], usage: { total_tokens: 3 } }],
    ['a large value with escapes (left to JSON.parse)', { data: [{ b64_json: `${big()}\n"${big()}` }] }],
    ['a large non-ASCII value (left to JSON.parse)', { text: big('é') }],
    ['a large object key (left to JSON.parse)', { [big('k')]: 'v', other: b64 }],
    ['a large top-level string', b64],
    ['strings with escaped quotes and backslashes before a large value', { a: 'x\\"y\\\\', b: '\\\\', c: b64 }],
  ])('parses %s exactly like JSON.parse', (_name, value) => {
    const text = JSON.stringify(value, null, 1)
    expect(parseJsonBody(Buffer.from(text))).toStrictEqual(JSON.parse(text))
  })

  it('never confuses a server value with its placeholders', () => {
    const text = JSON.stringify({ data: [{ b64_json: b64 }], note: '\u0000llmkit:0' })
    expect(parseJsonBody(Buffer.from(text))).toStrictEqual(JSON.parse(text))
  })

  it.each([
    ['truncated', `{"data":[{"b64_json":"${b64}`],
    ['unterminated after a large value', `{"data":[{"b64_json":"${b64}"}`],
    ['not JSON at all', `<html>${big()}</html>`],
  ])('throws a SyntaxError on a %s body, as JSON.parse does', (_name, text) => {
    expect(() => parseJsonBody(Buffer.from(text))).toThrow(SyntaxError)
  })
})
