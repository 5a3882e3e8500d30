// The gateway benchmark (`npm run bench:gateway`, built packages): what `llmkit serve` adds to a
// call, and how many requests per second it answers.
//
// One child process runs the emulator and a gateway in front of it (bench/gateway-server.mjs);
// this process is the client. Figures, on dall-e-2 (sync, URL answers, nothing downloaded):
// - overhead per call: sequential calls through the gateway (undici fetch of
//   POST /v1/images/generations) against the same calls made directly with an llmkit client in
//   this process; the difference of medians is what the gateway's HTTP hop, auth, mapping and
//   its own llmkit client add;
// - requests per second at 64 concurrent clients, for the gateway and for the direct client.
// Both llmkit clients have one provider and 64 calls in flight (llmkit's default is 8, to protect
// provider tiers; that would measure the limit, not the gateway).
//
// Options: --quick (a smoke run), --out <dir> (default bench/results). Writes gateway.json and gateway.md.
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { Agent, request } from 'undici'

const here = dirname(fileURLToPath(import.meta.url))
const { values: args } = parseArgs({ options: { quick: { type: 'boolean', default: false }, out: { type: 'string' } } })
const quick = args.quick
const outDir = resolve(args.out ?? join(here, 'results'))
const PLAN = quick ? { warmup: 20, sequential: 40, concurrency: 64, durationMs: 1000 } : { warmup: 300, sequential: 1000, concurrency: 64, durationMs: 10_000 }
const log = (...a) => console.error('[bench:gateway]', ...a)

for (const pkg of ['core', 'provider-openai', 'emulator', 'gateway']) {
  if (!existsSync(join(here, '..', 'packages', pkg, 'dist', 'index.js'))) {
    console.error(`packages/${pkg}/dist is missing: run \`npm run bench:gateway\` (it builds first).`)
    process.exit(1)
  }
}

const { LLMKitClient } = await import('@llmkit/core')
const { openai } = await import('@llmkit/provider-openai')

/** Starts bench/gateway-server.mjs and resolves to what it printed. */
function startServer() {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [join(here, 'gateway-server.mjs')], { cwd: here, stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    const timer = setTimeout(() => reject(new Error('gateway-server.mjs did not start within 30 s')), 30_000)
    child.stdout.on('data', (d) => {
      out += d
      const line = out.split('\n')[0]
      if (out.includes('\n')) {
        clearTimeout(timer)
        resolvePromise({ child, info: JSON.parse(line) })
      }
    })
    child.on('exit', (code) => reject(new Error(`gateway-server.mjs exited with ${code}`)))
  })
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
const summary = (ms) => {
  const s = [...ms].sort((a, b) => a - b)
  return { n: s.length, p50: percentile(s, 50), p95: percentile(s, 95), p99: percentile(s, 99), mean: s.reduce((a, b) => a + b, 0) / s.length }
}

const { child, info } = await startServer()
try {
  const dispatcher = new Agent({ connections: 256, keepAliveTimeout: 60_000, pipelining: 1 })
  const body = (i) => JSON.stringify({ model: 'dall-e-2', prompt: `a lighthouse ${i % 16}`, size: '256x256', response_format: 'url' })
  const viaGateway = async (i) => {
    const res = await request(`${info.gatewayUrl}/v1/images/generations`, { method: 'POST', dispatcher, headers: { authorization: `Bearer ${info.key}`, 'content-type': 'application/json' }, body: body(i) })
    const json = await res.body.json()
    if (res.statusCode !== 200 || json.data?.length !== 1) throw new Error(`gateway answered ${res.statusCode}: ${JSON.stringify(json).slice(0, 300)}`)
  }
  const client = new LLMKitClient({ providers: [openai()], env: info.emulatorEnv, concurrency: { maxConcurrency: 64 } })
  const direct = async (i) => {
    const res = await client.generateImage({ model: 'dall-e-2', prompt: `a lighthouse ${i % 16}`, size: '256x256', format: 'url' })
    if (res.images.length !== 1) throw new Error('direct call returned no image')
  }

  const sequential = async (call) => {
    for (let i = 0; i < PLAN.warmup; i++) await call(i)
    const ms = []
    for (let i = 0; i < PLAN.sequential; i++) {
      const t0 = performance.now()
      await call(i)
      ms.push(performance.now() - t0)
    }
    return summary(ms)
  }
  const throughput = async (call) => {
    const end = performance.now() + PLAN.durationMs
    const ms = []
    let errors = 0
    let i = 0
    const worker = async () => {
      while (performance.now() < end) {
        const t0 = performance.now()
        try {
          await call(i++)
          ms.push(performance.now() - t0)
        } catch {
          errors++
        }
      }
    }
    const t0 = performance.now()
    await Promise.all(Array.from({ length: PLAN.concurrency }, worker))
    const seconds = (performance.now() - t0) / 1000
    return { rps: ms.length / seconds, errors, latency: summary(ms) }
  }

  log('sequential: direct llmkit')
  const directSeq = await sequential(direct)
  log('sequential: through the gateway')
  const gatewaySeq = await sequential(viaGateway)
  log(`throughput at ${PLAN.concurrency} clients: direct llmkit`)
  const directTp = await throughput(direct)
  log(`throughput at ${PLAN.concurrency} clients: through the gateway`)
  const gatewayTp = await throughput(viaGateway)

  const result = {
    date: new Date().toISOString(),
    quick,
    node: process.version,
    cpus: cpus().length,
    plan: PLAN,
    sequential: { direct: directSeq, gateway: gatewaySeq, overheadP50Ms: gatewaySeq.p50 - directSeq.p50, overheadP95Ms: gatewaySeq.p95 - directSeq.p95 },
    throughput: { direct: directTp, gateway: gatewayTp },
  }
  const f = (n) => n.toFixed(2)
  const md = `# Gateway benchmark

\`npm run bench:gateway\`${quick ? ' (--quick: a smoke run, not a measurement)' : ''}, ${result.date}, Node ${process.version}, ${result.cpus} CPUs.
The emulator and the gateway run in one child process; the client (undici for the gateway, an
llmkit client for the direct calls) runs in this one. dall-e-2, 256x256, URL answers (nothing
downloaded). Both llmkit clients: one provider, 64 calls in flight.

## Overhead per call (sequential, ${PLAN.sequential} calls after ${PLAN.warmup} warm-up)

| path | p50 ms | p95 ms | p99 ms | mean ms |
|---|---:|---:|---:|---:|
| direct llmkit call | ${f(directSeq.p50)} | ${f(directSeq.p95)} | ${f(directSeq.p99)} | ${f(directSeq.mean)} |
| through \`llmkit serve\` | ${f(gatewaySeq.p50)} | ${f(gatewaySeq.p95)} | ${f(gatewaySeq.p99)} | ${f(gatewaySeq.mean)} |
| **gateway overhead** | **${f(result.sequential.overheadP50Ms)}** | ${f(result.sequential.overheadP95Ms)} | | |

## Requests per second at ${PLAN.concurrency} concurrent clients (${PLAN.durationMs / 1000} s)

| path | req/s | errors | p50 ms | p99 ms |
|---|---:|---:|---:|---:|
| direct llmkit client | ${f(directTp.rps)} | ${directTp.errors} | ${f(directTp.latency.p50)} | ${f(directTp.latency.p99)} |
| through \`llmkit serve\` | ${f(gatewayTp.rps)} | ${gatewayTp.errors} | ${f(gatewayTp.latency.p50)} | ${f(gatewayTp.latency.p99)} |

The gateway's figure includes its HTTP server (fastify), key check, OpenAI mapping, metrics and
logging, and the llmkit client it runs for the caller; on two shared cores the emulator, the
gateway and the load generator compete for CPU, so these are upper bounds on the cost.
`
  mkdirSync(outDir, { recursive: true })
  writeFileSync(join(outDir, 'gateway.json'), `${JSON.stringify(result, null, 2)}\n`)
  writeFileSync(join(outDir, 'gateway.md'), md)
  log(`wrote ${join(outDir, 'gateway.md')}`)
  console.log(JSON.stringify(result))
  await dispatcher.close()
} finally {
  child.kill('SIGTERM')
}
