import { describe, expect, it } from 'vitest'
import { SseParser } from './sse.js'

describe('SseParser', () => {
  it('parses events split anywhere across chunks, with LF, CRLF and CR line ends', () => {
    const parser = new SseParser()
    const text = 'event: status\r\ndata: {"a":1}\r\n\r\ndata: line one\ndata: line two\nid: 7\n\ndata: x\r\rdata: y\n\n'
    const events = [...text].flatMap((char) => parser.push(char))
    expect(events).toStrictEqual([
      { event: 'status', data: '{"a":1}', id: undefined },
      { event: 'message', data: 'line one\nline two', id: '7' },
      { event: 'message', data: 'x', id: '7' },
      { event: 'message', data: 'y', id: '7' },
    ])
  })

  it('skips comments, retry fields, a leading BOM and events without data', () => {
    const parser = new SseParser()
    expect(parser.push('\uFEFF: keep-alive\n\nretry: 1000\n\nevent: ping\n\ndata:no-space\n\n')).toStrictEqual([{ event: 'message', data: 'no-space', id: undefined }])
  })

  it('keeps an unfinished event until its blank line arrives', () => {
    const parser = new SseParser()
    expect(parser.push('data: {"status":"IN_')).toStrictEqual([])
    expect(parser.push('PROGRESS"}\n')).toStrictEqual([])
    expect(parser.push('\n')).toStrictEqual([{ event: 'message', data: '{"status":"IN_PROGRESS"}', id: undefined }])
  })

  it('throws on an event larger than 4 MiB (a body that is not an event stream)', () => {
    const parser = new SseParser()
    expect(() => parser.push('x'.repeat(5 * 1024 * 1024))).toThrow(/larger than 4 MiB/)
  })
})
