import { spawn } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type RunningEmulator, startEmulator } from '@llmkit/emulator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { captureOutput, freshDir, readManifest, submissions, submissionsByPrompt, waitFor } from './helpers.js'

const child = fileURLToPath(new URL('./fixtures/run-child.mjs', import.meta.url))
let emulator: RunningEmulator

beforeAll(async () => {
  // Jobs run long enough that a kill lands while accepted jobs are still running.
  emulator = await startEmulator({ jobTiming: { queuedMs: 100, runningMs: 1500 } })
})
afterAll(async () => {
  await emulator.close()
})

function runChild(path: string, outDir: string) {
  const proc = spawn(process.execPath, [child, path, outDir, '4'], { env: { ...process.env, ...emulator.env }, stdio: ['ignore', 'pipe', 'pipe'] })
  const output = captureOutput(proc)
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)))
  return { proc, output, exited }
}

describe('batch run, crashed and resumed (built package, real process)', () => {
  it('SIGKILLed while its provider jobs run, the same run again resumes them: one line per item, every image, no second submission', async () => {
    const dir = freshDir('crash')
    const outDir = join(dir, 'out')
    const path = join(dir, 'prompts.jsonl')
    const prompts = Array.from({ length: 8 }, (_, i) => `crash-local ${i}`)
    writeFileSync(path, prompts.map((prompt, i) => JSON.stringify({ model: 'gen4_image', prompt, seed: i })).join('\n'))

    const first = runChild(path, outDir)
    // Four jobs accepted (answered in full) and a quiet moment for the journal to record them.
    await waitFor(() => `four accepted submissions; child said: ${first.output.text()}`, async () => {
      const subs = await submissions(emulator.url)
      return subs.length === 4 && subs.every((s) => s.complete) && Date.now() - Math.max(...subs.map((s) => s.at)) > 300
    })
    first.proc.kill('SIGKILL')
    await first.exited
    expect(readManifest(outDir)).toEqual([])

    const second = runChild(path, outDir)
    expect(await second.exited, second.output.text()).toBe(0)
    expect(second.output.text()).toMatch(/result .*"state":"done"/)

    const lines = readManifest(outDir)
    expect(lines.map((l) => l.index).toSorted((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
    for (const line of lines) {
      expect(line.status, JSON.stringify(line)).toBe('ok')
      expect(line.images).toHaveLength(1)
      expect(existsSync(join(outDir, line.images[0]!.file))).toBe(true)
    }
    const counts = await submissionsByPrompt(emulator.url)
    expect(Object.fromEntries(counts)).toEqual(Object.fromEntries(prompts.map((p) => [p, 1])))
  })
})
