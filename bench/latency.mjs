// Latency of async providers: from the moment a job completes on the provider to the moment the
// caller holds the image bytes. Run it with `npm run bench:latency` (builds first; also part of
// `npm run bench`), or `node bench/latency.mjs --quick` for a smoke run.
//
// Every call runs against the emulator, in this process, with jobs of a fixed length (queued
// 100 ms + running 650 ms: halfway between two 500 ms polls, the average phase a poller meets;
// Runway's "ready at once" tasks take 0 ms). Each call has its own
// prompt, so its submission is found in the emulator's request log: the job completes at
// `arrival + queuedMs + runningMs`, and the figure is `image in hand - completion`.
//
// Contenders per provider: llmkit, the official client where it runs against the emulator
// (@fal-ai/client, replicate, @runwayml/sdk), and the polling floor (raw undici polling at the
// provider's documented cadence: what any poller gets at best).
//
// Options:
//   --quick        few runs: checks that every figure can be produced, not how fast it is
//   --out <dir>    where latency.json / latency.md go (default bench/results)
//   --only <name>  one provider only (fal, replicate, runway), for a look at one figure
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { summarize } from './stats.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const root = resolve(here, '..')
const { values: args } = parseArgs({ options: { quick: { type: 'boolean', default: false }, out: { type: 'string' }, only: { type: 'string' } }, allowPositionals: true })
const wanted = (name) => args.only === undefined || args.only === name
const quick = args.quick
const outDir = resolve(args.out ?? join(here, 'results'))

for (const pkg of ['core', 'emulator', 'provider-fal', 'provider-replicate', 'provider-runway']) {
  if (!existsSync(join(root, 'packages', pkg, 'dist', 'index.js'))) {
    console.error(`packages/${pkg}/dist is missing: the bench runs on built packages. Run \`npm run bench:latency\` (it builds first).`)
    process.exit(1)
  }
}

const { startEmulator, RUNWAY_TRIGGERS } = await import('@llmkit/emulator')
const { LLMKitClient } = await import('@llmkit/core')
const { fal } = await import('@llmkit/provider-fal')
const { replicate } = await import('@llmkit/provider-replicate')
const { runway } = await import('@llmkit/provider-runway')
const { request } = await import('undici')

const JOB = { queuedMs: 100, runningMs: 650 }
/** Runs per contender; Runway's SDK waits about 6 s per call, so it gets fewer. */
const RUNS = quick ? { fast: 2, slow: 1 } : { fast: 40, slow: 6 }
const log = (...a) => console.error('[bench:latency]', ...a)
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

const emulator = await startEmulator({ jobTiming: JOB, imageVariety: 1, logLimit: 100_000 })
const env = emulator.env
let sequence = 0

/** The submission of the call whose prompt is `prompt` (its arrival is when the job was created). */
function submissionOf(prompt) {
  for (let i = emulator.log.entries.length - 1; i >= 0; i--) {
    const e = emulator.log.entries[i]
    if (e.submission && e.prompt === prompt) return e
  }
  throw new Error(`no submission with prompt ${prompt}`)
}

async function bytesOf(url) {
  const res = await request(url)
  const bytes = Buffer.from(await res.body.arrayBuffer())
  if (res.statusCode !== 200 || bytes.length === 0) throw new Error(`image download failed: ${res.statusCode}`)
  return bytes
}

/** Runs `call(prompt)` `runs` times (after one warm-up) and summarises image-in-hand minus completion. */
async function measure(label, runs, jobMs, call, base = 'bench latency') {
  const samples = []
  for (let i = -1; i < runs; i++) {
    const prompt = `${base} ${label} ${++sequence}`
    const bytes = await call(prompt)
    const inHand = Date.now()
    if (!(bytes instanceof Uint8Array) || bytes.length === 0) throw new Error(`${label}: no image`)
    const completed = submissionOf(prompt).at + jobMs
    if (i >= 0) samples.push(inHand - completed)
    // Let keep-alive sockets and timers settle between calls.
    await sleep(5)
  }
  const s = summarize(samples)
  log(`${label}: median ${s.medianMs} ms, p99 ${s.p99Ms} ms (n=${s.n})`)
  return s
}

// ---------- fal ----------
const FAL_MODEL = 'fal-ai/flux/schnell'
const falInput = (prompt) => ({ prompt, image_size: { width: 512, height: 512 }, num_images: 1, seed: 42 })

function llmkitFal(options = {}) {
  const client = new LLMKitClient({ providers: [fal(options)], env: { ...env } })
  return async (prompt) => {
    const res = await client.generateImage({ model: FAL_MODEL, prompt, size: '512x512', seed: 42 })
    return res.images[0].bytes()
  }
}

async function falSdk(mode) {
  const { createFalClient } = await import('@fal-ai/client')
  const base = env.FAL_BASE_URL
  // The SDK builds https://queue.fal.run/... URLs; its request middleware points them at the emulator.
  const client = createFalClient({
    credentials: env.FAL_KEY,
    requestMiddleware: async (req) => ({ ...req, url: req.url.replace(/^https:\/\/queue\.fal\.run/, base) }),
  })
  return async (prompt) => {
    const { data } = await client.subscribe(FAL_MODEL, { input: falInput(prompt), mode, pollInterval: 500 })
    return bytesOf(data.images[0].url)
  }
}

function falFloor() {
  const headers = { authorization: `Key ${env.FAL_KEY}`, 'content-type': 'application/json', accept: 'application/json' }
  return async (prompt) => {
    const submit = await request(`${env.FAL_BASE_URL}/${FAL_MODEL}`, { method: 'POST', headers, body: JSON.stringify(falInput(prompt)) })
    const queued = await submit.body.json()
    for (let i = 0; i < 1000; i++) {
      await sleep(500)
      const s = await (await request(queued.status_url, { headers })).body.json()
      if (s.status === 'COMPLETED') break
    }
    const result = await (await request(queued.response_url, { headers })).body.json()
    return bytesOf(result.images[0].url)
  }
}

// ---------- Replicate ----------
const REPLICATE_MODEL = 'black-forest-labs/flux-schnell'

function llmkitReplicate(options = {}) {
  const client = new LLMKitClient({ providers: [replicate(options)], env: { ...env } })
  return async (prompt) => {
    const res = await client.generateImage({ model: REPLICATE_MODEL, prompt, aspect_ratio: '1:1' })
    return res.images[0].bytes()
  }
}

async function replicateSdk() {
  const { default: Replicate } = await import('replicate')
  const client = new Replicate({ auth: env.REPLICATE_API_TOKEN, baseUrl: env.REPLICATE_BASE_URL, useFileOutput: false })
  return async (prompt) => {
    // run() holds the create open (Prefer: wait), then polls every 500 ms.
    const output = await client.run(REPLICATE_MODEL, { input: { prompt, num_outputs: 1, aspect_ratio: '1:1', output_format: 'png' } })
    return bytesOf(output[0])
  }
}

function replicateFloor() {
  const headers = { authorization: `Bearer ${env.REPLICATE_API_TOKEN}`, 'content-type': 'application/json' }
  return async (prompt) => {
    const created = await request(`${env.REPLICATE_BASE_URL}/models/${REPLICATE_MODEL}/predictions`, { method: 'POST', headers, body: JSON.stringify({ input: { prompt, num_outputs: 1, output_format: 'png' } }) })
    let p = await created.body.json()
    for (let i = 0; i < 1000 && p.status !== 'succeeded'; i++) {
      await sleep(500)
      p = await (await request(`${env.REPLICATE_BASE_URL}/predictions/${p.id}`, { headers })).body.json()
    }
    return bytesOf(p.output[0])
  }
}

// ---------- Runway ----------
const RUNWAY_BODY = (prompt) => ({ model: 'gen4_image', promptText: prompt, ratio: '1024:1024' })

function llmkitRunway() {
  // The production cadence: 5 s between status requests.
  const client = new LLMKitClient({ providers: [runway()], env: { ...env } })
  return async (prompt) => {
    const res = await client.generateImage({ model: 'gen4_image', prompt, size: '1024x1024' })
    return res.images[0].bytes()
  }
}

async function runwaySdk() {
  const { default: RunwayML } = await import('@runwayml/sdk')
  const client = new RunwayML({ apiKey: env.RUNWAYML_API_SECRET, baseURL: env.RUNWAYML_BASE_URL })
  return async (prompt) => {
    const task = await client.textToImage.create(RUNWAY_BODY(prompt)).waitForTaskOutput()
    return bytesOf(task.output[0])
  }
}

function runwayFloor() {
  const headers = { authorization: `Bearer ${env.RUNWAYML_API_SECRET}`, 'x-runway-version': '2024-11-06', 'content-type': 'application/json' }
  return async (prompt) => {
    const { id } = await (await request(`${env.RUNWAYML_BASE_URL}/v1/text_to_image`, { method: 'POST', headers, body: JSON.stringify(RUNWAY_BODY(prompt)) })).body.json()
    let task
    for (let i = 0; i < 1000; i++) {
      // Runway asks for no more than one status request every 5 s.
      await sleep(5_000)
      task = await (await request(`${env.RUNWAYML_BASE_URL}/v1/tasks/${id}`, { headers })).body.json()
      if (task.status === 'SUCCEEDED') break
    }
    return bytesOf(task.output[0])
  }
}

const jobMs = JOB.queuedMs + JOB.runningMs
const figures = { fal: {}, replicate: {}, runwayInstant: {}, runwayJob: {} }
try {
  if (wanted('fal')) {
  log(`fal (${FAL_MODEL}), jobs of ${jobMs} ms`)
  figures.fal['llmkit (status stream)'] = await measure('fal-llmkit', RUNS.fast, jobMs, llmkitFal())
  figures.fal['llmkit (polling, statusStream: false)'] = await measure('fal-llmkit-poll', RUNS.fast, jobMs, llmkitFal({ statusStream: false }))
  figures.fal['@fal-ai/client subscribe (polling, 500 ms)'] = await measure('fal-sdk', RUNS.fast, jobMs, await falSdk('polling'))
  figures.fal['@fal-ai/client subscribe (mode: streaming)'] = await measure('fal-sdk-stream', RUNS.fast, jobMs, await falSdk('streaming'))
  figures.fal['floor (poll every 500 ms)'] = await measure('fal-floor', RUNS.fast, jobMs, falFloor())
  }
  if (wanted('replicate')) {

  log(`Replicate (${REPLICATE_MODEL}), jobs of ${jobMs} ms`)
  figures.replicate['llmkit (Prefer: wait=5)'] = await measure('rep-llmkit', RUNS.fast, jobMs, llmkitReplicate())
  figures.replicate['llmkit (waitSeconds: false, fast first check)'] = await measure('rep-llmkit-poll', RUNS.fast, jobMs, llmkitReplicate({ waitSeconds: false }))
  figures.replicate['replicate run (Prefer: wait)'] = await measure('rep-sdk', RUNS.fast, jobMs, await replicateSdk())
  figures.replicate['floor (poll every 500 ms)'] = await measure('rep-floor', RUNS.fast, jobMs, replicateFloor())
  }
  if (wanted('runway')) {

  log('Runway (gen4_image), a task ready at once')
  const instant = `bench latency ${RUNWAY_TRIGGERS.instant}`
  figures.runwayInstant['llmkit (fast first check, then 5 s)'] = await measure('run-llmkit', RUNS.fast, 0, llmkitRunway(), instant)
  figures.runwayInstant['@runwayml/sdk waitForTaskOutput'] = await measure('run-sdk', RUNS.slow, 0, await runwaySdk(), instant)
  figures.runwayInstant['floor (poll every 5 s)'] = await measure('run-floor', RUNS.slow, 0, runwayFloor(), instant)

  log(`Runway (gen4_image), jobs of ${jobMs} ms`)
  figures.runwayJob['llmkit (fast first check, then 5 s)'] = await measure('runj-llmkit', RUNS.slow, jobMs, llmkitRunway())
  figures.runwayJob['@runwayml/sdk waitForTaskOutput'] = await measure('runj-sdk', RUNS.slow, jobMs, await runwaySdk())
  figures.runwayJob['floor (poll every 5 s)'] = await measure('runj-floor', RUNS.slow, jobMs, runwayFloor())
  }
} finally {
  await emulator.close()
}

/** A peer's installed version, read from its package.json (not every package exports it). */
function versionOf(name) {
  for (const base of [join(here, 'node_modules'), join(root, 'node_modules')]) {
    const file = join(base, name, 'package.json')
    if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')).version
  }
  return 'unknown'
}
const versions = Object.fromEntries(['@fal-ai/client', 'replicate', '@runwayml/sdk'].map((name) => [name, versionOf(name)]))

const machine = { node: process.version, cpus: cpus().length, load: loadavg().map((l) => l.toFixed(2)).join(' ') }
const result = { date: new Date().toISOString(), quick, job: JOB, runs: RUNS, machine, versions, figures }
mkdirSync(outDir, { recursive: true })
writeFileSync(join(outDir, 'latency.json'), `${JSON.stringify(result, null, 2)}\n`)

const table = (rows) =>
  Object.keys(rows).length === 0 ? '(not measured in this run)' :
  ['| contender | median ms | p99 ms | n |', '|---|---:|---:|---:|', ...Object.entries(rows).map(([name, s]) => `| ${name} | ${Math.round(s.medianMs)} | ${Math.round(s.p99Ms)} | ${s.n} |`)].join('\n')
const none = { medianMs: Number.NaN, p99Ms: Number.NaN }
const falFigure = figures.fal['llmkit (status stream)'] ?? none
const instantFigure = figures.runwayInstant['llmkit (fast first check, then 5 s)'] ?? none
const md = `# Async latency: completion to image in hand

${quick ? '**Quick run: too few samples to compare; it only checks that every figure can be produced.**\n\n' : ''}Generated ${result.date} by \`bench/latency.mjs\` (Node ${machine.node}, ${machine.cpus} CPUs, load ${machine.load}).
Peers: @fal-ai/client ${versions['@fal-ai/client']}, replicate ${versions.replicate}, @runwayml/sdk ${versions['@runwayml/sdk']}.

Each figure is the time from a job completing on the emulator (its submission's arrival + ${JOB.queuedMs} ms queued + ${JOB.runningMs} ms running) to the caller holding the image bytes: the status round trips, the result read and the image download. Lower is better; a negative p99 cannot happen. The emulator runs in the same process with one cached 512×512 picture, so rendering is not measured.

## fal (${FAL_MODEL}, jobs of ${jobMs} ms)

${table(figures.fal)}

Target: at most 50 ms median. llmkit follows the queue's status stream and reads the result the moment COMPLETED arrives: **${Math.round(falFigure.medianMs)} ms median** (${falFigure.medianMs <= 50 ? 'met' : 'not met'}). The official client's default, polling every 500 ms, is the peer.

## Replicate (${REPLICATE_MODEL}, jobs of ${jobMs} ms)

${table(figures.replicate)}

With \`Prefer: wait\` the create answers when the prediction is done, so both llmkit and the official \`run()\` hold the result as soon as Replicate does. Without the wait, llmkit checks right after the create, then every 500 ms.

## Runway (gen4_image), a task ready at once

${table(figures.runwayInstant)}

Target: under 1 s. llmkit checks once right after the submit: **${Math.round(instantFigure.medianMs)} ms median** (${instantFigure.p99Ms < 1000 ? 'met' : 'not met'}: p99 ${Math.round(instantFigure.p99Ms)} ms). The official SDK waits 6 s ± 1.5 s before its first check.

## Runway (gen4_image), jobs of ${jobMs} ms

${table(figures.runwayJob)}

Runway asks clients to poll no more often than every 5 s: after the fast first check (too early for a ${jobMs} ms job), llmkit keeps that cadence, so the image arrives at the next 5 s check, as for the floor.
`
writeFileSync(join(outDir, 'latency.md'), md)
log(`wrote ${join(outDir, 'latency.md')}`)
// Keep-alive sockets of the peers' clients would hold the process open.
process.exit(0)
