// The built `llmkit-emulator` as a user runs it: plain messages for bad flags and a busy port
// (no stack traces), and the base paths the README documents are the ones it prints.
import { execFile } from 'node:child_process'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEmulator } from '../src/server.js'

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url))
const README = fileURLToPath(new URL('../README.md', import.meta.url))
const exec = promisify(execFile)

async function runBin(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [BIN, ...args], { timeout: 20_000 })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

let busy: Server
let busyPort: number

beforeAll(async () => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: build first (npm test does)`)
  busy = createServer()
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve))
  busyPort = (busy.address() as { port: number }).port
})

afterAll(async () => {
  await new Promise((resolve) => busy?.close(resolve))
})

describe('llmkit-emulator', () => {
  it('is executable after the build', () => {
    expect(statSync(BIN).mode & 0o111).toBe(0o111)
  })

  it.each([
    [['--prot', '3'], "Unknown option '--prot'"],
    [['--port', 'abc'], '--port must be a whole number from 0 to 65535, got "abc"'],
    [['--port', '70000'], '--port must be a whole number from 0 to 65535'],
    [['--latency-ms', '1.5'], '--latency-ms must be a whole number from 0 to 600000, got "1.5"'],
    [['extra'], "Unexpected argument 'extra'"],
  ])('refuses %j with one plain message and exit code 2', async (args, message) => {
    const r = await runBin(args)
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(`llmkit-emulator: ${message}`)
    expect(r.stderr).not.toMatch(/\n\s+at /)
  })

  it('says a busy port is in use, without a stack trace', async () => {
    const r = await runBin(['--port', String(busyPort)])
    expect(r.code).toBe(1)
    expect(r.stderr.trim()).toBe(`llmkit-emulator: port ${busyPort} on 127.0.0.1 is already in use (another emulator?); pick another with --port, or --port 0 for a free one`)
  })

  it('documents in its README the base paths it really serves', async () => {
    const emulator = await startEmulator()
    try {
      const readme = readFileSync(README, 'utf8')
      for (const [name, value] of Object.entries(emulator.env)) {
        if (!name.endsWith('_BASE_URL')) continue
        const path = new URL(value).pathname
        expect(readme, `${name} (${path})`).toContain(`\`${name}\` (\`${path}\`)`)
      }
    } finally {
      await emulator.close()
    }
  })
})
