// The call-based phases against the emulator: the fault matrix (one fault per call, on the
// submit, the job polls and the image downloads), the random-fault run, abort timing and the soak.
import { FAULT_KINDS, prng } from '@llmkit/emulator'
import { COMBOS, boundedCall, pool } from './harness.mjs'

const KINDS = Object.keys(FAULT_KINDS)
/** Faults whose target is an answer with images, or a body: pointless on a request that has none. */
const POLL_PREFIX = { fal: '/fal/fal-ai/flux/requests/', runway: '/runway/v1/tasks/', replicate: '/replicate/v1/predictions/' }
const URL_ONLY = new Set(['fal', 'runway', 'replicate'])

/** Tags every call's prompt, so the emulator's log counts its submissions. */
export class Tagger {
  constructor(runId) {
    this.runId = runId
    this.seq = 0
    this.phaseOf = new Map()
  }
  next(phase) {
    const tag = `rel${this.runId}-${++this.seq}`
    this.phaseOf.set(tag, phase)
    return tag
  }
}

function requestOf(combo, tag, extra = {}) {
  const { n = 1, trigger = '' } = extra
  return { model: combo.model, prompt: `${tag} a lighthouse on a rocky coast at dusk${trigger ? ` ${trigger}` : ''}`, size: combo.size, format: combo.format, n }
}

function label(combo, what) {
  return `${combo.provider} ${combo.model} ${combo.format} ${what}`
}


/**
 * One fault per call on the submit: every kind on every provider and format (quick: every kind
 * twice, on rotating providers), failed and stuck jobs, and a server that echoes the key.
 */
export async function faultMatrix({ client, emulator, keys, recorder, tagger, quick, deadlineMs, concurrency }) {
  const items = []
  KINDS.forEach((kind, k) => {
    const combos = quick ? [COMBOS[(2 * k) % COMBOS.length], COMBOS[(2 * k + 7) % COMBOS.length]] : COMBOS
    for (const combo of combos) items.push({ combo, kind })
  })
  for (const combo of COMBOS.filter((c) => c.async && (!quick || c.format === 'b64_json'))) {
    items.push({ combo, trigger: 'emulator:fail' }, { combo, trigger: 'emulator:never' })
  }
  for (const combo of quick ? COMBOS.filter((c) => c.format === 'url') : COMBOS) items.push({ combo, echo: 500 }, { combo, echo: 401 })

  await pool(items, concurrency, async ({ combo, kind, trigger, echo }) => {
    const tag = tagger.next('matrix')
    if (kind) await emulator.inject({ kind, bodyIncludes: tag, count: 1 })
    if (echo) {
      const key = keys[combo.provider]
      await emulator.inject({
        bodyIncludes: tag,
        count: echo === 500 ? 10 : 1,
        status: echo,
        headers: { 'x-request-id': key, 'request-id': key, 'x-fal-request-id': key },
        body: { error: { message: `Incorrect API key provided: ${key}`, type: 'invalid_request_error', code: key, param: key }, detail: `key ${key}`, id: key, name: key, errors: [key] },
      })
    }
    const result = await boundedCall(() => client.generateImage(requestOf(combo, tag, { trigger })), deadlineMs)
    const what = kind ?? trigger ?? `echo-key ${echo}`
    await recorder.record('matrix', { label: label(combo, what), kind: what, n: 1, validRequest: true }, result)
  })
}

/**
 * Faults on GET requests (job polls, image downloads), which carry no prompt to match: one lane
 * per target, calls one after the other, each with one fault on its path.
 */
export async function faultLanes({ client, pollingClient, emulator, recorder, tagger, quick, deadlineMs }) {
  const pollKinds = quick ? ['server-error', 'malformed-json', 'wrong-shape', 'reset', 'no-image'] : KINDS
  const downloadKinds = quick ? ['server-error', 'truncated', 'html-image', 'reset-after-handling'] : KINDS
  const lanes = []
  for (const [provider, pathPrefix] of Object.entries(POLL_PREFIX)) {
    const combo = COMBOS.find((c) => c.provider === provider && c.format === 'url')
    // Replicate answers inside its Prefer: wait window; its polls need a client that does not wait.
    const via = provider === 'replicate' ? pollingClient : client
    lanes.push(pollKinds.map((kind) => ({ combo, kind, pathPrefix, what: 'poll', via })))
  }
  const downloaders = COMBOS.filter((c) => URL_ONLY.has(c.provider) && c.format === 'b64_json')
  lanes.push(downloadKinds.map((kind, i) => ({ combo: downloaders[i % downloaders.length], kind, pathPrefix: '/files/', what: 'download' })))
  if (!quick) lanes.push(downloadKinds.map((kind, i) => ({ combo: downloaders[(i + 1) % downloaders.length], kind, pathPrefix: '/files/', what: 'download' })))
  await Promise.all(
    lanes.map(async (lane) => {
      for (const { combo, kind, pathPrefix, what, via = client } of lane) {
        const tag = tagger.next('lanes')
        await emulator.inject({ kind, pathPrefix, method: 'GET', count: 1 })
        const result = await boundedCall(() => via.generateImage(requestOf(combo, tag)), deadlineMs)
        await recorder.record('lanes', { label: label(combo, `${kind} on ${what}`), kind: `${kind} on ${combo.provider} ${what}`, n: 1, validRequest: true }, result)
      }
    }),
  )
  await emulator.clearFaults()
}

/** `calls` calls over every provider and format with random faults on every request at `probability`. */
export async function randomFaults({ client, emulator, recorder, tagger, calls, probability, seed, concurrency, deadlineMs, maxImages }) {
  const random = prng(seed)
  const items = Array.from({ length: calls }, () => {
    const combo = COMBOS[Math.floor(random() * COMBOS.length)]
    const r = random()
    const trigger = combo.async && r < 0.02 ? 'emulator:fail' : combo.async && r < 0.04 ? 'emulator:never' : ''
    const n = (maxImages.get(combo.model) ?? 1) >= 2 && random() < 0.25 ? 2 : 1
    return { combo, trigger, n }
  })
  await emulator.chaos({ probability, seed })
  const rss = { peak: process.memoryUsage().rss }
  const sampler = setInterval(() => (rss.peak = Math.max(rss.peak, process.memoryUsage().rss)), 200)
  const started = performance.now()
  let done = 0
  try {
    await pool(items, concurrency, async ({ combo, trigger, n }) => {
      const tag = tagger.next('random')
      const result = await boundedCall(() => client.generateImage(requestOf(combo, tag, { trigger, n })), deadlineMs)
      await recorder.record('random', { label: label(combo, trigger || 'random faults'), n, validRequest: true }, result)
      if (++done % 1000 === 0) console.error(`[reliability] random faults: ${done}/${calls} calls`)
    })
  } finally {
    clearInterval(sampler)
    await emulator.chaos(undefined)
  }
  return { seconds: (performance.now() - started) / 1000, peakRssBytes: rss.peak }
}

/**
 * Abort in every phase a call goes through; the figure is the time from `abort()` to the
 * rejection. Cancel endpoints hang, so a rejection that waits for the remote cancel shows.
 */
export async function abortTiming({ client, emulator, recorder, tagger, quick, deadlineMs }) {
  const find = (provider, format = 'url') => COMBOS.find((c) => c.provider === provider && c.format === format)
  const scenarios = [
    { what: 'sync submit in flight', combo: find('openai'), fault: { kind: 'hang' }, afterMs: 150 },
    { what: 'async submit in flight', combo: find('fal'), fault: { kind: 'hang' }, afterMs: 150 },
    { what: 'async submit answered, work done', combo: find('runway'), fault: { kind: 'hang-after-handling' }, afterMs: 150 },
    { what: 'backoff after a 429 with retry-after', combo: find('openai'), fault: { kind: 'rate-limit-retry-after' }, afterMs: 250 },
    { what: 'slow body', combo: find('stability'), fault: { drip: { chunks: 20, intervalMs: 100 } }, afterMs: 300 },
    { what: 'fal job polling, cancel hangs', combo: find('fal'), trigger: 'emulator:never', get: { pathPrefix: '/fal/fal-ai/flux/requests/', method: 'PUT', hang: true }, afterMs: 700 },
    { what: 'runway task polling, cancel hangs', combo: find('runway'), trigger: 'emulator:never', get: { pathPrefix: '/runway/v1/tasks/', method: 'DELETE', hang: true }, afterMs: 500 },
    { what: 'replicate Prefer: wait window', combo: find('replicate'), trigger: 'emulator:never', afterMs: 300 },
    { what: 'image download in flight', combo: find('replicate', 'b64_json'), get: { pathPrefix: '/files/', method: 'GET', hang: true }, afterMs: 400 },
  ]
  const rounds = quick ? 1 : 3
  const settle = []
  const byScenario = {}
  for (let round = 0; round < rounds; round++) {
    for (const s of scenarios) {
      const tag = tagger.next('abort')
      if (s.fault) await emulator.inject({ ...s.fault, bodyIncludes: tag, count: 1 })
      if (s.get) await emulator.inject({ ...s.get, count: 1 })
      const controller = new AbortController()
      let abortedAt
      const result = await boundedCall(async () => {
        const call = client.generateImage(requestOf(s.combo, tag, { trigger: s.trigger }), { signal: controller.signal })
        setTimeout(() => {
          abortedAt = performance.now()
          controller.abort()
        }, s.afterMs)
        try {
          return await call
        } finally {
          const ms = abortedAt === undefined ? undefined : performance.now() - abortedAt
          if (ms !== undefined) {
            settle.push(ms)
            byScenario[s.what] = Math.max(byScenario[s.what] ?? 0, ms)
          }
        }
      }, deadlineMs)
      if (result.outcome === 'hung' && abortedAt !== undefined) {
        // Never settled: the figure is at least the time waited.
        const ms = performance.now() - abortedAt
        settle.push(ms)
        byScenario[s.what] = Math.max(byScenario[s.what] ?? 0, ms)
      }
      await recorder.record('abort', { label: label(s.combo, `abort: ${s.what}`), validRequest: true }, result)
      await emulator.clearFaults()
    }
  }
  return { samples: settle.length, maxMs: settle.length ? Math.max(...settle) : undefined, byScenarioMaxMs: byScenario }
}

/** Steady calls without faults for `seconds`, watching memory. */
export async function soak({ client, recorder, tagger, seconds, concurrency, deadlineMs }) {
  const stopAt = performance.now() + seconds * 1000
  const first = process.memoryUsage()
  let peak = first.rss
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 200)
  let calls = 0
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      let i = w
      while (performance.now() < stopAt) {
        const combo = COMBOS[i++ % COMBOS.length]
        const tag = tagger.next('soak')
        const result = await boundedCall(() => client.generateImage(requestOf(combo, tag)), deadlineMs)
        calls++
        await recorder.record('soak', { label: label(combo, 'soak'), n: 1, validRequest: true }, result)
      }
    }),
  )
  clearInterval(sampler)
  const last = process.memoryUsage()
  return { seconds, calls, callsPerSecond: calls / seconds, rssStartBytes: first.rss, rssEndBytes: last.rss, rssPeakBytes: peak, heapStartBytes: first.heapUsed, heapEndBytes: last.heapUsed }
}
