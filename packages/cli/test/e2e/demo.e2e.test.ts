// `npm run demo` is the README's main job: one image per seed model from all six providers on
// the emulator, then a small resumable batch. This runs its script (after the build npm test does) in a scratch folder.
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, expect, it } from 'vitest'

const exec = promisify(execFile)
const script = fileURLToPath(new URL('../../../../scripts/demo.mjs', import.meta.url))
const cwd = mkdtempSync(join(tmpdir(), 'llmkit-demo-'))

afterAll(() => rmSync(cwd, { recursive: true, force: true }))

it('prints the table and writes one image per seed model from all six providers', { timeout: 120_000 }, async () => {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(OPENAI|FAL|STABILITY|RECRAFT|RUNWAYML|RUNWAY|REPLICATE)_/.test(k)))
  const { stdout } = await exec(process.execPath, [script], { cwd, env: clean })
  const lines = stdout.split('\n')
  expect(lines[0]).toMatch(/^MODEL\s+PROVIDER\s+SIZE\s+BYTES\s+TIME\s+FILE$/)
  expect(stdout).not.toContain('note: skipped')
  for (const model of ['dall-e-3', 'dall-e-2', 'fal-ai/flux/dev', 'fal-ai/flux/schnell', 'fal-ai/stable-diffusion-3', 'stability-ai/stable-diffusion-xl', 'stability-ai/stable-diffusion-3', 'recraft-v3', 'gen4_image', 'replicate:black-forest-labs/flux-schnell']) {
    expect(lines.some((line) => line.startsWith(`${model} `))).toBe(true)
  }
  expect(stdout).toMatch(/11 image\(s\) from 6 provider\(s\) \(openai, fal, stability, recraft, runway, replicate\)/)
  const files = readdirSync(join(cwd, 'out')).filter((f) => f !== 'batch')
  expect(files).toHaveLength(11)
  expect(files.filter((f) => f.endsWith('.svg'))).toHaveLength(1)
  expect(existsSync(join(cwd, 'out', 'openai-dall-e-3.png'))).toBe(true)
  // Then the batch: every item once, and the second run over the same folder pays for nothing.
  expect(stdout).toMatch(/batch: 12 of 12 items done \(0 failed\), ~\$[0-9.]+, 12 manifest lines in out\/batch\/; run again: 12 resumed, 0 new provider submissions \(first run: 12\)/)
  expect(readFileSync(join(cwd, 'out', 'batch', 'manifest.jsonl'), 'utf8').trim().split('\n')).toHaveLength(12)
})
