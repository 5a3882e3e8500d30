// Shared pieces of the reliability suite: the emulator child process, the client under test
// (built packages, public API only), a counting dispatcher, a logger that captures every line,
// one bounded call with its outcome, the image sniffer and the key-leak scanner.
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { inspect } from 'node:util'
import { Agent } from 'undici'
import { LLMKitClient, LLMKitError } from 'llmkit'
import { openai } from '@llmkit/provider-openai'
import { fal } from '@llmkit/provider-fal'
import { stability } from '@llmkit/provider-stability'
import { recraft } from '@llmkit/provider-recraft'
import { runway } from '@llmkit/provider-runway'
import { replicate } from '@llmkit/provider-replicate'

const here = dirname(fileURLToPath(import.meta.url))

/** Keys shaped like each provider's real ones (Recraft's has no recognisable prefix), fresh per run. */
export function makeKeys() {
  const hex = (n) => randomBytes(n).toString('hex')
  return {
    openai: `sk-proj-${hex(24)}`,
    fal: `${hex(4)}-${hex(2)}-${hex(2)}-${hex(2)}-${hex(6)}:${hex(16)}`,
    stability: `sk-${hex(24)}`,
    recraft: randomBytes(48).toString('base64url').slice(0, 64),
    runway: `key_${hex(32)}`,
    replicate: `r8_${hex(19)}`,
  }
}

/** Starts the emulator in a child process; resolves to its URL, env and HTTP controls. */
export function startEmulatorProcess(options) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(here, 'emulator-child.mjs'), JSON.stringify(options)], { stdio: ['pipe', 'pipe', 'inherit'] })
    let buf = ''
    const onData = (d) => {
      buf += d
      const nl = buf.indexOf('\n')
      if (nl < 0) return
      child.stdout.off('data', onData)
      const { url, env } = JSON.parse(buf.slice(0, nl))
      const call = async (method, path, body) => {
        const res = await fetch(`${url}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) })
        if (!res.ok) throw new Error(`emulator control ${method} ${path}: ${res.status} ${await res.text()}`)
        return res.json()
      }
      resolve({
        url,
        env,
        pid: child.pid,
        inject: (fault) => call('POST', '/__emulator/faults', fault),
        clearFaults: () => call('DELETE', '/__emulator/faults'),
        chaos: (chaos) => (chaos ? call('POST', '/__emulator/chaos', chaos) : call('DELETE', '/__emulator/chaos')),
        log: async (submissionsOnly = false) => (await call('GET', `/__emulator/log${submissionsOnly ? '?submissions=1' : ''}`)).entries,
        clearLog: () => call('DELETE', '/__emulator/log'),
        close: () =>
          new Promise((done) => {
            child.once('exit', () => done())
            child.kill('SIGTERM')
            setTimeout(() => child.kill('SIGKILL'), 3000).unref()
          }),
      })
    }
    child.stdout.on('data', onData)
    child.once('exit', (code) => reject(new Error(`emulator child exited ${code}`)))
  })
}

/** An undici Agent that counts every request dispatched through it, by origin. */
export function countingDispatcher(agentOptions = {}) {
  const counts = { total: 0, byOrigin: new Map(), log: [] }
  const agent = new Agent({ keepAliveTimeout: 4000, ...agentOptions })
  const dispatcher = agent.compose((dispatch) => (opts, handler) => {
    counts.total++
    const origin = String(opts.origin ?? '')
    counts.byOrigin.set(origin, (counts.byOrigin.get(origin) ?? 0) + 1)
    if (counts.log.length < 50) counts.log.push(`${opts.method} ${origin}${opts.path ?? ''}`.slice(0, 200))
    return dispatch(opts, handler)
  })
  return { dispatcher, counts, close: () => agent.close() }
}

/** JSON of anything: circular references, BigInt, symbols and throwing getters do not throw. */
export function safeStringify(value) {
  const seen = new WeakSet()
  try {
    return JSON.stringify(value, (_k, v) => {
      if (typeof v === 'bigint') return `${v}n`
      if (typeof v === 'symbol' || typeof v === 'function') return String(v)
      if (typeof v === 'object' && v !== null) {
        if (seen.has(v)) return '[circular]'
        seen.add(v)
      }
      return v
    })
  } catch (e) {
    try {
      return `[unserializable: ${String(e)}]`
    } catch {
      return '[unserializable]'
    }
  }
}

/** Every text an error exposes: message, stack, JSON, own fields, down its cause chain. */
export function errorTexts(error, depth = 0, out = []) {
  if (error === undefined || error === null || depth > 8) return out
  if (typeof error !== 'object') {
    out.push(String(error))
    return out
  }
  const read = (f) => {
    try {
      return f()
    } catch {
      return undefined
    }
  }
  // What console.log / console.error would print of it, too.
  out.push(String(read(() => error.message) ?? ''), String(read(() => error.stack) ?? ''), safeStringify(error), String(read(() => inspect(error, { depth: 6, showHidden: false })) ?? ''))
  for (const key of Object.getOwnPropertyNames(error)) {
    if (key === 'cause' || key === 'errors') continue
    const v = read(() => error[key])
    out.push(typeof v === 'string' ? v : safeStringify(v))
  }
  const cause = read(() => error.cause)
  if (cause !== undefined) errorTexts(cause, depth + 1, out)
  const errors = read(() => error.errors)
  if (Array.isArray(errors)) for (const e of errors.slice(0, 20)) errorTexts(e, depth + 1, out)
  return out
}

/** Finds any key in texts; returns `provider: where` strings. */
export function findLeaks(texts, keys, where) {
  const leaks = []
  for (const [provider, key] of Object.entries(keys)) {
    if (texts.some((t) => typeof t === 'string' && t.includes(key))) leaks.push(`${provider} key in ${where}`)
  }
  return leaks
}

/** A logger with pino's shape that scans every line for the keys as it arrives. */
export function capturingLogger(keys, leaks) {
  let lines = 0
  const write = (level) => (obj, msg) => {
    lines++
    const line = `${level} ${safeStringify(obj)} ${msg ?? ''}`
    for (const leak of findLeaks([line], keys, `a ${level} log line`)) if (leaks.length < 100) leaks.push(`${leak}: ${line.slice(0, 300)}`)
  }
  return { logger: { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') }, lines: () => lines }
}

/** The image type of some bytes by their signature (PNG, JPEG, GIF, WebP, SVG), or undefined. */
export function sniff(bytes) {
  if (!bytes || bytes.length < 4) return undefined
  if (bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return 'image/png'
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg'
  if (bytes.subarray(0, 4).toString('latin1') === 'GIF8') return 'image/gif'
  if (bytes.length >= 12 && bytes.subarray(0, 4).toString('latin1') === 'RIFF' && bytes.subarray(8, 12).toString('latin1') === 'WEBP') return 'image/webp'
  const head = bytes.subarray(0, 1024).toString('utf8').replace(/^\uFEFF/, '').trimStart()
  if (/^(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*<svg[\s>]/i.test(head)) return 'image/svg+xml'
  return undefined
}

/** The six provider plugins, polled fast enough for a load run (Runway's default is 5 s). */
export function providers() {
  return [openai(), fal(), stability(), recraft(), runway({ pollIntervalMs: 100, maxPollIntervalMs: 200 }), replicate()]
}

/** The calls of the matrix and the random run: one model per provider, at its cheapest size, in both formats. */
export const COMBOS = [
  { provider: 'openai', model: 'dall-e-2', size: '256x256', async: false },
  { provider: 'fal', model: 'fal-ai/flux/schnell', size: '256x256', async: true },
  { provider: 'stability', model: 'stability-ai/stable-diffusion-xl', size: '1024x1024', async: false },
  { provider: 'recraft', model: 'recraft-v3', size: '1024x1024', async: false },
  { provider: 'runway', model: 'gen4_image', size: '720x720', async: true },
  { provider: 'replicate', model: 'stability-ai/sdxl', size: '256x256', async: true },
].flatMap((c) => ['url', 'b64_json'].map((format) => ({ ...c, format })))

/** A client on the emulator as a careful user would set it up for a batch: short deadlines, no rate limiter. */
export function makeClient({ env, keys, dispatcher, logger, timeouts, maxConcurrency = 8, plugins = providers() }) {
  return new LLMKitClient({
    providers: plugins,
    env: { ...env, OPENAI_API_KEY: keys.openai, FAL_KEY: keys.fal, FAL_API_KEY: keys.fal, STABILITY_API_KEY: keys.stability, RECRAFT_API_KEY: keys.recraft, RUNWAYML_API_SECRET: keys.runway, REPLICATE_API_TOKEN: keys.replicate },
    logger,
    transport: { dispatcher, connectTimeoutMs: timeouts.connectMs, headersTimeoutMs: timeouts.headersMs, bodyTimeoutMs: timeouts.bodyMs },
    timeout: { attemptTimeoutMs: timeouts.attemptMs, totalTimeoutMs: timeouts.totalMs },
    jobTimeoutMs: timeouts.jobMs,
    downloads: { timeoutMs: timeouts.attemptMs, initialDelayMs: 100, maxDelayMs: 1000 },
    // The default (8 in flight per client) would queue the run's calls instead of running them.
    concurrency: { maxConcurrency },
    rateLimit: false,
  })
}

/** Runs `fn` over items with at most `limit` in flight. */
export async function pool(items, limit, fn) {
  let next = 0
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++
      await fn(items[i], i)
    }
  })
  await Promise.all(workers)
}

/**
 * One call with a harness deadline. Resolves to its outcome: success, a typed (llmkit) error, an
 * untyped error, or hung (not settled within the deadline; it is left behind).
 */
export async function boundedCall(run, deadlineMs) {
  let timer
  const started = performance.now()
  const deadline = new Promise((resolve) => {
    timer = setTimeout(() => resolve({ outcome: 'hung' }), deadlineMs)
  })
  const settled = (async () => {
    try {
      return { outcome: 'success', response: await run() }
    } catch (error) {
      return { outcome: LLMKitError.isInstance(error) ? 'typed' : 'untyped', error }
    }
  })()
  const result = await Promise.race([settled, deadline])
  clearTimeout(timer)
  return { ...result, ms: performance.now() - started }
}

/** The bytes of every image of a response, read without faults (data, base64, or a fetch from the emulator). */
export async function imageBytes(image, emulatorUrl) {
  if (typeof image.b64_json === 'string') return { bytes: Buffer.from(image.b64_json, 'base64') }
  const url = image.url
  if (typeof url !== 'string') return { bytes: undefined, note: 'no data' }
  if (url.startsWith('data:')) {
    const comma = url.indexOf(',')
    return { bytes: Buffer.from(url.slice(comma + 1), url.slice(0, comma).endsWith(';base64') ? 'base64' : 'utf8') }
  }
  if (url.startsWith(`${emulatorUrl}/`)) {
    const res = await fetch(url, { headers: { 'x-emulator-no-faults': '1' } })
    return { bytes: Buffer.from(await res.arrayBuffer()) }
  }
  // A URL elsewhere is returned as given (format 'url'); whether reading it is safe is the hostile phase's `bytes()` check.
  return { bytes: undefined, foreign: true, note: `foreign url ${url.slice(0, 80)}` }
}
