// 200 images of about 4 MB through a one-process batch (runBatch, no Redis), written to disk:
// memory must stay flat, whatever the batch size. Prints one JSON line: RSS after each item
// (sampled), peak RSS, bytes written, wall time.
// Usage: node batch-large.mjs <openaiBaseUrl> <key> <count> <concurrency> <outDir>
import { runBatch } from '@llmkit/batch'
import { openai } from '@llmkit/provider-openai'
import { LLMKitClient, createFileJobJournal } from 'llmkit'
import { localJournalPath } from '@llmkit/batch'

const [baseUrl, key, count, concurrency, outDir] = process.argv.slice(2)
const client = new LLMKitClient({ providers: [openai()], apiKeys: { openai: key }, baseUrls: { openai: baseUrl }, concurrency: { maxConcurrency: Number(concurrency) }, jobJournal: createFileJobJournal(localJournalPath(outDir)) })
const requests = Array.from({ length: Number(count) }, (_, i) => ({ model: 'dall-e-2', prompt: `large ${i}`, size: '1024x1024' }))
const rss = []
let bytes = 0
const started = Date.now()
const result = await runBatch({
  requests,
  outDir,
  client,
  concurrency: Number(concurrency),
  onItem: (line, progress) => {
    for (const image of line.images) bytes += image.bytes
    rss.push({ item: progress.done + progress.failed, rss: process.memoryUsage().rss })
  },
})
process.stdout.write(`${JSON.stringify({ state: result.state, done: result.done, failed: result.failed, bytes, wallMs: Date.now() - started, rss, peakRss: process.resourceUsage().maxRSS * 1024 })}\n`)
