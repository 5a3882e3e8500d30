import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startEmulator, type RunningEmulator } from '@llmkit/emulator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cliContext } from './__fixtures__/cli-context.js'
import { run } from './program.js'

const KEY = 'gw-cli-test-key-0123456789abcdef'
let emulator: RunningEmulator

beforeAll(async () => {
  emulator = await startEmulator({ jobTiming: { queuedMs: 20, runningMs: 40 } })
})
afterAll(async () => {
  await emulator?.close()
})

describe('llmkit serve', () => {
  it('serves OpenAI-shaped generations with a gateway key, and stops gracefully on Ctrl-C', async () => {
    const t = cliContext({ env: { ...emulator.env, LLMKIT_GATEWAY_KEYS: KEY } })
    const exit = run(['node', 'llmkit', 'serve', '--port', '0'], t.ctx)
    await expect.poll(() => /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(t.stderr())?.[1], { timeout: 10_000 }).toBeTruthy()
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(t.stderr())![1]!
    const res = await fetch(`${url}/v1/images/generations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'dall-e-2', prompt: 'a cli gateway', response_format: 'b64_json' }),
    })
    expect(res.status).toBe(200)
    expect(((await res.json()) as { data: { b64_json: string }[] }).data[0]!.b64_json.length).toBeGreaterThan(100)
    expect((await fetch(`${url}/v1/models`)).status).toBe(401)
    t.interrupt()
    expect(await exit).toBe(0)
    // JSON log lines on stdout, with request ids, and neither key in them.
    const lines = t.stdout().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(lines.some((l) => l['msg'] === 'generation done' && typeof l['reqId'] === 'string')).toBe(true)
    expect(t.stdout()).not.toContain(KEY)
    expect(t.stdout()).not.toContain(emulator.env['OPENAI_API_KEY']!)
  })

  it('refuses an invalid config file with every problem listed and exit code 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'llmkit-serve-'))
    const file = join(dir, 'gateway.json')
    writeFileSync(file, JSON.stringify({ port: -1, keys: [{ id: 'team', sha256: 'abc' }] }))
    const t = cliContext({ env: { ...emulator.env } })
    expect(await run(['node', 'llmkit', 'serve', '--config', file], t.ctx)).toBe(2)
    expect(t.stderr()).toMatch(/Invalid gateway configuration/)
    expect(t.stderr()).toMatch(/port: /)
    expect(t.stderr()).toMatch(/keys\.0\.sha256: /)
  })

  it('refuses short LLMKIT_GATEWAY_KEYS', async () => {
    const t = cliContext({ env: { ...emulator.env, LLMKIT_GATEWAY_KEYS: 'short' } })
    expect(await run(['node', 'llmkit', 'serve', '--port', '0'], t.ctx)).toBe(2)
    expect(t.stderr()).toMatch(/shorter than 16 characters/)
  })
})
