// The batch benchmark (`npm run bench:batch`, built packages): N prompts on 1, 2 and 4 worker
// processes sharing one real redis-server, against the emulator behind a proxy that enforces a
// provider rate limit R (submits per second, a token bucket) and with 5 % faults the client can tell were not billed. In the 4-worker
// run one worker is SIGKILLed at 40 % and started again. Then 200 images of about 4 MB through
// a one-process run, for memory. Writes results/batch.json and results/batch.md.
//
// Figures: wall time against the N/R bound, peak RSS per worker (and whether it grows over the
// run), 429s the proxy sent, duplicate submissions (a second accepted submit of one prompt,
// counted at the emulator; must be 0), and that the manifest has exactly one line per item with
// every image on disk. Workers run with --expose-gc: every 2 s they report the heap left after a
// full GC, which shows whether a worker keeps anything per item (RSS alone also counts freed
// memory the allocator keeps).
//
// Options: --quick (N=120, R=40, one 30-image memory run: a smoke run), --n, --rate, --out <dir>,
// --workers 1,2,4 (which fleet sizes), --skip-large, --keep (leave the output folders)
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { cpus, tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { batchStatus, submitBatch } from '@llmkit/batch'
import { Redis } from 'ioredis'

const here = dirname(fileURLToPath(import.meta.url))
const { values: args } = parseArgs({ options: { quick: { type: 'boolean', default: false }, n: { type: 'string' }, rate: { type: 'string' }, out: { type: 'string' }, workers: { type: 'string' }, 'skip-large': { type: 'boolean', default: false }, keep: { type: 'boolean', default: false } } })
const quick = args.quick
const N = Number(args.n ?? (quick ? 120 : 2000))
const RATE = Number(args.rate ?? 40)
const FAULTS = 0.05
const TOTAL_CONCURRENCY = 64
const WORKER_COUNTS = args.workers === undefined ? [1, 2, 4] : args.workers.split(',').map(Number)
const LARGE = quick ? { count: 30, concurrency: 8 } : { count: 200, concurrency: 8 }
const outDir = resolve(args.out ?? join(here, 'results'))
const log = (...a) => console.error('[bench:batch]', ...a)

for (const pkg of ['batch', 'redis', 'core', 'emulator', 'provider-runway', 'provider-openai']) {
  if (!existsSync(join(here, '..', 'packages', pkg, 'dist', 'index.js'))) {
    console.error(`packages/${pkg}/dist is missing: run \`npm run bench:batch\` (it builds first).`)
    process.exit(1)
  }
}
if (spawnSync('redis-server', ['--version']).status !== 0) {
  console.error('redis-server is not installed (apt-get install redis-server).')
  process.exit(1)
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

function freePort() {
  return new Promise((res, rej) => {
    const s = createServer()
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => res(port))
    })
    s.on('error', rej)
  })
}

/** Starts a child that prints one JSON line first; resolves to { child, info }. stdin stays open: its end stops the child. */
function startJsonChild(script, argv) {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [join(here, script), ...argv], { cwd: here, stdio: ['pipe', 'pipe', 'inherit'] })
    let buf = ''
    const onData = (d) => {
      buf += d
      const nl = buf.indexOf('\n')
      if (nl < 0) return
      child.stdout.off('data', onData)
      res({ child, info: JSON.parse(buf.slice(0, nl)) })
    }
    child.stdout.on('data', onData)
    child.on('exit', (code) => rej(new Error(`${script} exited ${code}`)))
  })
}

async function startRedis() {
  const port = await freePort()
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'inherit'] })
  await new Promise((res, rej) => {
    let out = ''
    child.stdout.on('data', (d) => {
      out += d
      if (out.includes('Ready to accept connections')) res()
    })
    child.on('exit', (code) => rej(new Error(`redis-server exited ${code}`)))
  })
  child.stdout.resume()
  return { url: `redis://127.0.0.1:${port}`, child }
}

/** Peak resident set (VmHWM) of a live process, in bytes. */
function peakRss(pid) {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) * 1024 : undefined
  } catch {
    return undefined
  }
}

function startWorkerProcess(redisUrl, concurrency, env) {
  const child = spawn(process.execPath, ['--expose-gc', join(here, 'batch-worker.mjs'), redisUrl, String(concurrency), String(RATE)], { cwd: here, env, stdio: ['ignore', 'pipe', 'inherit'] })
  const samples = []
  let buf = ''
  child.stdout.on('data', (d) => {
    buf += d
    let nl
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl)
      buf = buf.slice(nl + 1)
      try {
        samples.push(JSON.parse(line))
      } catch {}
    }
  })
  const exited = new Promise((res) => child.on('exit', res))
  return { child, samples, exited, peak: undefined }
}

async function stopWorker(w, signal = 'SIGTERM') {
  w.peak = peakRss(w.child.pid)
  if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill(signal)
  await w.exited
}

/** RSS of the middle quarter of a worker's samples against its last quarter: growth with the batch shows as a rise. */
function rssTrend(samples) {
  if (samples.length < 8) return undefined
  const q = Math.floor(samples.length / 4)
  const mean = (xs, key) => {
    const values = xs.map((s) => s[key]).filter((v) => v !== undefined)
    return values.length === 0 ? undefined : values.reduce((a, v) => a + v, 0) / values.length / 2 ** 20
  }
  const second = samples.slice(q, 2 * q)
  const last = samples.slice(3 * q)
  return { secondQuarterMb: mean(second, 'rss'), lastQuarterMb: mean(last, 'rss'), heapAfterGcSecondQuarterMb: mean(second, 'heapAfterGc'), heapAfterGcLastQuarterMb: mean(last, 'heapAfterGc') }
}

function checkManifest(dir, n) {
  const text = existsSync(join(dir, 'manifest.jsonl')) ? readFileSync(join(dir, 'manifest.jsonl'), 'utf8') : ''
  const lines = text.split('\n').filter(Boolean).map((l) => JSON.parse(l))
  const indices = new Set(lines.map((l) => l.index))
  let missingImages = 0
  for (const l of lines) for (const image of l.images) if (!existsSync(join(dir, image.file))) missingImages++
  return {
    lines: lines.length,
    uniqueItems: indices.size,
    oneLinePerItem: lines.length === n && indices.size === n,
    ok: lines.filter((l) => l.status === 'ok').length,
    failed: lines.filter((l) => l.status === 'failed').length,
    missingImages,
    flaggedMayHaveBeenCharged: lines.filter((l) => l.mayHaveBeenCharged).length,
    flaggedPrompts: new Set(lines.filter((l) => l.mayHaveBeenCharged).map((l) => l.prompt)),
    failures: [...new Set(lines.filter((l) => l.error).map((l) => l.error.code))],
    failureSamples: lines.filter((l) => l.error).slice(0, 3).map((l) => l.error.message.slice(0, 300)),
  }
}

/** Accepted submits per prompt at the emulator: a second one is a duplicate (paid twice). */
async function duplicates(emulatorUrl, prompts) {
  const res = await fetch(`${emulatorUrl}/__emulator/log?submissions=1`, { headers: { 'x-emulator-no-faults': '1' } })
  const { entries, dropped } = await res.json()
  const wanted = new Set(prompts)
  const accepted = new Map()
  let attempts = 0
  for (const e of entries) {
    if (!wanted.has(e.prompt)) continue
    attempts++
    if (e.handled && e.complete && e.status >= 200 && e.status < 300) accepted.set(e.prompt, (accepted.get(e.prompt) ?? 0) + 1)
  }
  let dup = 0
  const duplicatedPrompts = []
  for (const [prompt, c] of accepted) {
    dup += Math.max(0, c - 1)
    if (c > 1) duplicatedPrompts.push(prompt)
  }
  return { duplicateSubmissions: dup, duplicatedPrompts, acceptedPrompts: accepted.size, submitAttemptsAtEmulator: attempts, logDropped: dropped }
}

async function fleetRun(redis, workers) {
  const conn = new Redis(redis.url)
  await conn.flushall()
  await conn.quit()
  const server = await startJsonChild('batch-server.mjs', ['--rate', String(RATE), '--faults', String(FAULTS)])
  const env = { ...process.env, ...server.info.env }
  const dir = mkdtempSync(join(tmpdir(), `llmkit-bench-batch-${workers}-`))
  const batchId = `bench-${workers}`
  const prompts = Array.from({ length: N }, (_, i) => `bench batch w${workers} item ${i}`)
  await submitBatch({ connection: redis.url, prefix: 'bench', batchId, outDir: dir, requests: prompts.map((prompt) => ({ model: 'gen4_image', prompt, size: '720x720' })) })
  const concurrency = Math.ceil(TOTAL_CONCURRENCY / workers)
  const procs = Array.from({ length: workers }, () => startWorkerProcess(redis.url, concurrency, env))
  const spawnedAt = Date.now()
  let killed
  const deadline = spawnedAt + ((N / RATE) * 4 + 120) * 1000
  let status
  for (;;) {
    status = await batchStatus({ connection: redis.url, prefix: 'bench', batchId })
    if (status.state !== 'running') break
    // A smoke run's small batch can finish between two looks, so it kills at the first sign of
    // work instead; a measured run kills at 40 % of the items.
    const killAt = quick ? status.inFlight > 0 || status.done + status.failed > 0 : status.done + status.failed >= 0.4 * N
    if (workers === 4 && killed === undefined && killAt) {
      const victim = procs[0]
      victim.child.kill('SIGKILL')
      await victim.exited
      killed = { atItems: status.done + status.failed, peakRssBeforeKill: undefined, at: Date.now() - spawnedAt }
      procs.push(startWorkerProcess(redis.url, concurrency, env))
      log(`killed worker 0 at ${killed.atItems} items; started a replacement`)
    }
    if (Date.now() > deadline) throw new Error(`batch did not finish in time: ${JSON.stringify(status)}`)
    await sleep(100)
  }
  const finishedAt = Date.now()
  const live = procs.filter((p) => p.child.exitCode === null && p.child.signalCode === null)
  await Promise.all(live.map((p) => stopWorker(p)))
  const stats = await (await fetch(`${server.info.url}/__bench/stats`)).json()
  const dup = await duplicates(server.info.emulatorUrl, prompts)
  server.child.stdin.end()
  const { flaggedPrompts, ...manifest } = checkManifest(dir, N)
  if (args.keep) log(`output kept in ${dir}`)
  else rmSync(dir, { recursive: true, force: true })
  // A duplicate is acceptable only when its line says so: a worker killed in the middle of a
  // submit leaves an ambiguous outcome, resubmitted and marked mayHaveBeenCharged.
  const { duplicatedPrompts, ...dupFigures } = dup
  const unflaggedDuplicates = duplicatedPrompts.filter((p) => !flaggedPrompts.has(p)).length
  const boundS = N / RATE
  const activeS = (status.updatedAt - status.startedAt) / 1000
  const result = {
    workers,
    concurrencyPerWorker: concurrency,
    n: N,
    ratePerSecond: RATE,
    boundS,
    wallS: activeS,
    wallVsBound: activeS / boundS,
    wallFromSpawnS: (finishedAt - spawnedAt) / 1000,
    state: status.state,
    costUsd: status.costUsd,
    rateLimited429: stats.rateLimited,
    submitsForwarded: stats.submits,
    ...dupFigures,
    unflaggedDuplicates,
    manifest,
    killed,
    workersRss: live.map((p) => ({ peakMb: p.peak === undefined ? undefined : p.peak / 2 ** 20, ...rssTrend(p.samples) })),
  }
  log(JSON.stringify({ workers, wallS: result.wallS, wallVsBound: result.wallVsBound, rateLimited429: result.rateLimited429, duplicateSubmissions: dup.duplicateSubmissions, unflaggedDuplicates, oneLinePerItem: manifest.oneLinePerItem, failures: manifest.failures }))
  return result
}

async function largeRun() {
  const server = await startJsonChild('server.mjs', [])
  const dir = mkdtempSync(join(tmpdir(), 'llmkit-bench-batch-large-'))
  const out = await new Promise((res, rej) => {
    const child = spawn(process.execPath, [join(here, 'batch-large.mjs'), server.info.openaiBaseUrl, server.info.key, String(LARGE.count), String(LARGE.concurrency), dir], { cwd: here, stdio: ['ignore', 'pipe', 'inherit'] })
    let buf = ''
    child.stdout.on('data', (d) => (buf += d))
    child.on('exit', (code) => (code === 0 ? res(JSON.parse(buf.trim().split('\n').pop())) : rej(new Error(`batch-large exited ${code}`))))
  })
  server.child.stdin.end()
  const { flaggedPrompts: _, ...manifest } = checkManifest(dir, LARGE.count)
  rmSync(dir, { recursive: true, force: true })
  const at = (fraction) => out.rss[Math.min(out.rss.length - 1, Math.floor(out.rss.length * fraction))]?.rss / 2 ** 20
  const result = {
    images: LARGE.count,
    concurrency: LARGE.concurrency,
    imageMb: server.info.sizes.large.pngBytes / 2 ** 20,
    writtenMb: out.bytes / 2 ** 20,
    wallS: out.wallMs / 1000,
    peakRssMb: out.peakRss / 2 ** 20,
    rssMbAt: { '10%': at(0.1), '25%': at(0.25), '50%': at(0.5), '75%': at(0.75), '100%': at(1) },
    manifest,
  }
  log(JSON.stringify({ large: result.rssMbAt, peakRssMb: result.peakRssMb, writtenMb: result.writtenMb }))
  return result
}

function markdown(r) {
  const mb = (x) => (x === undefined ? '–' : x.toFixed(0))
  const rows = r.fleet.map(
    (f) =>
      `| ${f.workers} × ${f.concurrencyPerWorker} | ${f.wallS.toFixed(1)} s | ${f.boundS.toFixed(1)} s | **${f.wallVsBound.toFixed(3)}×** | ${f.rateLimited429} | **${f.duplicateSubmissions}** (${f.unflaggedDuplicates}) | ${f.manifest.oneLinePerItem ? 'yes' : 'NO'} (${f.manifest.ok} ok, ${f.manifest.failed} failed, ${f.manifest.missingImages} images missing) | ${f.manifest.flaggedMayHaveBeenCharged} | ${f.workersRss.map((w) => `${mb(w.peakMb)} (${mb(w.secondQuarterMb)}→${mb(w.lastQuarterMb)}; ${mb(w.heapAfterGcSecondQuarterMb)}→${mb(w.heapAfterGcLastQuarterMb)})`).join(', ')} | ${f.killed ? `worker 0 at ${f.killed.atItems} items, restarted` : '–'} |`,
  )
  const l = r.large
  const largeSection =
    l === undefined
      ? ''
      : `
## ${l.images} images of ${l.imageMb.toFixed(1)} MB, one process (\`runBatch\`), concurrency ${l.concurrency}

${l.writtenMb.toFixed(0)} MB written in ${l.wallS.toFixed(1)} s; one manifest line per item: ${l.manifest.oneLinePerItem ? 'yes' : 'NO'}.
RSS after 10 / 25 / 50 / 75 / 100 % of the images: ${Object.values(l.rssMbAt).map((x) => mb(x)).join(' / ')} MB; peak ${mb(l.peakRssMb)} MB.
Flat: each image is written when its item's response is in hand, and only the ${l.concurrency} running items are held.
`
  return `# Batch benchmark

Run ${r.date} on ${r.machine}, Node ${r.node}${r.quick ? ' (**--quick smoke run: not a measurement**)' : ''}.

## ${r.n} prompts, provider rate limit R = ${r.rate}/s, ${r.faults * 100} % faults

Runway \`gen4_image\` (720×720) on the emulator (jobs of 200 ms, polled every 200 ms) behind a proxy
that plays the provider's limit on submits: a bucket of R tokens replenished at R per second (429
with \`retry-after: 1\` when empty); seeded chaos adds
${r.faults * 100} % faults the client can tell were not billed (500, 502, 503, slow bodies) to every Runway request.
Workers are \`bench/batch-worker.mjs\` processes (built packages) sharing one redis-server: BullMQ
queue, job journal and rate limiter (R/s) on Redis, ${TOTAL_CONCURRENCY} items in flight in all.
Wall time runs from the first item started to the last item finished; the bound is N/R.
Duplicate submissions are counted at the emulator: a second accepted (handled, 2xx) submit of one prompt.
The only allowed kind is one whose manifest line is flagged \`mayHaveBeenCharged\` (a worker killed in the
middle of that submit: the outcome is unknowable, so the item is resubmitted and says so); unflagged must be 0.

| workers × concurrency | wall | N/R bound | wall / bound | 429s seen | duplicate submissions (unflagged) | one manifest line per item | lines flagged mayHaveBeenCharged | peak RSS per worker, MB (mean RSS 2nd → last quarter; heap after GC 2nd → last quarter) | crash |
|---|---|---|---|---|---|---|---|---|---|
${rows.join('\n')}
${largeSection}`
}

const redis = await startRedis()
try {
  const fleet = []
  for (const workers of WORKER_COUNTS) fleet.push(await fleetRun(redis, workers))
  const large = args['skip-large'] ? undefined : await largeRun()
  const result = { date: new Date().toISOString(), machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`, node: process.version, quick, n: N, rate: RATE, faults: FAULTS, fleet, large }
  mkdirSync(outDir, { recursive: true })
  writeFileSync(join(outDir, 'batch.json'), `${JSON.stringify(result, null, 2)}\n`)
  writeFileSync(join(outDir, 'batch.md'), markdown(result))
  log(`wrote ${join(outDir, 'batch.md')}`)
  const bad = fleet.filter((f) => f.unflaggedDuplicates > 0 || (f.killed === undefined && f.duplicateSubmissions > 0) || !f.manifest.oneLinePerItem || f.manifest.missingImages > 0)
  if (bad.length > 0 || (large !== undefined && !large.manifest.oneLinePerItem)) process.exitCode = 1
} finally {
  redis.child.kill('SIGTERM')
}
