// One measurement in a fresh process, so that one contender's JIT state, sockets and heap never
// colour another's numbers. Usage: node worker.mjs '<json task>'; prints one JSON line.
import { performance } from 'node:perf_hooks'
import { createContender } from './contenders.mjs'
import { summarize } from './stats.mjs'

const task = JSON.parse(process.argv[2])
const { server } = task

async function latency(call, params) {
  const out = {}
  // Steady state: llmkit's deeper stack needs a few thousand calls before V8 has optimized it
  // (after 1,500 it still measured up to 1.5× the floor, after 5,000 level with it), so every
  // contender first runs params.warmup light calls spread over the light cases.
  const light = params.cases.filter(([size, format]) => size === 'small' || format === 'url')
  for (let i = 0; light.length > 0 && i < params.warmup; i++) await call(...light[i % light.length])
  for (const [size, format] of params.cases) {
    const heavy = size === 'large' && format !== 'url'
    const iters = heavy ? params.largeIters : params.smallIters
    const warmup = heavy ? 5 : 100
    for (let i = 0; i < warmup; i++) await call(size, format)
    const samples = new Float64Array(iters)
    for (let i = 0; i < iters; i++) {
      const t0 = performance.now()
      const image = await call(size, format)
      samples[i] = performance.now() - t0
      if (typeof image !== 'string' || image.length === 0) throw new Error(`${task.contender}: empty image`)
    }
    // Raw samples (µs resolution) so the parent can pool rounds run in separate processes.
    out[`${size}-${format === 'url' ? 'url' : 'b64'}`] = { ...summarize(samples), samples: Array.from(samples, (v) => Math.round(v * 1000) / 1000) }
  }
  return out
}

async function throughput(call, params) {
  const out = {}
  // Steady state, as in a long-running service: llmkit's deeper stack needs more calls than
  // raw undici before V8 has optimized it (a fresh process at 100 warm-up calls measures JIT).
  for (let i = 0; i < (params.warmupCalls ?? 0); i++) await call('small', params.format)
  for (const concurrency of params.levels) {
    const run = async (ms) => {
      const deadline = performance.now() + ms
      let done = 0
      const lane = async () => {
        while (performance.now() < deadline) {
          await call('small', params.format)
          done++
        }
      }
      const t0 = performance.now()
      await Promise.all(Array.from({ length: concurrency }, lane))
      return { done, elapsedMs: performance.now() - t0 }
    }
    await run(params.warmupMs) // opens the sockets this level needs
    const { done, elapsedMs } = await run(params.durationMs)
    out[`c${concurrency}`] = { callsPerSec: (done * 1000) / elapsedMs, calls: done }
  }
  return out
}

async function memory(call, params) {
  await call('small', 'b64_json') // modules loaded, clients warm: measure the batch only
  await call('large', 'b64_json')
  globalThis.gc?.()
  const base = process.memoryUsage()
  const maxRssBefore = process.resourceUsage().maxRSS * 1024
  let peakRss = base.rss
  let peakHeap = base.heapUsed + base.external
  const sample = () => {
    const m = process.memoryUsage()
    if (m.rss > peakRss) peakRss = m.rss
    if (m.heapUsed + m.external > peakHeap) peakHeap = m.heapUsed + m.external
  }
  const timer = setInterval(sample, 1)
  const t0 = performance.now()
  // The caller keeps every image, as a batch job would before writing them out.
  const images = await Promise.all(Array.from({ length: params.count }, () => call('large', 'b64_json').then((img) => (sample(), img))))
  const elapsedMs = performance.now() - t0
  clearInterval(timer)
  sample()
  const maxRssAfter = process.resourceUsage().maxRSS * 1024
  // maxRSS catches peaks between samples (a synchronous JSON.parse), when it rose during the batch.
  if (maxRssAfter > maxRssBefore && maxRssAfter > peakRss) peakRss = maxRssAfter
  const held = images.reduce((n, s) => n + s.length, 0)
  return {
    peakRssBytes: peakRss - base.rss,
    peakHeapBytes: peakHeap - (base.heapUsed + base.external),
    heldBytes: held,
    elapsedMs,
  }
}

async function cacheHit(call, params) {
  await call('small', 'url') // fills the cache
  const samples = new Float64Array(params.iters)
  for (let i = 0; i < params.iters; i++) {
    const t0 = performance.now()
    await call('small', 'url')
    samples[i] = performance.now() - t0
  }
  return summarize(samples)
}

/**
 * llmkit's own cost with the network taken out: the same client, but the OpenAI plugin's
 * provider answers from memory. What remains is request checks, resolution, normalization,
 * the middleware onion, the result mapping and the response objects.
 */
async function pipelineOnly(contender, params) {
  const core = await import('llmkit')
  const { openai } = await import('@llmkit/provider-openai')
  const { BARE_CLIENT_OPTIONS } = await import('./contenders.mjs')
  const image = { b64: 'iVBORw0KGgoAAAANSUhEUg', mimeType: 'image/png' }
  const plugin = { ...openai(), create: () => ({ generate: async () => ({ images: [image], created: 1 }) }) }
  const client = new core.LLMKitClient({ providers: [plugin], apiKeys: { openai: 'k' }, env: {}, ...(contender === 'llmkit-bare' ? BARE_CLIENT_OPTIONS : {}) })
  const request = { model: 'dall-e-2', prompt: 'bench small image', n: 1, size: '256x256', format: 'b64_json' }
  for (let i = 0; i < params.warmup; i++) await client.generateImage(request)
  const t0 = performance.now()
  for (let i = 0; i < params.iters; i++) await client.generateImage(request)
  return { meanUs: ((performance.now() - t0) * 1000) / params.iters, iters: params.iters }
}

const started = performance.now()
let result
if (task.task === 'async') {
  const { asyncLatency } = await import('./async-figure.mjs')
  result = await asyncLatency(task.contender, server, task.params)
} else if (task.task === 'pipeline') {
  result = await pipelineOnly(task.contender, task.params)
} else {
  const call = await createContender(task.contender, server, task.variant)
  if (task.task === 'latency') result = await latency(call, task.params)
  else if (task.task === 'throughput') result = await throughput(call, task.params)
  else if (task.task === 'memory') result = await memory(call, task.params)
  else if (task.task === 'cache') result = await cacheHit(call, task.params)
  else throw new Error(`unknown task ${task.task}`)
}
process.stdout.write(`${JSON.stringify({ ok: true, result, wallMs: performance.now() - started })}\n`)
// Keep-alive sockets would hold the process open until they time out.
process.exit(0)
