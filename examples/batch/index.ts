import { fileURLToPath } from 'node:url'
import { loadBatchConfig, runBatch } from './batch.js'

/** Runs the batch in `batch.config.json` (or the file given as the first argument). */
export async function main(configPath = process.argv[2] ?? fileURLToPath(new URL('./batch.config.json', import.meta.url))): Promise<number> {
  const results = await runBatch(await loadBatchConfig(configPath))
  for (const r of results) console.log(r.file ? `✓ Saved: ${r.file}` : `✗ ${r.prompt}: ${r.error}`)
  return results.filter((r) => r.error).length
}

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = (await main()) > 0 ? 1 : 0
