// One batch worker process of the batch benchmark (built packages), as `llmkit batch work` runs
// it: the fleet's journal, rate limit and budget on Redis. Prints `{"rss":…,"t":…}` lines every
// 250 ms so the parent can see memory over the run.
// Usage: node batch-worker.mjs <redisUrl> <concurrency> <ratePerSecond>
import { startWorker } from '@llmkit/batch'
import { runway } from '@llmkit/provider-runway'
import { createRedisState } from '@llmkit/redis'
import { LLMKitClient } from 'llmkit'

const [url, concurrency, rate] = process.argv.slice(2)
const state = createRedisState({ url, prefix: 'bench:' })
const client = new LLMKitClient({
  // Runway's own poll interval is 5 s; the emulated jobs take 200 ms.
  providers: [runway({ pollIntervalMs: 200 })],
  jobJournal: state.jobJournal,
  rateLimit: { store: state.rateLimitStore, limits: { runway: { requests: Number(rate), intervalMs: 1000 } } },
  // The emulator serves result files from its own loopback origin, behind the bench proxy.
  downloads: { allowHosts: ['127.0.0.1'] },
})
const worker = startWorker({ connection: url, prefix: 'bench', client, jobJournal: state.jobJournal, concurrency: Number(concurrency), lockDurationMs: 3000 })
await worker.worker.waitUntilReady()
const sample = () => process.stdout.write(`${JSON.stringify({ rss: process.memoryUsage().rss, t: Date.now() })}\n`)
sample()
setInterval(sample, 250).unref()
process.on('SIGTERM', async () => {
  await worker.close()
  await state.close()
  process.exit(0)
})
