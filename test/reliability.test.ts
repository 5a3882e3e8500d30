import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('..', import.meta.url))
const out = mkdtempSync(join(tmpdir(), 'llmkit-reliability-'))

/** What scripts/reliability/run.mjs writes to reliability.json (the parts asserted here). */
interface ReliabilityResults {
  meta: { mode: string }
  error?: string
  targets: { name: string; value: number | string; met: boolean }[]
  figures: {
    phases: Record<string, { calls: number; untyped: number; hung: number; examples: Record<string, string[]> }>
    fuzz: { cases: number; untyped: number; networkRequests: number }
    abort: { samples: number; maxMs?: number }
  }
}

/**
 * `npm run reliability -- --quick`: the reliability suite with a few hundred calls and fuzz cases,
 * on the built packages (npm test builds first) and the pinned Node running vitest. The emulator
 * runs in a child process of the suite; nothing leaves the machine.
 */
function runQuickSuite(): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(root, 'scripts/reliability/run.mjs'), '--quick', '--out', out], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('close', (code) => resolve({ code, stderr }))
  })
}

afterAll(() => rmSync(out, { recursive: true, force: true }))

describe('reliability --quick', () => {
  it('meets every "Done when" target of issue 11 under faults, fuzzing and a hostile server', { timeout: 180_000 }, async () => {
    const { code, stderr } = await runQuickSuite()
    const results = JSON.parse(readFileSync(join(out, 'reliability.json'), 'utf8')) as ReliabilityResults
    expect(results.error, results.error).toBeUndefined()
    expect(results.meta.mode).toBe('quick')
    // Every phase ran: the figures below are not zero because nothing was measured.
    for (const phase of ['matrix', 'lanes', 'random', 'abort', 'soak', 'hostile']) expect(results.figures.phases[phase]?.calls, phase).toBeGreaterThan(0)
    expect(results.figures.fuzz.cases).toBeGreaterThanOrEqual(300)
    expect(results.figures.abort.samples).toBeGreaterThan(0)
    const missed = results.targets.filter((t) => !t.met).map((t) => `${t.name}: ${t.value}`)
    expect(missed, readFileSync(join(out, 'reliability.md'), 'utf8').split('## Examples of misses')[1] ?? stderr.slice(-2000)).toStrictEqual([])
    expect(code).toBe(0)
  })
})
