import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'

const here = dirname(fileURLToPath(import.meta.url))
const out = mkdtempSync(join(tmpdir(), 'llmkit-bench-gateway-'))

afterAll(() => rmSync(out, { recursive: true, force: true }))

/**
 * `npm run bench:gateway -- --quick` on the built packages: every figure is produced and no call
 * failed. No timing is asserted.
 */
describe('bench:gateway --quick', () => {
  it('produces the overhead and the 64-client throughput figures with no failed call', { timeout: 120_000 }, async () => {
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [join(here, 'gateway.mjs'), '--quick', '--out', out], { cwd: here, stdio: ['ignore', 'ignore', 'pipe'] })
      let text = ''
      child.stderr.on('data', (d: Buffer) => (text += d.toString()))
      child.on('close', (exit) => resolve({ code: exit, stderr: text }))
    })
    expect(code, stderr.slice(-3000)).toBe(0)
    const results = JSON.parse(readFileSync(join(out, 'gateway.json'), 'utf8'))
    expect(results.sequential.direct.n).toBe(results.plan.sequential)
    expect(results.sequential.gateway.n).toBe(results.plan.sequential)
    expect(typeof results.sequential.overheadP50Ms).toBe('number')
    for (const path of ['direct', 'gateway']) {
      expect(results.throughput[path].errors).toBe(0)
      expect(results.throughput[path].rps).toBeGreaterThan(0)
    }
    expect(readFileSync(join(out, 'gateway.md'), 'utf8')).toMatch(/gateway overhead/)
  })
})
