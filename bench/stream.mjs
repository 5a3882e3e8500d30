// GPT image streaming: time to the first partial image against time to the final image, on the
// emulator, llmkit against the official openai SDK (both streaming) and llmkit without streaming.
// Run it with `npm run bench:stream` (builds first); `npm run bench` runs it after the main bench.
//
// Options:
//   --quick        few calls: checks that every figure can be produced, not how fast it is
//   --out <dir>    where stream.json / stream.md go (default bench/results)
//
// Internal modes (one fresh process each, so no contender's JIT state or sockets colour another's):
//   --serve <ms>                                the emulator, rendering each image in <ms>
//   --measure <contender> --url <u> --runs <n>  one contender's calls
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { performance } from 'node:perf_hooks'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { summarize } from './stats.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const root = resolve(here, '..')
const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    out: { type: 'string' },
    serve: { type: 'string' },
    measure: { type: 'string' },
    url: { type: 'string' },
    runs: { type: 'string' },
  },
  allowPositionals: true,
})

/** The emulated render time of one image: the final image arrives this long after the request. */
const RENDER_MS = 1500
/** Previews asked for: the emulator sends them at 1/3 and 2/3 of the render time. */
const PARTIAL_IMAGES = 2
const KEY = 'emulator-openai-key'
const PROMPT = 'bench streamed lighthouse'

/** What a user compares: previews with llmkit, previews with the openai SDK, and no previews. */
const CONTENDERS = ['llmkit-stream', 'openai-sdk-stream', 'llmkit-json']
const LABELS = {
  'llmkit-stream': `llmkit, provider_options.partial_images: ${PARTIAL_IMAGES} with onProgress`,
  'openai-sdk-stream': `openai SDK images.generate({ stream: true, partial_images: ${PARTIAL_IMAGES} })`,
  'llmkit-json': 'llmkit, no partial_images (one JSON answer)',
}

/** The emulator in its own process: its rendering never takes CPU from a client. */
async function serve(latencyMs) {
  const { startEmulator } = await import('@llmkit/emulator')
  const emulator = await startEmulator({ latencyMs, keys: { openai: KEY } })
  process.stdout.write(`${JSON.stringify({ url: emulator.url })}\n`)
  process.stdin.resume()
  process.stdin.on('end', () => emulator.close().then(() => process.exit(0)))
}

/** One contender: `runs` sequential calls after one warm-up, each timed from the call to its first preview and to its final image. */
async function measure(contender, url, runs) {
  const base = `${url}/openai/v1`
  const call = await contenderCall(contender, base)
  await call()
  const first = []
  const final = []
  for (let i = 0; i < runs; i++) {
    const t = await call()
    if (t.firstPartialMs !== undefined) first.push(t.firstPartialMs)
    final.push(t.finalMs)
  }
  process.stdout.write(`${JSON.stringify({ contender, firstPartial: first.length > 0 ? summarize(first) : undefined, final: summarize(final) })}\n`)
}

/** A function making one call and returning its timings. */
async function contenderCall(contender, base) {
  const request = { model: 'gpt-image-1', prompt: PROMPT, size: '1024x1024', format: 'b64_json' }
  if (contender === 'openai-sdk-stream') {
    const { default: OpenAI } = await import('openai')
    const client = new OpenAI({ apiKey: KEY, baseURL: base })
    return async () => {
      const start = performance.now()
      let firstPartialMs
      let image
      const stream = await client.images.generate({ model: 'gpt-image-1', prompt: PROMPT, size: '1024x1024', stream: true, partial_images: PARTIAL_IMAGES })
      for await (const event of stream) {
        if (event.type === 'image_generation.partial_image') firstPartialMs ??= performance.now() - start
        else if (event.type === 'image_generation.completed') image = event.b64_json
      }
      if (typeof image !== 'string') throw new Error('openai SDK: no completed image')
      return { firstPartialMs, finalMs: performance.now() - start }
    }
  }
  const { LLMKitClient } = await import('@llmkit/core')
  const { openai } = await import('@llmkit/provider-openai')
  const client = new LLMKitClient({ providers: [openai()], apiKeys: { openai: KEY }, baseUrls: { openai: base } })
  const streaming = contender === 'llmkit-stream'
  return async () => {
    const start = performance.now()
    let firstPartialMs
    const response = await client.generateImage(
      streaming ? { ...request, provider_options: { partial_images: PARTIAL_IMAGES } } : request,
      streaming ? { onProgress: (event) => event.type === 'partial_image' && (firstPartialMs ??= performance.now() - start) } : {},
    )
    if (typeof response.first()?.b64_json !== 'string') throw new Error(`${contender}: no image`)
    if (streaming && firstPartialMs === undefined) throw new Error(`${contender}: no partial image before the final one`)
    return { firstPartialMs, finalMs: performance.now() - start }
  }
}

/** Runs `node bench/stream.mjs <args>` and resolves to the JSON it printed last. */
function runSelf(selfArgs, timeoutMs = 300_000) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), ...selfArgs], { cwd: here, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (err += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('close', (code) => {
      clearTimeout(timer)
      const last = out.trim().split('\n').pop()
      if (code !== 0 || !last) return reject(new Error(`stream.mjs ${selfArgs.join(' ')} exited ${code}: ${err.slice(-2000)}`))
      resolvePromise(JSON.parse(last))
    })
  })
}

function startEmulatorProcess() {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--serve', String(RENDER_MS)], { cwd: here, stdio: ['pipe', 'pipe', 'inherit'] })
    let buf = ''
    child.stdout.on('data', (d) => {
      buf += d
      const nl = buf.indexOf('\n')
      if (nl >= 0) resolvePromise({ child, url: JSON.parse(buf.slice(0, nl)).url })
    })
    child.on('exit', (code) => reject(new Error(`emulator process exited ${code}`)))
  })
}

const fmt = (ms) => (ms === undefined || Number.isNaN(ms) ? '–' : `${ms.toFixed(1)}`)

async function main() {
  for (const pkg of ['core', 'provider-openai', 'emulator']) {
    if (!existsSync(join(root, 'packages', pkg, 'dist', 'index.js'))) {
      console.error(`packages/${pkg}/dist is missing: the bench runs on built packages. Run \`npm run bench:stream\` (it builds first).`)
      process.exit(1)
    }
  }
  const quick = args.quick
  const runs = quick ? 2 : 15
  const rounds = quick ? 1 : 3
  const outDir = resolve(args.out ?? join(here, 'results'))
  const log = (...a) => console.error('[bench:stream]', ...a)
  const { child, url } = await startEmulatorProcess()
  const results = {}
  try {
    // Rounds with the order rotated, so load elsewhere on the machine hits every contender alike.
    const pooled = Object.fromEntries(CONTENDERS.map((c) => [c, []]))
    for (let round = 0; round < rounds; round++) {
      const order = CONTENDERS.map((_, i) => CONTENDERS[(i + round) % CONTENDERS.length])
      for (const contender of order) {
        log(`round ${round + 1}/${rounds}: ${contender}`)
        pooled[contender].push(await runSelf(['--measure', contender, '--url', url, '--runs', String(runs)]))
      }
    }
    for (const contender of CONTENDERS) {
      const medianOf = (key, stat) => {
        const values = pooled[contender].map((r) => r[key]?.[stat]).filter((v) => v !== undefined)
        return values.length === 0 ? undefined : values.sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)]
      }
      results[contender] = {
        label: LABELS[contender],
        firstPartialMedianMs: medianOf('firstPartial', 'medianMs'),
        firstPartialP99Ms: medianOf('firstPartial', 'p99Ms'),
        finalMedianMs: medianOf('final', 'medianMs'),
        finalP99Ms: medianOf('final', 'p99Ms'),
        calls: pooled[contender].reduce((n, r) => n + r.final.n, 0),
      }
    }
  } finally {
    child.stdin.end()
  }

  const firstScheduledMs = RENDER_MS / (PARTIAL_IMAGES + 1)
  const json = {
    meta: { date: new Date().toISOString(), node: process.version, cpus: cpus().length, quick, renderMs: RENDER_MS, partialImages: PARTIAL_IMAGES, firstPartialScheduledMs: firstScheduledMs, runsPerRound: runs, rounds },
    figures: { streaming: results },
  }
  const rows = CONTENDERS.map((c) => {
    const r = results[c]
    return `| ${c} | ${r.label} | ${fmt(r.firstPartialMedianMs)} | ${fmt(r.firstPartialP99Ms)} | ${fmt(r.finalMedianMs)} | ${fmt(r.finalP99Ms)} | ${r.calls} |`
  })
  const stream = results['llmkit-stream']
  const md = [
    '# GPT image streaming: time to the first partial image',
    '',
    `Generated by \`npm run bench:stream\` on ${json.meta.date} (Node ${process.version}, ${json.meta.cpus} CPUs${quick ? ', **--quick: smoke numbers, not a measurement**' : ''}).`,
    '',
    `The emulator renders a 1024x1024 \`gpt-image-1\` image in ${RENDER_MS} ms and, asked for ${PARTIAL_IMAGES} partial images, sends them at ${fmt(firstScheduledMs)} ms and ${fmt(2 * firstScheduledMs)} ms`,
    `and the final image at ${RENDER_MS} ms (server-sent events, OpenAI's format). Each contender runs in a fresh process: one warm-up call, then ${runs} sequential calls,`,
    `${rounds} round(s) with the order rotated; medians of the rounds' medians and p99s. Times are from the call to the first \`partial_image\``,
    'progress event (llmkit) or `image_generation.partial_image` event (openai SDK), and to the final image in hand.',
    '',
    '| contender | what | first partial median ms | first partial p99 ms | final image median ms | final image p99 ms | calls |',
    '|---|---|---|---|---|---|---|',
    ...rows,
    '',
    stream.firstPartialMedianMs === undefined
      ? ''
      : `With streaming, a preview is in hand ${fmt(stream.finalMedianMs - stream.firstPartialMedianMs)} ms before the final image (median); the first preview arrives ${fmt(stream.firstPartialMedianMs - firstScheduledMs)} ms after its time in the emulator's schedule (the emulator's timer, the transfer of a 1024x1024 PNG as base64, parsing, the listener).`,
    '',
  ].join('\n')
  mkdirSync(outDir, { recursive: true })
  writeFileSync(join(outDir, 'stream.json'), `${JSON.stringify(json, null, 2)}\n`)
  writeFileSync(join(outDir, 'stream.md'), md)
  log(`wrote ${join(outDir, 'stream.md')}`)
}

if (args.serve !== undefined) await serve(Number(args.serve))
else if (args.measure !== undefined) await measure(args.measure, args.url, Number(args.runs))
else await main()
