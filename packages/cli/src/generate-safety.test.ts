import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable, Writable } from 'node:stream'
import { startEmulator, type RunningEmulator } from '@llmkit/emulator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cliContext } from './__fixtures__/cli-context.js'
import type { CliContext } from './context.js'
import { rescueFolder } from './output-folder.js'
import { run } from './program.js'

let emulator: RunningEmulator
let cwd: string

beforeAll(async () => {
  emulator = await startEmulator({ jobTiming: { queuedMs: 50, runningMs: 100 } })
  cwd = mkdtempSync(join(tmpdir(), 'llmkit-cli-safety-'))
})
afterAll(async () => {
  await emulator?.close()
  rmSync(cwd, { recursive: true, force: true })
})

const context = (overrides: Partial<CliContext> = {}) => cliContext({ env: emulator.env, cwd }, overrides)
const submissions = () => [...emulator.requests.entries()].filter(([route]) => route.startsWith('POST ')).reduce((sum, [, n]) => sum + n, 0)
const generate = (args: string[], c = context()) => run(['node', 'llmkit', 'generate', ...args], c.ctx)

describe('llmkit generate: the output folder', () => {
  it('a bad -o exits 2 with a clear message before anything is sent', async () => {
    writeFileSync(join(cwd, 'a-file'), 'not a folder')
    expect(await generate(['A fox', '-m', 'dall-e-2', '-o', 'counted'])).toBe(0)
    const before = submissions()
    expect(before).toBeGreaterThan(0)
    const c = context()
    expect(await generate(['A fox', '-m', 'dall-e-3', '-o', 'a-file/out'], c)).toBe(2)
    expect(c.stderr()).toContain(`cannot create the output folder ${join(cwd, 'a-file/out')}`)
    expect(c.stderr()).toContain('choose another with -o. Nothing was sent to the provider.')
    expect(submissions()).toBe(before)
  })

  it('creates a missing folder, and leaves no probe file in it', async () => {
    const c = context()
    expect(await generate(['A fox', '-m', 'dall-e-2', '-o', 'new/deep'], c)).toBe(0)
    expect(readdirSync(join(cwd, 'new/deep'))).toEqual(['dall-e-2-a-fox-1.png'])
  })

  it('never loses an image the folder refuses after generation: it is saved to the rescue folder and reported', async () => {
    const out = join(cwd, 'vanishing')
    // The folder is replaced by a file while the provider works (after the check).
    let swapped = false
    const stderrText: string[] = []
    const stderr = new Writable({
      write(chunk: Buffer, _enc, done) {
        stderrText.push(chunk.toString())
        if (!swapped && chunk.toString().includes('generating')) {
          swapped = true
          rmSync(out, { recursive: true, force: true })
          writeFileSync(out, 'in the way')
        }
        done()
      },
    })
    const c = context({ stderr })
    const code = await generate(['A rescued fox', '-m', 'dall-e-2', '-o', 'vanishing'], c)
    expect(swapped).toBe(true)
    expect(code).toBe(1)
    const saved = c.stdout().trim()
    expect(saved.startsWith(rescueFolder())).toBe(true)
    expect(existsSync(saved)).toBe(true)
    expect(stderrText.join('')).toMatch(/error: image 1: could not write to vanishing \(ENOTDIR|EEXIST/)
    expect(stderrText.join('')).toContain(`saved it to ${saved} instead`)
    rmSync(saved, { force: true })
  })
})

describe('llmkit generate: prompt from standard input', () => {
  it('reads the prompt from stdin with -', async () => {
    mkdirSync(join(cwd, 'stdin'), { recursive: true })
    const c = context({ stdin: Readable.from(['A fox from a pipe\n']) })
    expect(await generate(['-', '-m', 'dall-e-2', '-o', 'stdin'], c)).toBe(0)
    expect(readdirSync(join(cwd, 'stdin'))).toEqual(['dall-e-2-a-fox-from-a-pipe-1.png'])
  })

  it('refuses an empty stdin with exit 2, before any request', async () => {
    const before = submissions()
    const c = context({ stdin: Readable.from(['\n']) })
    expect(await generate(['-', '-m', 'dall-e-2'], c)).toBe(2)
    expect(c.stderr()).toContain('the prompt on standard input (-) is empty')
    expect(submissions()).toBe(before)
  })
})

describe('llmkit generate: file names and timeout', () => {
  it("names each image with its own seed: the parts of a split request carry theirs", async () => {
    const c = context()
    // fal takes 4 images per call: 6 is two parts, seeded 7 and 8.
    expect(await generate(['A seeded fox', '-m', 'fal-ai/flux/schnell', '-n', '6', '--seed', '7', '-o', 'seeds'], c)).toBe(0)
    const names = readdirSync(join(cwd, 'seeds')).sort()
    expect(names.filter((n) => n.endsWith('-s7.png'))).toHaveLength(4)
    expect(names.filter((n) => n.endsWith('-s8.png'))).toHaveLength(2)
  })

  it('prints one progress line per job state, not one per image', async () => {
    const c = context()
    expect(await generate(['A quiet fox', '-m', 'fal-ai/flux/schnell', '-n', '3', '-o', 'quiet'], c)).toBe(0)
    const lines = c.stderr().split('\n')
    // One job makes the three images: its submit is one line, and no state line names an image.
    expect(lines.filter((l) => l.includes('submitted'))).toHaveLength(1)
    expect(lines.filter((l) => /image \d\/3 (submitted|queued|running|completed)/.test(l))).toEqual([])
    expect(lines.filter((l) => /image \d\/3 saved/.test(l))).toHaveLength(3)
  })

  it('--timeout gives up on a slow job with exit 5 and cancels it', async () => {
    emulator.setJobTiming({ queuedMs: 5_000, runningMs: 5_000 })
    try {
      const c = context()
      expect(await generate(['A slow fox', '-m', 'fal-ai/flux/schnell', '--timeout', '1'], c)).toBe(5)
      expect(c.stderr()).toMatch(/TimeoutError/)
    } finally {
      emulator.setJobTiming({ queuedMs: 50, runningMs: 100 })
    }
  })
})

describe('hints specific to the error', () => {
  it('a refused prompt says to rephrase', async () => {
    const c = context()
    expect(await generate(['emulator:content-policy', '-m', 'dall-e-3'], c)).toBe(2)
    expect(c.stderr()).toContain("hint: The provider's safety system refused the prompt or the image: rephrase the prompt")
  })

  it('an empty prompt says how to give one', async () => {
    const c = context()
    expect(await generate(['', '-m', 'dall-e-3'], c)).toBe(2)
    expect(c.stderr()).toContain('hint: Give a prompt in quotes')
  })

  it('models --provider with a typo lists the provider ids instead of a package that does not exist', async () => {
    const c = context()
    expect(await run(['node', 'llmkit', 'models', '--provider', 'opnai'], c.ctx)).toBe(2)
    expect(c.stderr()).toContain('No provider "opnai": the provider ids are openai, fal, stability, recraft, runway, replicate')
    expect(c.stderr()).not.toContain('@llmkit/provider-opnai')
  })
})
