// Hostile-server cases: a raw TCP server speaking OpenAI's images API (so every byte, length
// header and redirect is under our control) as the provider's configured base URL, and a canary
// listening on loopback that counts every TCP connection it receives. No download may reach the
// canary: it is on another port of 127.0.0.1, so not the provider's origin, and never allowed.
import { createServer } from 'node:net'
import { LLMKitClient } from 'llmkit'
import { openai } from '@llmkit/provider-openai'
import { boundedCall, capturingLogger, countingDispatcher } from './harness.mjs'

const PNG_HEAD = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex')
const HTML = '<!DOCTYPE html><html><body>Not an image</body></html>'
const MB = 1024 * 1024

/** Starts the canary: counts connections and the first line of what arrives. */
async function startCanary() {
  const hits = []
  const server = createServer((socket) => {
    hits.push(socket.remoteAddress)
    socket.on('error', () => {})
    socket.destroy()
  })
  await new Promise((resolve, reject) => {
    server.once('error', () => {
      // No IPv6 here: listen on every IPv4 address (127.0.0.0/8 and 0.0.0.0 included).
      server.listen(0, '0.0.0.0', resolve)
    })
    server.listen({ port: 0, host: '::', ipv6Only: false }, resolve)
    void reject
  })
  return { port: server.address().port, hits, close: () => new Promise((r) => server.close(() => r())) }
}

function head(status, headers) {
  return `HTTP/1.1 ${status} ${status === 200 ? 'OK' : status === 302 ? 'Found' : 'Error'}\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`
}

/** Streams `total` bytes (Infinity: forever) of `fill`, minding backpressure, until the client leaves. */
function stream(socket, total, fill) {
  const chunk = Buffer.alloc(64 * 1024, fill)
  let sent = 0
  const pump = () => {
    while (sent < total && !socket.destroyed) {
      const n = Math.min(chunk.length, total - sent)
      sent += n
      if (!socket.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return socket.once('drain', pump)
    }
    if (!socket.destroyed) socket.end()
  }
  pump()
}

function chunked(socket, fill) {
  const piece = Buffer.concat([Buffer.from(`10000\r\n`), Buffer.alloc(0x10000, fill), Buffer.from('\r\n')])
  const pump = () => {
    while (!socket.destroyed) if (!socket.write(piece)) return socket.once('drain', pump)
  }
  pump()
}

/** The hostile provider. `routes` maps a prompt marker to what to answer. */
async function startHostile(canaryPort) {
  const imageHits = new Map()
  let origin = ''
  const json = (socket, status, body, extra = {}) => {
    const text = JSON.stringify(body)
    socket.end(head(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), connection: 'close', ...extra }) + text)
  }
  const urls = (c) => ({
    'loopback http': `http://127.0.0.1:${c}/x.png`,
    'loopback https': `https://127.0.0.1:${c}/x.png`,
    localhost: `https://localhost:${c}/x.png`,
    'short form 127.1': `https://127.1:${c}/x.png`,
    'decimal form': `https://2130706433:${c}/x.png`,
    'hex form': `https://0x7f000001:${c}/x.png`,
    'IPv6 loopback': `https://[::1]:${c}/x.png`,
    'v4-mapped IPv6': `https://[::ffff:127.0.0.1]:${c}/x.png`,
    'unspecified 0.0.0.0': `https://0.0.0.0:${c}/x.png`,
    'private 10/8': 'https://10.255.255.1/x.png',
    'private 192.168': 'https://192.168.255.254/x.png',
    'link-local metadata': 'https://169.254.169.254/latest/meta-data/',
    CGNAT: 'https://100.64.0.1/x.png',
    'IPv6 ULA': 'https://[fd00::1]/x.png',
  })
  const server = createServer((socket) => {
    socket.on('error', () => {})
    let buf = Buffer.alloc(0)
    socket.on('data', (d) => {
      buf = Buffer.concat([buf, d])
      const end = buf.indexOf('\r\n\r\n')
      if (end < 0) return
      const headText = buf.subarray(0, end).toString('latin1')
      const length = Number(/content-length:\s*(\d+)/i.exec(headText)?.[1] ?? 0)
      if (buf.length < end + 4 + length) return
      socket.removeAllListeners('data')
      const [method, path] = headText.split(' ')
      const auth = /authorization:\s*([^\r\n]+)/i.exec(headText)?.[1] ?? ''
      const body = buf.subarray(end + 4, end + 4 + length).toString('utf8')
      answer(socket, method, path, auth, body)
    })
  })
  function answer(socket, method, path, auth, body) {
    if (path.startsWith('/img/')) {
      const name = path.slice('/img/'.length)
      imageHits.set(name, (imageHits.get(name) ?? 0) + 1)
      if (name === 'redirect') return socket.end(head(302, { location: `http://127.0.0.1:${canaryPort}/x.png`, 'content-length': 0, connection: 'close' }))
      if (name === 'redirect-https') return socket.end(head(302, { location: `https://localhost:${canaryPort}/x.png`, 'content-length': 0, connection: 'close' }))
      if (name === 'huge') {
        socket.write(head(200, { 'content-type': 'image/png', 'content-length': 512 * MB, connection: 'close' }))
        socket.write(PNG_HEAD)
        return stream(socket, 512 * MB - PNG_HEAD.length, 0)
      }
      if (name === 'endless') {
        socket.write(head(200, { 'content-type': 'image/png', 'transfer-encoding': 'chunked', connection: 'close' }))
        return chunked(socket, 0)
      }
      if (name === 'lying') {
        socket.write(head(200, { 'content-type': 'image/png', 'content-length': 2_000_000_000, connection: 'close' }))
        socket.write(PNG_HEAD)
        return setTimeout(() => socket.destroy(), 50)
      }
      if (name === 'html') return socket.end(head(200, { 'content-type': 'image/png', 'content-length': HTML.length, connection: 'close' }) + HTML)
      return socket.end(head(404, { 'content-length': 0, connection: 'close' }))
    }
    let prompt = ''
    try {
      prompt = JSON.parse(body).prompt ?? ''
    } catch {}
    const c = /case:([a-z0-9-]+(?::[^ ]+)?)/.exec(prompt)?.[1] ?? ''
    const image = (url) => json(socket, 200, { created: 1700000000, data: [{ url }] })
    if (c === 'huge-body') {
      socket.write(head(200, { 'content-type': 'application/json', 'content-length': 512 * MB, connection: 'close' }))
      socket.write('{"created":1,"data":[{"b64_json":"')
      return stream(socket, 512 * MB, 0x41)
    }
    if (c === 'endless-body') {
      socket.write(head(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked', connection: 'close' }))
      return chunked(socket, 0x20)
    }
    if (c === 'lying-length') {
      socket.write(head(200, { 'content-type': 'application/json', 'content-length': 2_000_000_000, connection: 'close' }))
      socket.write('{"created":1,"data":[{"b64_json":"iVBORw0KGgo')
      return setTimeout(() => socket.destroy(), 50)
    }
    if (c === 'short-length') return socket.end(head(200, { 'content-type': 'application/json', 'content-length': 12, connection: 'close' }) + JSON.stringify({ created: 1, data: [{ b64_json: PNG_HEAD.toString('base64') }] }))
    if (c === 'b64-html') return json(socket, 200, { created: 1, data: [{ b64_json: Buffer.from(HTML).toString('base64') }] })
    if (c === 'b64-garbage') return json(socket, 200, { created: 1, data: [{ b64_json: '!!!! not base64 ~~~~' }] })
    if (c === 'b64-empty') return json(socket, 200, { created: 1, data: [{}] })
    if (c === 'two-for-one') return json(socket, 200, { created: 1, data: [{ url: `${origin}/img/html` }, { url: `${origin}/img/html` }] })
    if (c === 'echo-key-500' || c === 'echo-key-401') {
      const key = auth.replace(/^Bearer\s+/i, '')
      return json(socket, c.endsWith('500') ? 500 : 401, { error: { message: `Incorrect API key provided: ${key}. Your header was: ${auth}`, type: 'invalid_request_error', param: key, code: key } }, { 'x-request-id': `req_${key}` })
    }
    if (c.startsWith('url:')) {
      const name = decodeURIComponent(c.slice(4))
      return image(urls(canaryPort)[name] ?? `${origin}/img/${name}`)
    }
    return json(socket, 400, { error: { message: `unknown hostile case ${c}`, type: 'invalid_request_error', param: null, code: null } })
  }
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  origin = `http://127.0.0.1:${server.address().port}`
  return { origin, imageHits, urlNames: Object.keys(urls(0)), close: () => new Promise((r) => server.close(() => r())) }
}

/**
 * Runs every hostile case through a client whose OpenAI base URL is the hostile server, in both
 * formats; for URL answers it also calls `image.bytes()`, which must apply the same guard.
 */
export async function hostileRun({ keys, recorder, deadlineMs, quick }) {
  // Quick mode lowers the caps (the cap must hold while reading, whatever its size); full mode keeps the defaults.
  const caps = quick ? { maxResponseBytes: 16 * MB, maxBytes: 16 * MB } : {}
  const canary = await startCanary()
  const hostile = await startHostile(canary.port)
  const { dispatcher, counts, close } = countingDispatcher({ connectTimeout: 2000 })
  const leaks = []
  const { logger } = capturingLogger(keys, leaks)
  const client = new LLMKitClient({
    providers: [openai()],
    env: {},
    apiKeys: { openai: keys.openai },
    baseUrls: { openai: `${hostile.origin}/v1` },
    transport: { dispatcher, connectTimeoutMs: 2000, headersTimeoutMs: 3000, bodyTimeoutMs: 3000, maxResponseBytes: caps.maxResponseBytes },
    downloads: { maxBytes: caps.maxBytes, timeoutMs: 6000, initialDelayMs: 50, maxDelayMs: 200 },
    timeout: { attemptTimeoutMs: 6000, totalTimeoutMs: 15000 },
    retry: { initialDelayMs: 20, maxDelayMs: 100 },
    logger,
    rateLimit: false,
  })
  const cases = [
    'huge-body',
    'endless-body',
    'lying-length',
    'short-length',
    'b64-html',
    'b64-garbage',
    'b64-empty',
    'two-for-one',
    'echo-key-500',
    'echo-key-401',
    ...hostile.urlNames.map((n) => `url:${encodeURIComponent(n)}`),
    'url:redirect',
    'url:redirect-https',
    'url:huge',
    'url:endless',
    'url:lying',
    'url:html',
  ]
  const rssBefore = process.memoryUsage().rss
  let rssPeak = rssBefore
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 50)
  const privateDispatches = []
  const isPrivateOrigin = (origin) => /\/\/(10\.|192\.168\.|169\.254\.|100\.64\.|\[fd|0\.0\.0\.0|127\.|localhost|\[::1\]|\[::ffff:|2130706433|0x7f)/.test(origin) && !origin.startsWith(hostile.origin)
  const bytesOutcomes = { calls: 0, refused: 0, untyped: 0, returnedBytes: 0, examples: [] }
  let i = 0
  for (const c of cases) {
    for (const format of ['url', 'b64_json']) {
      const label = `hostile ${c} (${format})`
      const seen = counts.total
      const result = await boundedCall(() => client.generateImage({ model: 'dall-e-2', prompt: `hostile ${++i} case:${c}`, size: '256x256', format }), deadlineMs)
      await recorder.record('hostile', { label, n: 1 }, result)
      // A URL the provider returned must meet the same guard when the caller reads it.
      if (result.outcome === 'success') {
        for (const image of result.response.images) {
          if (typeof image.url !== 'string' || image.url.startsWith('data:')) continue
          bytesOutcomes.calls++
          const read = await boundedCall(() => image.bytes(), deadlineMs)
          if (read.outcome === 'typed') bytesOutcomes.refused++
          else if (read.outcome === 'untyped') {
            bytesOutcomes.untyped++
            if (bytesOutcomes.examples.length < 8) bytesOutcomes.examples.push(`${label} bytes(): ${String(read.error?.message ?? read.error).slice(0, 200)}`)
          } else if (read.outcome === 'success') {
            bytesOutcomes.returnedBytes++
            if (bytesOutcomes.examples.length < 8) bytesOutcomes.examples.push(`${label} bytes() of ${image.url.slice(0, 80)} returned ${read.response.length} bytes starting ${JSON.stringify(read.response.subarray(0, 16).toString('latin1'))}`)
          }
        }
      }
      if (counts.total > seen) for (const origin of counts.byOrigin.keys()) if (isPrivateOrigin(origin) && !privateDispatches.some((p) => p.endsWith(origin))) privateDispatches.push(`${label}: ${origin}`)
    }
  }
  clearInterval(sampler)
  const byOrigin = [...counts.byOrigin.entries()].filter(([origin]) => isPrivateOrigin(origin))
  recorder.addLeaks('hostile', leaks)
  const figures = {
    cases: cases.length * 2,
    canaryConnections: canary.hits.length,
    privateDispatches: byOrigin.reduce((n, [, c]) => n + c, 0),
    privateOrigins: privateDispatches.slice(0, 20),
    imageFetches: Object.fromEntries(hostile.imageHits),
    hugeDownloadsRepeated: Math.max(0, (hostile.imageHits.get('huge') ?? 0) - 2),
    rssGrowthBytes: rssPeak - rssBefore,
    bytes: bytesOutcomes,
  }
  await close()
  await hostile.close()
  await canary.close()
  return figures
}
