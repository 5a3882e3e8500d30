import { fileURLToPath } from 'node:url'
import { loadBatchConfig, runExampleBatch } from './batch.js'

/** Runs the batch in `batch.config.json` (or the file given as the first argument); returns the exit code. */
export async function main(configPath = process.argv[2] ?? fileURLToPath(new URL('./batch.config.json', import.meta.url))): Promise<number> {
  const result = await runExampleBatch(await loadBatchConfig(configPath), {
    onItem: (line, progress) => {
      const where = line.status === 'ok' ? line.images.map((image) => image.file).join(', ') : `${line.error?.code}: ${line.error?.message}`
      console.log(`${line.status === 'ok' ? '✓' : '✗'} [${progress.done + progress.failed}/${progress.total}] ${line.prompt}: ${where}`)
    },
  })
  for (const bad of result.badLines) console.log(`✗ line ${bad.line} skipped: ${bad.message}`)
  console.log(`${result.state}: ${result.done} done, ${result.failed} failed, $${result.costUsd} this run; manifest in ${result.outDir}${result.reason ? ` (${result.reason})` : ''}`)
  return result.state === 'done' && result.failed === 0 && result.badLines.length === 0 ? 0 : 1
}

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = await main()
