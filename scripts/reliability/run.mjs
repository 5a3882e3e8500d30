// llmkit's reliability suite: `npm run reliability` (builds the packages, then runs this on the
// pinned Node), or `node scripts/reliability/run.mjs --quick` for the few-second version that
// `npm test` runs. It drives the built packages through their public API against the emulator
// (in a child process) and a hostile server, writes its figures to bench/results/reliability.md
// and .json, and exits non-zero when a target of issue 11's "Done when" is missed.
//
// Options:
//   --quick          a few hundred calls and fuzz cases instead of 10,000 each
//   --out <dir>      where reliability.json / reliability.md go (default bench/results)
//   --calls <n>      calls of the random-fault run   --fuzz <n>  fuzz cases
//   --concurrency <n> calls in flight in the random-fault run
//   --seed <n>       seed of the random faults and the fuzz cases (default 11)
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { abortTiming, faultLanes, faultMatrix, randomFaults, soak, Tagger } from './calls.mjs'
import { fuzzRun } from './fuzz.mjs'
import { LLMKitClient } from 'llmkit'
import { replicate } from '@llmkit/provider-replicate'
import { capturingLogger, countingDispatcher, makeClient, makeKeys, providers, startEmulatorProcess } from './harness.mjs'
import { hostileRun } from './hostile.mjs'
import { Recorder, analyseSubmissions } from './recorder.mjs'
import { renderMarkdown } from './report.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const root = resolve(here, '../..')
const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    out: { type: 'string' },
    calls: { type: 'string' },
    fuzz: { type: 'string' },
    concurrency: { type: 'string' },
    seed: { type: 'string' },
  },
})
const quick = args.quick
const seed = Number(args.seed ?? 11)
const PLAN = quick
  ? { calls: 200, probability: 0.2, concurrency: 24, fuzz: 300, matrixConcurrency: 16, soakSeconds: 1.5, soakConcurrency: 8, deadlineMs: 20_000 }
  : { calls: 10_000, probability: 0.2, concurrency: 64, fuzz: 10_000, matrixConcurrency: 24, soakSeconds: 30, soakConcurrency: 16, deadlineMs: 45_000 }
if (args.calls) PLAN.calls = Number(args.calls)
if (args.fuzz) PLAN.fuzz = Number(args.fuzz)
if (args.concurrency) PLAN.concurrency = Number(args.concurrency)
/** Deadlines a careful batch user sets; every network wait of the client is bounded by one. */
const TIMEOUTS = quick
  ? { connectMs: 1000, headersMs: 2000, bodyMs: 2000, attemptMs: 2000, totalMs: 10_000, jobMs: 2500 }
  : { connectMs: 2000, headersMs: 3000, bodyMs: 3000, attemptMs: 3000, totalMs: 20_000, jobMs: 4000 }
const outDir = resolve(args.out ?? join(root, 'bench', 'results'))

for (const pkg of ['core', 'emulator', 'provider-openai', 'provider-fal', 'provider-stability', 'provider-recraft', 'provider-runway', 'provider-replicate']) {
  if (!existsSync(join(root, 'packages', pkg, 'dist', 'index.js'))) {
    console.error(`packages/${pkg}/dist is missing: the suite runs on built packages. Run \`npm run reliability\` (it builds first).`)
    process.exit(1)
  }
}

const started = Date.now()
const phaseSeconds = {}
let phaseStart = Date.now()
let phaseName
const log = (...a) => console.error('[reliability]', ...a)
/** Starts timing a phase (and ends the previous one). */
const phase = (name, text) => {
  const now = Date.now()
  if (phaseName) phaseSeconds[phaseName] = (now - phaseStart) / 1000
  phaseName = name
  phaseStart = now
  if (text) log(text)
}
const keys = makeKeys()
const runId = Math.random().toString(36).slice(2, 8)
const emulator = await startEmulatorProcess({ keys, jobTiming: { queuedMs: 10, runningMs: 20 }, imageVariety: 4 })
const recorder = new Recorder(keys, emulator.url)
const tagger = new Tagger(runId)
const logLeaks = []
const { logger, lines: logLines } = capturingLogger(keys, logLeaks)
const main = countingDispatcher()
const client = makeClient({ env: emulator.env, keys, dispatcher: main.dispatcher, logger, timeouts: TIMEOUTS, maxConcurrency: PLAN.concurrency })
const ctx = { client, emulator, keys, recorder, tagger, quick, deadlineMs: PLAN.deadlineMs }
const results = { meta: {}, plan: { ...PLAN, seed, timeouts: TIMEOUTS }, figures: {}, targets: [] }

let exitCode = 0
try {
  const maxImages = new Map()
  for (const model of ['dall-e-2', 'fal-ai/flux/schnell', 'stability-ai/stable-diffusion-xl', 'recraft-v3', 'gen4_image', 'stability-ai/sdxl']) {
    maxImages.set(model, (await client.capabilities(model)).maxImagesPerCall ?? 1)
  }

  phase('matrix', 'fault matrix (one fault per call on the submit)')
  await faultMatrix({ ...ctx, concurrency: PLAN.matrixConcurrency })
  phase('lanes', 'fault lanes (faults on job polls and image downloads)')
  await faultLanes({ ...ctx, pollingClient: makeClient({ env: emulator.env, keys, dispatcher: main.dispatcher, logger, timeouts: TIMEOUTS, plugins: [replicate({ waitSeconds: false })] }) })
  phase('random', `random faults: ${PLAN.calls} calls at ${PLAN.probability * 100} %`)
  const random = await randomFaults({ ...ctx, calls: PLAN.calls, probability: PLAN.probability, seed, concurrency: PLAN.concurrency, maxImages })
  phase('abort', 'abort timing')
  const abort = await abortTiming(ctx)
  phase('soak', `soak: ${PLAN.soakSeconds} s`)
  const soakFigures = await soak({ ...ctx, seconds: PLAN.soakSeconds, concurrency: PLAN.soakConcurrency })

  const submissions = analyseSubmissions(await emulator.log(true), (tag) => tagger.phaseOf.get(tag))
  recorder.addLeaks('logs', logLeaks)

  phase('fuzz', `fuzz: ${PLAN.fuzz} cases`)
  const fuzzNet = countingDispatcher()
  const fuzzClient = new LLMKitClient({ ...clientEnvOptions(), transport: { dispatcher: fuzzNet.dispatcher }, unsupported: 'error' })
  const fuzz = await fuzzRun({ client: fuzzClient, counts: fuzzNet.counts, keys, cases: PLAN.fuzz, seed, deadlineMs: 5000 })
  await fuzzNet.close()

  phase('hostile', 'hostile server')
  const hostile = await hostileRun({ keys, recorder, deadlineMs: PLAN.deadlineMs, quick })

  phase(undefined)
  results.meta = {
    mode: quick ? 'quick' : 'full',
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    seconds: Math.round((Date.now() - started) / 1000),
    requestsSent: main.counts.total,
    logLines: logLines(),
    phaseSeconds,
  }
  results.figures = { phases: recorder.phases, submissions, random, abort, soak: soakFigures, fuzz, hostile, peakRssBytes: process.resourceUsage().maxRSS * 1024 }
  results.targets = targetsOf(results.figures)
  exitCode = results.targets.every((t) => t.met) ? 0 : 1
} catch (error) {
  log('the suite itself failed:', error)
  exitCode = 2
  results.error = String(error?.stack ?? error)
} finally {
  await emulator.close().catch(() => {})
}

mkdirSync(outDir, { recursive: true })
/** The run's keys are made up, but a leak example must not print one either. */
const masked = (text) => Object.entries(keys).reduce((t, [provider, key]) => t.split(key).join(`[${provider} key]`), text)
writeFileSync(join(outDir, 'reliability.json'), masked(`${JSON.stringify(results, null, 2)}\n`))
writeFileSync(join(outDir, 'reliability.md'), masked(renderMarkdown(results)))
for (const t of results.targets) log(`${t.met ? 'met   ' : 'MISSED'} ${t.name}: ${t.value}`)
log(`figures in ${join(outDir, 'reliability.md')} (${Math.round((Date.now() - started) / 1000)} s)`)
// Hung calls are left behind on purpose; do not wait for them.
process.exit(exitCode)

function clientEnvOptions() {
  return {
    providers: providers(),
    env: { ...emulator.env, OPENAI_API_KEY: keys.openai, FAL_KEY: keys.fal, FAL_API_KEY: keys.fal, STABILITY_API_KEY: keys.stability, RECRAFT_API_KEY: keys.recraft, RUNWAYML_API_SECRET: keys.runway, REPLICATE_API_TOKEN: keys.replicate },
    logger,
    rateLimit: false,
  }
}

function sum(phases, field) {
  return Object.values(phases).reduce((n, f) => n + (f[field] ?? 0), 0)
}

/** The "Done when" targets of issue 11, each with its figure. */
function targetsOf(f) {
  const p = f.phases
  const duplicates = Object.values(f.submissions).reduce((n, s) => n + s.duplicateSubmissions, 0)
  const random = p.random ?? {}
  return [
    { name: 'untyped errors (every phase)', value: sum(p, 'untyped') + f.fuzz.untyped + f.hostile.bytes.untyped, met: sum(p, 'untyped') + f.fuzz.untyped + f.hostile.bytes.untyped === 0 },
    { name: 'hung calls (every phase)', value: sum(p, 'hung') + f.fuzz.hung, met: sum(p, 'hung') + f.fuzz.hung === 0 },
    { name: 'submissions of an already accepted job', value: duplicates, met: duplicates === 0 },
    { name: 'wrong image counts', value: sum(p, 'wrongImageCounts'), met: sum(p, 'wrongImageCounts') === 0 },
    { name: 'non-image successes', value: sum(p, 'nonImageSuccesses') + f.hostile.bytes.returnedBytes, met: sum(p, 'nonImageSuccesses') + f.hostile.bytes.returnedBytes === 0 },
    { name: `random-fault calls made (of ${PLAN.calls})`, value: random.calls ?? 0, met: (random.calls ?? 0) === PLAN.calls },
    { name: 'fuzz cases that reached the network', value: f.fuzz.networkRequests, met: f.fuzz.networkRequests === 0 && f.fuzz.accepted === 0 },
    { name: 'Object.prototype polluted by the fuzz', value: f.fuzz.prototypePolluted ? 'yes' : 'no', met: !f.fuzz.prototypePolluted },
    { name: 'downloads that reached a loopback or private address', value: f.hostile.canaryConnections + f.hostile.privateDispatches, met: f.hostile.canaryConnections + f.hostile.privateDispatches === 0 },
    { name: 'over-cap image downloaded again', value: f.hostile.hugeDownloadsRepeated, met: f.hostile.hugeDownloadsRepeated === 0 },
    { name: 'key leaks (errors, responses, log lines)', value: sum(p, 'keyLeaks') + f.fuzz.keyLeaks, met: sum(p, 'keyLeaks') + f.fuzz.keyLeaks === 0 },
    { name: 'abort settle time, max (ms)', value: f.abort.maxMs === undefined ? 'none measured' : Math.round(f.abort.maxMs), met: f.abort.maxMs !== undefined && f.abort.maxMs <= 100 },
  ]
}
