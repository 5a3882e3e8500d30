import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startEmulator, type RunningEmulator } from '@llmkit/emulator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cliContext } from './__fixtures__/cli-context.js'
import type { CliContext } from './context.js'
import { run } from './program.js'

let emulator: RunningEmulator
let cwd: string

beforeAll(async () => {
  emulator = await startEmulator({ jobTiming: { queuedMs: 50, runningMs: 100 } })
  cwd = mkdtempSync(join(tmpdir(), 'llmkit-cli-run-'))
})
afterAll(async () => {
  await emulator?.close()
  rmSync(cwd, { recursive: true, force: true })
})

const context = (overrides: Partial<CliContext> = {}) => cliContext({ env: emulator.env, cwd }, overrides)

describe('run (in-process)', () => {
  it('generates into the output folder and returns 0', async () => {
    const c = context()
    const code = await run(['node', 'llmkit', 'generate', 'A lighthouse', '-m', 'dall-e-3', '-o', 'inproc'], c.ctx)
    expect(code).toBe(0)
    expect(readdirSync(join(cwd, 'inproc'))).toEqual(['dall-e-3-a-lighthouse-1.png'])
    expect(c.stdout()).toBe(`${join('inproc', 'dall-e-3-a-lighthouse-1.png')}\n`)
  })

  it('cancels on the first Ctrl-C and returns 130', async () => {
    emulator.faults.inject({ pathPrefix: '/openai/', hang: true })
    const c = context()
    const before = emulator.requests.get('POST /openai/v1/images/generations') ?? 0
    const pending = run(['node', 'llmkit', 'generate', 'A slow one', '-m', 'dall-e-3', '-o', 'cancelled'], c.ctx)
    // Interrupt once the request reached the provider (sent in full, never answered).
    await expect.poll(() => emulator.requests.get('POST /openai/v1/images/generations') ?? 0).toBeGreaterThan(before)
    c.interrupt()
    expect(await pending).toBe(130)
    expect(c.stderr()).toContain('Interrupted: stopping; accepted remote jobs will be asked to cancel...')
    // A sync call has no job to cancel; its request was sent in full, so it may still be billed.
    expect(c.stderr()).toContain('Interrupted: no remote job id was known, so nothing was cancelled; a request had already been sent')
    expect(c.stderr()).not.toMatch(/asked the provider to cancel/)
    emulator.faults.clear()
  })

  it('cancels the remote job of an async provider on Ctrl-C', async () => {
    const c = context()
    // The emulator's fal queue never finishes a job whose prompt holds this trigger.
    const pending = run(['node', 'llmkit', 'generate', 'A fox emulator:never', '-m', 'fal-ai/flux/schnell', '-o', 'never'], c.ctx)
    await expect.poll(() => c.stderr(), { timeout: 10_000 }).toMatch(/flux\/schnell: (queued|running)/)
    c.interrupt()
    expect(await pending).toBe(130)
    const cancels = [...emulator.requests.keys()].filter((key) => key.startsWith('PUT /fal/') && key.endsWith('/cancel'))
    expect(cancels).toHaveLength(1)
    expect(c.stderr()).toMatch(/Interrupted: asked the provider to cancel 1 remote job\(s\) \(fal [\w-]+\)/)
  })

  it('lists models without keys as missing', async () => {
    const c = context({ env: {} })
    expect(await run(['node', 'llmkit', 'models'], c.ctx)).toBe(0)
    expect(c.stdout()).toMatch(/dall-e-2\s+openai\s+10\s.*missing: OPENAI_API_KEY/)
  })
})
