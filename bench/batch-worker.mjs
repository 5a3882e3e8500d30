// One batch worker process of the batch benchmark (built packages), as `llmkit batch work` runs
// it: the fleet's journal and rate limit on Redis (startFleetWorker). Prints `{"rss":…,"t":…}`
// lines every 250 ms so the parent can see memory over the run (run it with --expose-gc to get
// the heap after a full GC every 2 s too).
// Usage: node batch-worker.mjs <redisUrl> <concurrency> <ratePerSecond>
import { startFleetWorker } from '@llmkit/batch'
import { runway } from '@llmkit/provider-runway'

const [url, concurrency, rate] = process.argv.slice(2)
const worker = startFleetWorker({
  url,
  statePrefix: 'bench:',
  prefix: 'bench',
  concurrency: Number(concurrency),
  // A killed worker's items are taken over after 3 s instead of 30.
  lockDurationMs: 3000,
  // Runway's own poll interval is 5 s; the emulated jobs take 200 ms.
  providers: [runway({ pollIntervalMs: 200 })],
  clientOptions: {
    env: process.env,
    // The provider's limit, shared by the fleet through Redis.
    rateLimit: { limits: { runway: { requests: Number(rate), intervalMs: 1000 } } },
    // The emulator serves result files from its own loopback origin, behind the bench proxy.
    downloads: { allowHosts: ['127.0.0.1'] },
  },
})
await worker.worker.waitUntilReady()
// Every 2 s, with --expose-gc, also the heap left after a full GC: what the worker really keeps
// (RSS also holds freed memory the allocator has not returned).
let ticks = 0
const sample = () => {
  const gc = ticks++ % 8 === 0 ? globalThis.gc : undefined
  gc?.()
  const m = process.memoryUsage()
  process.stdout.write(`${JSON.stringify({ rss: m.rss, t: Date.now(), ...(gc ? { heapAfterGc: m.heapUsed } : {}) })}\n`)
}
sample()
setInterval(sample, 250).unref()
process.on('SIGTERM', async () => {
  await worker.close()
  process.exit(0)
})
