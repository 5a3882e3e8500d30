import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'

const here = dirname(fileURLToPath(import.meta.url))
const out = mkdtempSync(join(tmpdir(), 'llmkit-bench-latency-'))

afterAll(() => rmSync(out, { recursive: true, force: true }))

/**
 * `node bench/latency.mjs --quick --only fal` on the built packages: every fal contender (llmkit
 * with and without the status stream, @fal-ai/client polling and streaming, the floor) produces
 * its figure. No timing is asserted. (Runway's SDK waits 6 s per call, so it is left to the full run.)
 */
describe('bench:latency --quick', () => {
  it('produces completion-to-image figures for every fal contender', { timeout: 120_000 }, async () => {
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [join(here, 'latency.mjs'), '--quick', '--only', 'fal', '--out', out], { cwd: here, stdio: ['ignore', 'ignore', 'pipe'] })
      let text = ''
      child.stderr.on('data', (d: Buffer) => (text += d.toString()))
      child.on('close', (exit) => resolve({ code: exit, stderr: text }))
    })
    expect(code, stderr.slice(-3000)).toBe(0)
    const results = JSON.parse(readFileSync(join(out, 'latency.json'), 'utf8')) as { figures: { fal: Record<string, { medianMs: number; p99Ms: number; n: number }> } }
    expect(Object.keys(results.figures.fal)).toHaveLength(5)
    for (const figure of Object.values(results.figures.fal)) expect(figure).toMatchObject({ medianMs: expect.any(Number), p99Ms: expect.any(Number), n: 2 })
    expect(readFileSync(join(out, 'latency.md'), 'utf8')).toContain('| llmkit (status stream) |')
  })
})
