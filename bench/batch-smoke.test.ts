import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'

const here = dirname(fileURLToPath(import.meta.url))
const out = mkdtempSync(join(tmpdir(), 'llmkit-bench-batch-'))

afterAll(() => rmSync(out, { recursive: true, force: true }))

/**
 * `npm run bench:batch -- --quick` with the smallest fleet plan, on the built packages and a
 * real redis-server: every figure is still produced and the correctness columns hold (one
 * manifest line per item, every image on disk, no duplicate submission). No timing is asserted.
 */
describe('bench:batch --quick', () => {
  it('produces every figure, with one manifest line per item and no unflagged duplicate submission', { timeout: 240_000 }, async () => {
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [join(here, 'batch.mjs'), '--quick', '--n', '40', '--workers', '1,4', '--out', out], { cwd: here, stdio: ['ignore', 'ignore', 'pipe'] })
      let text = ''
      child.stderr.on('data', (d: Buffer) => (text += d.toString()))
      child.on('close', (exit) => resolve({ code: exit, stderr: text }))
    })
    expect(code, stderr.slice(-3000)).toBe(0)
    const results = JSON.parse(readFileSync(join(out, 'batch.json'), 'utf8'))
    expect(results.fleet.map((f: { workers: number }) => f.workers)).toEqual([1, 4])
    // Without a crash no submit is ever repeated; with one, only a submit the killed worker had in
    // flight may be (its outcome is unknowable), and then its manifest line says so.
    expect(results.fleet[0]).toMatchObject({ duplicateSubmissions: 0 })
    for (const f of results.fleet) {
      expect(f).toMatchObject({ state: 'done', unflaggedDuplicates: 0, manifest: { oneLinePerItem: true, missingImages: 0 } })
      expect(f.wallVsBound).toBeGreaterThan(0)
      for (const w of f.workersRss) expect(w.peakMb).toBeGreaterThan(0)
    }
    expect(results.fleet[1].killed).toMatchObject({ atItems: expect.any(Number) })
    expect(results.large).toMatchObject({ images: 30, manifest: { oneLinePerItem: true, missingImages: 0 } })
    expect(readFileSync(join(out, 'batch.md'), 'utf8')).toMatch(/wall \/ bound/)
  })
})
