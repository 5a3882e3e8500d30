import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url))

describe('llmkit-emulator bin (built)', () => {
  it('starts on loopback, prints the export lines, answers, and stops on SIGTERM', async () => {
    expect(existsSync(bin)).toBe(true)
    const child = spawn(process.execPath, [bin, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString()
        if (out.includes('REPLICATE_')) resolve()
      })
      child.on('exit', (code) => reject(new Error(`exited early with ${code}: ${out}`)))
    })
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1]
    expect(url).toBeDefined()
    expect(out).toContain(`export OPENAI_BASE_URL=${url}/openai/v1`)
    expect(out).toContain('export OPENAI_API_KEY=emulator-openai-key')
    const res = await fetch(`${url}/openai/v1/images/generations`, { method: 'POST', body: '{}' })
    expect(res.status).toBe(401)
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve))
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
  })
})
