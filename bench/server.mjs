// The benchmark's server, run in its own process so its CPU time is never charged to a client.
// It speaks OpenAI's `POST /v1/images/generations` with pre-encoded answers: every JSON body is
// built once at start-up, so a request costs one small JSON.parse of the request and one write
// of a ready Buffer, and every client receives exactly the same bytes. The full emulator
// (`@llmkit/emulator`) runs beside it for the async-provider figure.
//
// Prints one JSON line on stdout: { openaiBaseUrl, key, sizes: {small, large}, emulator: { url, env } }.
import { createServer } from 'node:http'
import { renderPng, startEmulator } from '@llmkit/emulator'

const HOST = '127.0.0.1'
const KEY = 'bench-key'
/** Fixed so that every answer is byte-identical across runs, not only across clients. */
const CREATED = 1_700_000_000

// 256x256 is a realistic "small" image; 1160x1160 of noise compresses badly and lands near 4 MB.
const images = {
  small: renderPng(256, 256, 'bench-small'),
  large: renderPng(1160, 1160, 'bench-large', { noise: true }),
}

let origin = ''
/** Pre-encoded response bodies by `<size>|<format>`, filled once the port is known. */
const answers = new Map()

function encodeAnswers() {
  for (const [size, png] of Object.entries(images)) {
    const url = { created: CREATED, data: [{ url: `${origin}/files/${size}.png` }] }
    const b64 = { created: CREATED, data: [{ b64_json: png.toString('base64') }] }
    answers.set(`${size}|url`, Buffer.from(JSON.stringify(url)))
    answers.set(`${size}|b64_json`, Buffer.from(JSON.stringify(b64)))
  }
}

const HEADERS = { 'content-type': 'application/json', 'x-request-id': 'req_bench' }

function reply(res, status, body, headers = HEADERS) {
  res.writeHead(status, { ...headers, 'content-length': String(body.length) })
  res.end(body)
}

const server = createServer((req, res) => {
  const chunks = []
  req.on('data', (c) => chunks.push(c))
  req.on('end', () => {
    if (req.url?.startsWith('/files/')) {
      const png = images[req.url.slice('/files/'.length).replace(/\.png$/, '')]
      if (png) reply(res, 200, png, { 'content-type': 'image/png' })
      else reply(res, 404, Buffer.from('{"error":"unknown file"}'))
      return
    }
    if (req.method !== 'POST' || req.url !== '/v1/images/generations') {
      reply(res, 404, Buffer.from('{"error":{"message":"not found","type":"invalid_request_error"}}'))
      return
    }
    let body
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
    } catch {
      reply(res, 400, Buffer.from('{"error":{"message":"bad json","type":"invalid_request_error"}}'))
      return
    }
    // The prompt picks the image size, response_format the encoding; everything else is ignored
    // so that the server does the same (tiny) work for every client.
    const size = typeof body.prompt === 'string' && body.prompt.includes('large') ? 'large' : 'small'
    const format = body.response_format === 'url' ? 'url' : 'b64_json'
    reply(res, 200, answers.get(`${size}|${format}`))
  })
})
server.keepAliveTimeout = 60_000
// 256 concurrent callers must never queue in the accept backlog.
server.maxConnections = 4096

await new Promise((resolve) => server.listen(0, HOST, 1024, resolve))
origin = `http://${HOST}:${server.address().port}`
encodeAnswers()

// Async jobs finish quickly so the figure measures the client, not the job.
const emulator = await startEmulator({ jobTiming: { queuedMs: 50, runningMs: 100 } })

process.stdout.write(
  `${JSON.stringify({
    openaiBaseUrl: `${origin}/v1`,
    key: KEY,
    jobTiming: { queuedMs: 50, runningMs: 100 },
    sizes: {
      small: { pngBytes: images.small.length, b64Bytes: answers.get('small|b64_json').length, urlBytes: answers.get('small|url').length },
      large: { pngBytes: images.large.length, b64Bytes: answers.get('large|b64_json').length, urlBytes: answers.get('large|url').length },
    },
    emulator: { url: emulator.url, env: emulator.env },
  })}\n`,
)

const stop = async () => {
  server.closeAllConnections()
  server.close()
  await emulator.close()
  process.exit(0)
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
// The parent's death closes stdin: never outlive it.
process.stdin.on('end', stop)
process.stdin.resume()
