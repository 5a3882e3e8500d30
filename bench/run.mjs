// llmkit's benchmark: every contender, every figure, one run. Run it with `npm run bench`
// (builds the packages first) or `npm run bench -- --quick` for a smoke run.
//
// Options:
//   --quick        few iterations: checks that every figure can be produced, not how fast it is
//   --out <dir>    where latest.json / latest.md go (default bench/results)
//   --profile      also writes a --cpu-prof profile of each contender's small-payload loop
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, totalmem } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { CONTENDERS, IMPORTS, LABELS, PEERS, supports } from './contenders.mjs'
import { median, summarize } from './stats.mjs'
import { asyncProvider, cacheSupport } from './features.mjs'
import { notesFor } from './notes.mjs'
import { renderMarkdown } from './report.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const root = resolve(here, '..')
const { values: args } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, out: { type: 'string' }, profile: { type: 'boolean', default: false } },
  allowPositionals: true,
})
const quick = args.quick
const outDir = resolve(args.out ?? join(here, 'results'))

/** Iteration counts. The full plan stays under five minutes on two cores; quick under a minute. */
const PLAN = quick
  ? { rounds: 1, warmup: 3, smallIters: 20, largeIters: 2, levels: [1, 16, 64, 256], tpDurationMs: 150, tpWarmupMs: 50, batch: 10, importRuns: 1, cacheIters: 10, asyncRuns: 1 }
  : { rounds: 3, warmup: 5000, smallIters: 700, largeIters: 15, levels: [1, 16, 64, 256], tpDurationMs: 1000, tpWarmupMs: 200, batch: 10, importRuns: 9, cacheIters: 2000, asyncRuns: 5 }

for (const pkg of ['core', 'provider-openai', 'emulator']) {
  if (!existsSync(join(root, 'packages', pkg, 'dist', 'index.js'))) {
    console.error(`packages/${pkg}/dist is missing: the bench runs on built packages. Run \`npm run bench\` (it builds first).`)
    process.exit(1)
  }
}

const log = (...a) => console.error('[bench]', ...a)

/** Runs `node <args>` in bench/ and resolves to the JSON it printed last. */
function runNode(nodeArgs, { timeoutMs = 120_000 } = {}) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, nodeArgs, { cwd: here, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (err += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('close', (code) => {
      clearTimeout(timer)
      const last = out.trim().split('\n').pop()
      if (code !== 0 || !last) return reject(new Error(`node ${nodeArgs.slice(-2).join(' ').slice(0, 200)} exited ${code}: ${err.slice(-2000)}`))
      try {
        resolvePromise(JSON.parse(last))
      } catch (e) {
        reject(new Error(`unparseable output: ${last.slice(0, 200)} (${e})`))
      }
    })
  })
}

function startServer() {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [join(here, 'server.mjs')], { cwd: here, stdio: ['pipe', 'pipe', 'inherit'] })
    let buf = ''
    child.stdout.on('data', (d) => {
      buf += d
      const nl = buf.indexOf('\n')
      if (nl >= 0) resolvePromise({ child, info: JSON.parse(buf.slice(0, nl)) })
    })
    child.on('exit', (code) => reject(new Error(`bench server exited ${code}`)))
  })
}

function versionOf(name) {
  for (const base of [join(here, 'node_modules'), join(root, 'node_modules')]) {
    const file = join(base, name, 'package.json')
    if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')).version
  }
  return undefined
}

async function task(spec, nodeFlags = []) {
  const res = await runNode([...nodeFlags, join(here, 'worker.mjs'), JSON.stringify(spec)], { timeoutMs: quick ? 60_000 : 180_000 })
  return res.result
}

const started = Date.now()
const { child: serverProcess, info: server } = await startServer()
log(`server at ${server.openaiBaseUrl}; small b64 body ${server.sizes.small.b64Bytes} B, large ${server.sizes.large.b64Bytes} B`)

const results = {
  meta: {
    date: new Date().toISOString(),
    quick,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    loadAverageAtStart: loadavg(),
    totalMemBytes: totalmem(),
    versions: Object.fromEntries(['llmkit', '@llmkit/provider-openai', 'undici', 'openai', 'ai', '@ai-sdk/openai'].map((n) => [n, versionOf(n)])),
    labels: LABELS,
    contenders: CONTENDERS,
    peers: PEERS,
    plan: PLAN,
    payload: server.sizes,
  },
  figures: {},
  missing: {},
}
const figures = results.figures

try {
  // Every measurement runs PLAN.rounds times, each contender in a fresh process, the order
  // rotated per round, so load from elsewhere on the machine hits every contender alike.
  const order = (round) => CONTENDERS.map((_, i) => CONTENDERS[(i + round) % CONTENDERS.length])

  // 1. Latency per call: samples of all rounds pooled, then median and p99.
  const pooled = Object.fromEntries(CONTENDERS.map((c) => [c, {}]))
  const casesOf = (contender) => [['small', 'url'], ['small', 'b64_json'], ['large', 'url'], ['large', 'b64_json']].filter(([, f]) => supports(contender, f))
  for (let round = 0; round < PLAN.rounds; round++) {
    for (const contender of order(round)) {
      const params = { cases: casesOf(contender), warmup: PLAN.warmup, smallIters: PLAN.smallIters, largeIters: PLAN.largeIters }
      const res = await task({ task: 'latency', contender, server, params })
      for (const [key, v] of Object.entries(res)) (pooled[contender][key] ??= []).push(...v.samples)
    }
  }
  figures.latency = {}
  for (const contender of CONTENDERS) {
    figures.latency[contender] = Object.fromEntries(Object.entries(pooled[contender]).map(([key, samples]) => [key, summarize(samples)]))
    log(`latency ${contender}: ${Object.entries(figures.latency[contender]).map(([k, v]) => `${k} ${v.medianMs.toFixed(3)} ms`).join(', ')}`)
  }
  if (args.profile) {
    const dir = join(outDir, 'profiles')
    mkdirSync(dir, { recursive: true })
    for (const contender of CONTENDERS) {
      for (const [size, format] of [['small', 'b64_json'], ['large', 'b64_json']]) {
        const params = { cases: [[size, format]], warmup: PLAN.warmup, smallIters: PLAN.smallIters * 2, largeIters: PLAN.largeIters * 2 }
        await task({ task: 'latency', contender, server, params }, ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-name', `${contender}-${size}.cpuprofile`])
      }
    }
    log(`profiles in ${dir}`)
  }

  // 2. Throughput: small base64 answers (the one payload every contender can ask for); median of rounds.
  const tpRounds = Object.fromEntries(CONTENDERS.map((c) => [c, []]))
  for (let round = 0; round < PLAN.rounds; round++) {
    for (const contender of order(round)) {
      tpRounds[contender].push(await task({ task: 'throughput', contender, server, params: { levels: PLAN.levels, durationMs: PLAN.tpDurationMs, warmupMs: PLAN.tpWarmupMs, warmupCalls: PLAN.warmup, format: 'b64_json' } }))
    }
  }
  figures.throughput = {}
  for (const contender of CONTENDERS) {
    figures.throughput[contender] = Object.fromEntries(
      PLAN.levels.map((c) => [`c${c}`, { callsPerSec: median(tpRounds[contender].map((r) => r[`c${c}`].callsPerSec)), rounds: tpRounds[contender].map((r) => Math.round(r[`c${c}`].callsPerSec)) }]),
    )
    log(`throughput ${contender}: ${PLAN.levels.map((c) => `c${c}=${figures.throughput[contender][`c${c}`].callsPerSec.toFixed(0)}/s`).join(' ')}`)
  }

  // 3. Memory of a batch of large base64 images, a fresh process per contender and round; median of rounds.
  const memRounds = Object.fromEntries(CONTENDERS.map((c) => [c, []]))
  for (let round = 0; round < PLAN.rounds; round++) {
    for (const contender of order(round)) memRounds[contender].push(await task({ task: 'memory', contender, server, params: { count: PLAN.batch } }, ['--expose-gc']))
  }
  figures.memory = {}
  for (const contender of CONTENDERS) {
    const runs = memRounds[contender]
    figures.memory[contender] = {
      peakRssBytes: median(runs.map((m) => m.peakRssBytes)),
      peakHeapBytes: median(runs.map((m) => m.peakHeapBytes)),
      heldBytes: runs[0].heldBytes,
      payloadBytes: PLAN.batch * server.sizes.large.b64Bytes,
      rounds: runs.map((m) => ({ peakRssBytes: m.peakRssBytes, peakHeapBytes: m.peakHeapBytes, elapsedMs: m.elapsedMs })),
    }
    log(`memory ${contender}: peak RSS +${(figures.memory[contender].peakRssBytes / 2 ** 20).toFixed(1)} MiB, heap +${(figures.memory[contender].peakHeapBytes / 2 ** 20).toFixed(1)} MiB`)
  }

  // 4. Cold import, fresh process per run, contenders interleaved so drift hits all alike.
  const importRuns = Object.fromEntries(CONTENDERS.map((c) => [c, []]))
  const distinct = [...new Map(CONTENDERS.map((c) => [IMPORTS[c].join('+'), c])).values()]
  for (let run = 0; run < PLAN.importRuns; run++) {
    for (const contender of distinct) importRuns[contender].push(await runNode([join(here, 'import-probe.mjs'), contender]))
  }
  figures.coldImport = {}
  for (const contender of CONTENDERS) {
    const source = distinct.find((c) => IMPORTS[c].join('+') === IMPORTS[contender].join('+'))
    const runs = importRuns[source]
    figures.coldImport[contender] = {
      modules: IMPORTS[contender],
      medianMs: median(runs.map((r) => r.importMs)),
      minMs: Math.min(...runs.map((r) => r.importMs)),
      readyMedianMs: median(runs.map((r) => r.readyMs)),
      runs: runs.length,
    }
  }
  log(`cold import: ${CONTENDERS.map((c) => `${c}=${figures.coldImport[c].medianMs.toFixed(1)}ms`).join(' ')}`)

  // 4b. llmkit's own cost per call without the network (explains the latency gap).
  figures.pipelineOnly = {}
  for (const contender of ['llmkit', 'llmkit-bare']) {
    figures.pipelineOnly[contender] = await task({ task: 'pipeline', contender, server, params: { warmup: quick ? 10 : 5000, iters: quick ? 50 : 30000 } })
  }
  log(`pipeline only: ${Object.entries(figures.pipelineOnly).map(([c, v]) => `${c}=${v.meanUs.toFixed(1)}µs`).join(' ')}`)

  // 5. Cache hit: needs llmkit's cache middleware; peers have none.
  const cache = await cacheSupport()
  if (cache.ok) {
    figures.cacheHit = { llmkit: await task({ task: 'cache', contender: 'llmkit', variant: 'cache', server, params: { iters: PLAN.cacheIters } }) }
    log(`cache hit: median ${figures.cacheHit.llmkit.medianMs.toFixed(4)} ms`)
  } else results.missing.cacheHit = cache.reason

  // 6. Async provider: job completion on the server to image in the caller's hands.
  const asyncInfo = await asyncProvider()
  if (asyncInfo.ok) {
    figures.asyncDelivery = {}
    for (const contender of ['floor', 'llmkit']) {
      figures.asyncDelivery[contender] = await task({ task: 'async', contender, server, params: { runs: PLAN.asyncRuns, provider: asyncInfo.provider } })
    }
    log(`async: ${Object.entries(figures.asyncDelivery).map(([c, v]) => `${c}=${v.medianMs.toFixed(1)}ms`).join(' ')}`)
  } else results.missing.asyncDelivery = asyncInfo.reason
} finally {
  serverProcess.stdin.end()
  serverProcess.kill('SIGTERM')
}

results.meta.wallMs = Date.now() - started
results.meta.loadAverageAtEnd = loadavg()
results.notes = notesFor(results)
mkdirSync(outDir, { recursive: true })
const { markdown, summary } = renderMarkdown(results)
results.summary = summary
writeFileSync(join(outDir, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`)
writeFileSync(join(outDir, 'latest.md'), markdown)
log(`wrote ${join(outDir, 'latest.json')} and latest.md in ${(results.meta.wallMs / 1000).toFixed(1)} s`)
