import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'

const here = dirname(fileURLToPath(import.meta.url))
const out = mkdtempSync(join(tmpdir(), 'llmkit-bench-'))

const CONTENDERS = ['floor', 'llmkit', 'llmkit-bare', 'openai-sdk', 'ai-sdk']
const LATENCY_CASES = ['small-url', 'small-b64', 'large-url', 'large-b64']

/**
 * `npm run bench -- --quick`: the whole benchmark with tiny iteration counts, on the built
 * packages, with the pinned Node (the one running vitest). It checks that every contender and
 * every figure is still produced so the benchmark never rots; it asserts no timings.
 */
function runQuickBench(): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(here, 'run.mjs'), '--quick', '--out', out], { cwd: here, stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('close', (code) => resolve({ code, stderr }))
  })
}

afterAll(() => rmSync(out, { recursive: true, force: true }))

describe('bench --quick', () => {
  it('runs every contender through every figure and writes the JSON and the table', { timeout: 180_000 }, async () => {
    const { code, stderr } = await runQuickBench()
    expect(code, stderr.slice(-3000)).toBe(0)

    const results = JSON.parse(readFileSync(join(out, 'latest.json'), 'utf8'))
    expect(results.meta.contenders).toStrictEqual(CONTENDERS)
    for (const contender of CONTENDERS) {
      const cases = contender === 'ai-sdk' ? LATENCY_CASES.filter((c) => !c.endsWith('url')) : LATENCY_CASES
      for (const key of cases) expect(results.figures.latency[contender][key]).toMatchObject({ medianMs: expect.any(Number), p99Ms: expect.any(Number) })
      for (const level of ['c1', 'c16', 'c64', 'c256']) expect(results.figures.throughput[contender][level].callsPerSec).toBeGreaterThan(0)
      expect(results.figures.memory[contender]).toMatchObject({ peakRssBytes: expect.any(Number), peakHeapBytes: expect.any(Number), payloadBytes: expect.any(Number) })
      expect(results.figures.coldImport[contender].medianMs).toBeGreaterThan(0)
    }
    expect(results.figures.pipelineOnly.llmkit.meanUs).toBeGreaterThan(0)
    // Every image the batch returned arrived whole.
    expect(results.figures.memory.llmkit.heldBytes).toBe(results.figures.memory.floor.heldBytes)
    // The cache and async figures exist, or the run says why they are missing.
    for (const figure of ['cacheHit', 'asyncDelivery']) {
      expect(results.figures[figure] !== undefined || typeof results.missing[figure] === 'string').toBe(true)
    }
    expect(results.summary.targets.length).toBeGreaterThan(0)

    const markdown = readFileSync(join(out, 'latest.md'), 'utf8')
    expect(markdown).toContain('## Targets')
    for (const contender of CONTENDERS) expect(markdown).toContain(`| ${contender} |`)
  })
})
