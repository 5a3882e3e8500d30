import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type Logger } from 'llmkit'
import { afterEach, describe, expect, inject, it } from 'vitest'
import { loadBatchConfig, runBatch } from './batch.js'

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
const emulator = inject('emulatorUrl')
const configPath = fileURLToPath(new URL('./batch.config.json', import.meta.url))

function eventLogger(events: string[]): Logger {
  const at = (obj: Record<string, unknown>) => void events.push(String(obj['event']))
  return { debug: at, info: at, warn: at, error: at }
}

afterEach(async () => {
  await fetch(`${emulator}/__emulator/faults`, { method: 'DELETE' })
})

describe('batch example', () => {
  it('saves one PNG per prompt, pacing and retrying from the configuration alone', async () => {
    const config = await loadBatchConfig(configPath)
    const outDir = mkdtempSync(join(tmpdir(), 'llmkit-batch-'))
    // One 429 for the batch to absorb: the client retries it, the batch code never sees it.
    await fetch(`${emulator}/__emulator/faults`, {
      method: 'POST',
      body: JSON.stringify({ pathPrefix: '/openai/v1/images', status: 429, headers: { 'retry-after-ms': '20' }, body: { error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } } }),
    })
    const events: string[] = []
    const results = await runBatch({ ...config, outDir }, { logger: eventLogger(events) })
    expect(results.map((r) => r.error)).toEqual([undefined, undefined, undefined])
    expect(results.map((r) => r.file)).toEqual([0, 1, 2].map((i) => join(outDir, `image_${i}.png`)))
    for (const r of results) expect(readFileSync(r.file!).subarray(0, 8)).toEqual(PNG_SIGNATURE)
    expect(events.filter((e) => e === 'generation.retry')).toHaveLength(1)
  })

  it('reports a prompt that fails for good without stopping the others', async () => {
    const config = await loadBatchConfig(configPath)
    const outDir = mkdtempSync(join(tmpdir(), 'llmkit-batch-'))
    const results = await runBatch({ ...config, outDir, prompts: ['a boat', 'x'.repeat(4001)] })
    expect(results[0]?.file).toBe(join(outDir, 'image_0.png'))
    expect(results[1]?.error).toMatch(/^LLMKIT_INVALID_REQUEST/)
  })
})
