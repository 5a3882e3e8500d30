import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { MANIFEST_FILE, type ManifestLine } from '@llmkit/batch'
import { type Logger } from 'llmkit'
import { afterEach, beforeEach, describe, expect, inject, it, vi } from 'vitest'
import { type BatchConfig, loadBatchConfig, runExampleBatch } from './batch.js'
import { main } from './index.js'

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
const emulator = inject('emulatorUrl')
const configPath = fileURLToPath(new URL('./batch.config.json', import.meta.url))
/** dall-e-3, hd, 1024x1024 in the OpenAI price table. */
const PER_IMAGE_USD = 0.08

function eventLogger(events: string[]): Logger {
  const at = (obj: Record<string, unknown>) => void events.push(String(obj['event']))
  return { debug: at, info: at, warn: at, error: at }
}

/** The example's configuration, writing to a fresh folder. */
async function config(overrides: Partial<BatchConfig> = {}): Promise<BatchConfig> {
  return { ...(await loadBatchConfig(configPath)), outDir: mkdtempSync(join(tmpdir(), 'llmkit-batch-')), ...overrides }
}

function manifest(outDir: string): ManifestLine[] {
  const lines = readFileSync(join(outDir, MANIFEST_FILE), 'utf8').trim().split('\n')
  return lines.map((line) => JSON.parse(line) as ManifestLine).sort((a, b) => a.index - b.index)
}

async function submissions(): Promise<{ path: string; prompt?: string }[]> {
  const res = await fetch(`${emulator}/__emulator/log?submissions=1`)
  return ((await res.json()) as { entries: { path: string; prompt?: string }[] }).entries.filter((e) => e.path.startsWith('/openai/v1/images'))
}

beforeEach(async () => {
  await fetch(`${emulator}/__emulator/log`, { method: 'DELETE' })
})

afterEach(async () => {
  await fetch(`${emulator}/__emulator/faults`, { method: 'DELETE' })
})

describe('batch example (runBatch from @llmkit/batch, one process, no Redis)', () => {
  it('writes one PNG and one manifest line per request, a 429 absorbed by the client from the configuration alone', async () => {
    const cfg = await config()
    // One 429 for the batch to absorb: the client retries it, the batch never sees it.
    await fetch(`${emulator}/__emulator/faults`, {
      method: 'POST',
      body: JSON.stringify({ pathPrefix: '/openai/v1/images', status: 429, headers: { 'retry-after-ms': '20' }, body: { error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } } }),
    })
    const events: string[] = []
    const progress: number[] = []
    const result = await runExampleBatch(cfg, { clientOptions: { logger: eventLogger(events) }, onItem: (_line, p) => progress.push(p.done) })

    expect(result).toMatchObject({ state: 'done', total: 3, done: 3, failed: 0, resumed: 0, badLines: [] })
    expect(result.costUsd).toBeCloseTo(3 * PER_IMAGE_USD, 6)
    expect(progress).toEqual([1, 2, 3])
    const lines = manifest(cfg.outDir)
    expect(lines.map((l) => [l.index, l.status, l.prompt, l.images.length])).toEqual([
      [0, 'ok', 'A serene mountain landscape', 1],
      [1, 'ok', 'A futuristic city at night', 1],
      [2, 'ok', 'A peaceful forest with sunlight', 1],
    ])
    for (const line of lines) expect(readFileSync(join(cfg.outDir, line.images[0]!.file)).subarray(0, 8)).toEqual(PNG_SIGNATURE)
    expect(events.filter((e) => e === 'generation.retry')).toHaveLength(1)
    // Three paid calls and the one refused with 429: nothing else reached the provider.
    expect(await submissions()).toHaveLength(4)
  })

  it('records a prompt the provider refuses as a failed manifest line without stopping the others', async () => {
    const cfg = await config()
    await fetch(`${emulator}/__emulator/faults`, {
      method: 'POST',
      body: JSON.stringify({
        pathPrefix: '/openai/v1/images',
        bodyIncludes: 'futuristic city',
        status: 400,
        body: { error: { message: 'Your request was rejected as a result of our safety system.', type: 'invalid_request_error', code: 'content_policy_violation' } },
      }),
    })
    const result = await runExampleBatch(cfg)
    expect(result).toMatchObject({ state: 'done', done: 2, failed: 1 })
    const lines = manifest(cfg.outDir)
    expect(lines[1]).toMatchObject({ status: 'failed', images: [], error: { code: 'LLMKIT_CONTENT_POLICY' } })
    expect(lines.filter((l) => l.status === 'ok')).toHaveLength(2)
  })

  it('running again with the same folder keeps the finished items and sends nothing', async () => {
    const cfg = await config()
    expect((await runExampleBatch(cfg)).done).toBe(3)
    await fetch(`${emulator}/__emulator/log`, { method: 'DELETE' })
    const again = await runExampleBatch(cfg)
    expect(again).toMatchObject({ state: 'done', done: 3, failed: 0, resumed: 3, costUsd: 0 })
    expect(await submissions()).toEqual([])
    expect(manifest(cfg.outDir)).toHaveLength(3)
  })

  it('pauses at the budget, and a run with a higher limit finishes the rest without paying twice', async () => {
    // Two images' worth and a bit: the third call is refused before it is sent.
    const cfg = await config({ budgetUsd: 2.5 * PER_IMAGE_USD })
    const paused = await runExampleBatch(cfg)
    expect(paused).toMatchObject({ state: 'paused', done: 2, failed: 0 })
    expect(paused.reason).toMatch(/^budget: /)
    expect(await submissions()).toHaveLength(2)
    expect(manifest(cfg.outDir)).toHaveLength(2)

    const resumed = await runExampleBatch({ ...cfg, budgetUsd: 1 })
    expect(resumed).toMatchObject({ state: 'done', done: 3, failed: 0, resumed: 2 })
    expect(resumed.costUsd).toBeCloseTo(PER_IMAGE_USD, 6)
    expect(await submissions()).toHaveLength(3)
    expect(manifest(cfg.outDir).map((l) => l.status)).toEqual(['ok', 'ok', 'ok'])
  })

  it('skips a line that is not a request, names it, and generates the rest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'llmkit-batch-in-'))
    const requests = join(dir, 'prompts.jsonl')
    writeFileSync(requests, ['{"model":"dall-e-3","prompt":"A boat","quality":"hd"}', '{"model":"dall-e-3"}', '{"model":"dall-e-3","prompt":"A kite","quality":"hd"}', ''].join('\n'))
    const cfg = await config({ requests })
    const result = await runExampleBatch(cfg)
    expect(result.badLines).toEqual([{ line: 2, message: expect.stringMatching(/prompt/) }])
    expect(result).toMatchObject({ state: 'done', total: 2, done: 2 })
    expect(manifest(cfg.outDir).map((l) => l.prompt)).toEqual(['A boat', 'A kite'])
  })

  it('main() runs a configuration file, prints one line per item and exits 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'llmkit-batch-main-'))
    const path = join(dir, 'batch.config.json')
    const example = JSON.parse(readFileSync(configPath, 'utf8')) as BatchConfig
    writeFileSync(path, JSON.stringify({ ...example, requests: fileURLToPath(new URL('./prompts.jsonl', import.meta.url)), outDir: join(dir, 'out') }))
    const printed: string[] = []
    const log = vi.spyOn(console, 'log').mockImplementation((line: string) => void printed.push(line))
    try {
      expect(await main(path)).toBe(0)
    } finally {
      log.mockRestore()
    }
    expect(printed.filter((line) => line.startsWith('✓ '))).toHaveLength(3)
    expect(printed.at(-1)).toMatch(/^done: 3 done, 0 failed, \$0\.24 this run; manifest in /)
    expect(manifest(join(dir, 'out'))).toHaveLength(3)
  })
})
