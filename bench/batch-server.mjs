// The batch benchmark's provider: the emulator behind a small proxy, in its own process so its
// CPU time is never charged to a worker. The proxy plays the provider's rate limit on job submits
// (POST /runway/v1/text_to_image) the way providers describe theirs, a bucket of `--rate` tokens
// replenished continuously at `--rate` per second: an empty bucket answers 429 with
// `retry-after: 1`, counted. The emulator's seeded chaos adds `--faults` of
// faults the client can tell were not billed (5xx, slow bodies) on every Runway request.
//
// Prints one JSON line on stdout: { url, emulatorUrl, env }. GET /__bench/stats answers
// { rateLimited, submits }.
import { createServer, request } from 'node:http'
import { parseArgs } from 'node:util'
import { startEmulator } from '@llmkit/emulator'

const { values } = parseArgs({ options: { rate: { type: 'string', default: '40' }, faults: { type: 'string', default: '0.05' } } })
const RATE = Number(values.rate)
const FAULTS = Number(values.faults)
const SUBMIT_PATH = '/runway/v1/text_to_image'
// Faults whose outcome the client can tell is not billed, so a retry is safe. Resets are left
// out: a small submit is sent in full before any reset, so to the client it is ambiguous (it may
// have been charged) and by design llmkit does not resubmit it; ambiguous faults are the
// reliability bench's subject.
const FAULT_KINDS = ['server-error', 'bad-gateway', 'unavailable', 'slow-body']

const emulator = await startEmulator({ jobTiming: { queuedMs: 50, runningMs: 150 }, imageVariety: 16, logLimit: 200_000 })
await fetch(`${emulator.url}/__emulator/chaos`, { method: 'POST', body: JSON.stringify({ probability: FAULTS, seed: 7, kinds: FAULT_KINDS, pathPrefix: '/runway/' }) })
const upstream = new URL(emulator.url)

let rateLimited = 0
let submits = 0
let tokens = RATE
let refilledAt = Date.now()
/** Takes a token if there is one, after replenishing the bucket for the time gone by. */
function take() {
  const now = Date.now()
  tokens = Math.min(RATE, tokens + ((now - refilledAt) / 1000) * RATE)
  refilledAt = now
  if (tokens < 1) return false
  tokens -= 1
  return true
}

const proxy = createServer((req, res) => {
  if (req.url === '/__bench/stats') {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ rateLimited, submits }))
    return
  }
  if (req.method === 'POST' && req.url?.startsWith(SUBMIT_PATH)) {
    if (!take()) {
      rateLimited++
      req.resume()
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1' })
      res.end(JSON.stringify({ error: 'You have exceeded the rate limit (bench proxy).' }))
      return
    }
    submits++
  }
  const up = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers)
    answer.pipe(res)
    answer.on('error', () => res.destroy())
  })
  up.on('error', () => res.destroy())
  req.pipe(up)
})
proxy.keepAliveTimeout = 60_000
await new Promise((resolve) => proxy.listen(0, '127.0.0.1', 1024, resolve))
const url = `http://127.0.0.1:${proxy.address().port}`
const env = Object.fromEntries(Object.entries(emulator.env).map(([k, v]) => [k, v.replace(emulator.url, url)]))
process.stdout.write(`${JSON.stringify({ url, emulatorUrl: emulator.url, env })}\n`)

const stop = async () => {
  proxy.closeAllConnections()
  proxy.close()
  await emulator.close()
  process.exit(0)
}
process.on('SIGTERM', stop)
process.stdin.on('end', stop)
process.stdin.resume()
