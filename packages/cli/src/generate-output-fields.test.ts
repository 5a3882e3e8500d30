import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startEmulator, type RunningEmulator } from '@llmkit/emulator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cliContext } from './__fixtures__/cli-context.js'
import { run } from './program.js'

let emulator: RunningEmulator
let cwd: string

beforeAll(async () => {
  emulator = await startEmulator()
  cwd = mkdtempSync(join(tmpdir(), 'llmkit-cli-output-'))
})
afterAll(async () => {
  await emulator?.close()
  rmSync(cwd, { recursive: true, force: true })
})

const context = () => cliContext({ env: emulator.env, cwd })

describe('llmkit generate: --aspect-ratio, --output-format, --compression, --background', () => {
  it('sends them to the model: gpt-image-2 draws a 16:9 image with a transparent background', async () => {
    const c = context()
    const code = await run(['node', 'llmkit', 'generate', 'A fox', '-m', 'gpt-image-2', '--aspect-ratio', '16:9', '--output-format', 'png', '--background', 'transparent', '-o', 'ratio', '--json'], c.ctx)
    expect(code).toBe(0)
    const result = JSON.parse(c.stdout()) as { images: { path: string; mimeType?: string }[]; warnings: unknown[] }
    expect(result.images.map((i) => i.mimeType)).toStrictEqual(['image/png'])
    // The saved PNG's IHDR says what the emulator drew from the size llmkit sent.
    const png = readFileSync(join(cwd, result.images[0]!.path))
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toStrictEqual([1280, 720])
    expect(result.warnings).toStrictEqual([])
  })

  it('rejects a compression outside 0-100 and an unknown background as usage errors (exit 2)', async () => {
    const c = context()
    expect(await run(['node', 'llmkit', 'generate', 'A fox', '-m', 'gpt-image-1', '--compression', '101'], c.ctx)).toBe(2)
    expect(c.stderr()).toContain('--compression must be a whole number from 0 to 100')
    const d = context()
    expect(await run(['node', 'llmkit', 'generate', 'A fox', '-m', 'gpt-image-1', '--background', 'white'], d.ctx)).toBe(2)
  })
})
