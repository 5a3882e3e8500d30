import type { ServerResponse } from 'node:http'
import { type Fault, HTML_PAGE } from './faults.js'
import { delay } from './http-util.js'
import type { EmulatorReply } from './types.js'

/** An answer ready for the wire. */
export interface WireAnswer {
  status: number
  headers: Record<string, string>
  body: Buffer | undefined
}

/** Status, headers and bytes of a reply; objects become JSON. */
export function serialize(reply: EmulatorReply): WireAnswer {
  const headers = { ...reply.headers }
  let body: Buffer | undefined
  if (reply.body === undefined) body = undefined
  else if (Buffer.isBuffer(reply.body)) body = reply.body
  else if (typeof reply.body === 'string') body = Buffer.from(reply.body)
  else {
    body = Buffer.from(JSON.stringify(reply.body))
    headers['content-type'] ??= 'application/json'
  }
  return { status: reply.status, headers, body }
}

/** Keys under which the six APIs list their images. */
const IMAGE_LISTS = ['data', 'images', 'artifacts', 'output']
/** Keys holding inline base64 image data. */
const BASE64_FIELDS = new Set(['b64_json', 'base64', 'image'])
const HTML_BASE64 = Buffer.from(HTML_PAGE).toString('base64')

function contentTypeOf(answer: WireAnswer): string {
  const key = Object.keys(answer.headers).find((k) => k.toLowerCase() === 'content-type')
  return key === undefined ? '' : answer.headers[key]!
}

/** Replaces inline image data anywhere in a JSON value with an HTML page. */
function htmlInside(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(htmlInside)
  if (typeof value === 'string') return value.startsWith('data:image/') ? `data:image/png;base64,${HTML_BASE64}` : value
  if (typeof value !== 'object' || value === null) return value
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) out[k] = BASE64_FIELDS.has(k) && typeof v === 'string' ? HTML_BASE64 : htmlInside(v)
  return out
}

/** The answer with its images changed as `fault.images` says; answers without images stay as they are. */
export function mutateImages(answer: WireAnswer, mode: NonNullable<Fault['images']>): WireAnswer {
  if (answer.status < 200 || answer.status >= 300 || answer.body === undefined) return answer
  const type = contentTypeOf(answer)
  if (!type.includes('json')) {
    // Raw image bytes (/files/, Stability's image answers): only 'html' applies.
    return mode === 'html' ? { ...answer, body: Buffer.from(HTML_PAGE) } : answer
  }
  let json: unknown
  try {
    json = JSON.parse(answer.body.toString('utf8'))
  } catch {
    return answer
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return answer
  let o = json as Record<string, unknown>
  if (mode === 'html') o = htmlInside(o) as Record<string, unknown>
  else {
    for (const key of IMAGE_LISTS) {
      const list = o[key]
      if (Array.isArray(list) && list.length > 0) o[key] = mode === 'extra' ? [...list, list[0]] : []
      else if (key === 'output' && typeof list === 'string') o[key] = mode === 'extra' ? [list, list] : null
    }
    // Stability v2beta's single image.
    if (typeof o['image'] === 'string' && mode === 'none') delete o['image']
  }
  const body = Buffer.from(JSON.stringify(o))
  return { ...answer, body }
}

/**
 * Writes an answer, whole, dripped or truncated; resolves true when all of it was written to the
 * client's connection.
 * The content-length is always the true length of the whole answer.
 */
export async function writeAnswer(res: ServerResponse, answer: WireAnswer, fault: Fault | undefined): Promise<boolean> {
  const headers = { ...answer.headers }
  if (answer.body !== undefined) headers['content-length'] = String(answer.body.length)
  const body = answer.body ?? Buffer.alloc(0)
  if (fault?.truncate && body.length > 1) {
    res.writeHead(answer.status, headers)
    res.write(body.subarray(0, Math.floor(body.length / 2)))
    // Let the half leave before the reset.
    await delay(5)
    res.destroy()
    return false
  }
  if (fault?.drip && body.length > 1) {
    const chunks = Math.max(2, Math.min(body.length, fault.drip.chunks ?? 4))
    const interval = fault.drip.intervalMs ?? 50
    const size = Math.ceil(body.length / chunks)
    res.writeHead(answer.status, headers)
    for (let offset = 0; offset < body.length; offset += size) {
      if (res.destroyed) return false
      if (offset > 0) await delay(interval)
      res.write(body.subarray(offset, offset + size))
    }
    res.end()
    return delivered(res)
  }
  res.writeHead(answer.status, headers)
  res.end(answer.body)
  return delivered(res)
}

/**
 * Whether the whole answer left for the client: 'finish' (flushed to the socket) rather than a
 * close first, which is what happens when the client gave up before the answer was written
 * (its attempt timed out while the server was busy). Such an answer never reached the client.
 */
function delivered(res: ServerResponse): Promise<boolean> {
  if (res.writableFinished) return Promise.resolve(true)
  if (res.destroyed) return Promise.resolve(false)
  return new Promise((resolve) => {
    const done = (ok: boolean) => () => {
      res.off('finish', onFinish)
      res.off('close', onClose)
      resolve(ok || res.writableFinished)
    }
    const onFinish = done(true)
    const onClose = done(false)
    res.once('finish', onFinish)
    res.once('close', onClose)
  })
}
