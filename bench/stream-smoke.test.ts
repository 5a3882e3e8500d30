import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'

const here = dirname(fileURLToPath(import.meta.url))
const out = mkdtempSync(join(tmpdir(), 'llmkit-bench-stream-'))

afterAll(() => rmSync(out, { recursive: true, force: true }))

/**
 * `npm run bench:stream -- --quick` on the built packages: every contender produces its figures,
 * and the streaming ones a first partial image. No timing is asserted.
 */
describe('bench:stream --quick', () => {
  it('produces time to first partial image and to the final image for every contender', { timeout: 120_000 }, async () => {
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [join(here, 'stream.mjs'), '--quick', '--out', out], { cwd: here, stdio: ['ignore', 'ignore', 'pipe'] })
      let text = ''
      child.stderr.on('data', (d: Buffer) => (text += d.toString()))
      child.on('close', (exit) => resolve({ code: exit, stderr: text }))
    })
    expect(code, stderr.slice(-3000)).toBe(0)
    const results = JSON.parse(readFileSync(join(out, 'stream.json'), 'utf8'))
    for (const contender of ['llmkit-stream', 'openai-sdk-stream', 'llmkit-json']) {
      expect(results.figures.streaming[contender]).toMatchObject({ finalMedianMs: expect.any(Number), finalP99Ms: expect.any(Number), calls: results.meta.runsPerRound })
    }
    for (const contender of ['llmkit-stream', 'openai-sdk-stream']) expect(results.figures.streaming[contender].firstPartialMedianMs).toEqual(expect.any(Number))
    expect(results.figures.streaming['llmkit-json'].firstPartialMedianMs).toBeUndefined()
    expect(readFileSync(join(out, 'stream.md'), 'utf8')).toContain('| llmkit-stream |')
  })
})
