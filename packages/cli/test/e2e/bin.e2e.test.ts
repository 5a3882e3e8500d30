import { mkdtempSync, readFileSync, existsSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startEmulator, type RunningEmulator } from '@llmkit/emulator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { assertBuilt, BIN, runBin } from '../run-bin.js'

let emulator: RunningEmulator
let cwd: string
/** The process environment minus every provider variable, plus the emulator's. */
let env: Record<string, string | undefined>

const PROVIDER_VARIABLE = /^(OPENAI|FAL|STABILITY|RECRAFT|RUNWAYML|REPLICATE)_/

beforeAll(async () => {
  assertBuilt()
  emulator = await startEmulator({ jobTiming: { queuedMs: 50, runningMs: 100 } })
  cwd = mkdtempSync(join(tmpdir(), 'llmkit-cli-'))
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !PROVIDER_VARIABLE.test(k)))
  env = { ...clean, ...emulator.env }
})

afterAll(async () => {
  await emulator?.close()
  if (cwd) rmSync(cwd, { recursive: true, force: true })
})

describe('llmkit --help', () => {
  it('lists the commands and the exit codes', async () => {
    const r = await runBin(['--help'], { env })
    expect(r.code).toBe(0)
    // The prompt is optional for a variation (--operation variation), so it shows in brackets.
    expect(r.stdout).toContain('generate [options] [prompt]')
    expect(r.stdout).toContain('models [options]')
    expect(r.stdout).toContain('130  interrupted')
  })

  it.each([
    ['generate', ['--model', '--timeout', '--size', '--quality', '--style', '--aspect-ratio', '--output-format', '--compression', '--background', '--negative', '--seed', '--format', '--output', '--json', '--emulate', '-n, --n', '--image', '--mask', '--strength', '--operation']],
    ['models', ['--provider', '--json', '--emulate']],
  ])('documents every option of %s', async (command, options) => {
    const r = await runBin([command, '--help'], { env })
    expect(r.code).toBe(0)
    for (const option of options) expect(r.stdout).toContain(option)
  })

  it('is executable after the build, as npx llmkit needs in the clone', () => {
    expect(statSync(BIN).mode & 0o111).toBe(0o111)
  })

  it('prints the version', async () => {
    const r = await runBin(['--version'], { env })
    expect(r.code).toBe(0)
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/)
  })

  it('shows help and exits 2 without a command', async () => {
    const r = await runBin([], { env })
    expect(r.code).toBe(2)
    expect(r.stdout).toContain('Usage: llmkit')
  })
})

describe('llmkit generate', () => {
  it('saves a PNG with a readable name and prints its path, plain progress lines off a TTY', async () => {
    const r = await runBin(['generate', 'A serene mountain landscape', '-m', 'dall-e-2', '-n', '2', '--size', 'square512', '-o', 'out'], { env, cwd })
    expect(r.code).toBe(0)
    const paths = r.stdout.trim().split('\n')
    expect(paths).toEqual([
      join('out', 'dall-e-2-a-serene-mountain-landscape-1.png'),
      join('out', 'dall-e-2-a-serene-mountain-landscape-2.png'),
    ])
    for (const path of paths) expect(readFileSync(join(cwd, path)).subarray(1, 4).toString()).toBe('PNG')
    expect(r.stderr).toContain('dall-e-2: generating 2 image(s)...')
    expect(r.stderr).toContain('image 2/2 saved')
    expect(r.stderr).toMatch(/Generated 2 image\(s\) with dall-e-2 \(openai\) in/)
    // Plain lines, no cursor movement, when stderr is not a terminal.
    expect(r.stderr).not.toContain('\u001b[')
  })

  it('never overwrites: a second run adds a suffix', async () => {
    const args = ['generate', 'Same name twice', '-m', 'dall-e-3', '-o', 'dup']
    const first = await runBin(args, { env, cwd })
    const second = await runBin(args, { env, cwd })
    expect(first.stdout.trim()).toBe(join('dup', 'dall-e-3-same-name-twice-1.png'))
    expect(second.stdout.trim()).toBe(join('dup', 'dall-e-3-same-name-twice-1-2.png'))
  })

  it('prints one JSON document with paths, warnings and timings', async () => {
    const r = await runBin(['generate', 'A red fox', '-m', 'dall-e-3', '--seed', '7', '--format', 'b64', '-o', 'json', '--json'], { env, cwd })
    expect(r.code).toBe(0)
    const result = JSON.parse(r.stdout) as Record<string, unknown> & { images: { path: string; bytes: number; mimeType: string }[]; warnings: { setting: string }[] }
    expect(result).toMatchObject({ ok: true, model: 'dall-e-3', provider: 'openai', prompt: 'A red fox' })
    expect(result.images).toHaveLength(1)
    expect(result.images[0]).toMatchObject({ path: join('json', 'dall-e-3-a-red-fox-1.png'), mimeType: 'image/png' })
    expect(result.images[0]!.bytes).toBe(readFileSync(join(cwd, result.images[0]!.path)).byteLength)
    expect(result.warnings.map((w) => w.setting)).toContain('seed')
    expect(result).toHaveProperty('timings.totalMs')
    expect(r.stderr).toContain('warning: dall-e-3 has no seed')
  })

  it('works offline with --emulate and no keys at all', async () => {
    const bare = Object.fromEntries(Object.entries(env).filter(([k]) => !PROVIDER_VARIABLE.test(k)))
    const r = await runBin(['generate', 'A cat', '-m', 'dall-e-3', '--emulate', '-o', 'emulate'], { env: bare, cwd })
    expect(r.code).toBe(0)
    expect(existsSync(join(cwd, r.stdout.trim()))).toBe(true)
  })

  it.each([
    ['an unknown option', ['generate', 'x', '-m', 'dall-e-3', '--bogus'], 2, /unknown option '--bogus'/],
    ['a missing model', ['generate', 'x'], 2, /required option '-m, --model <id>'/],
    ['a bad size', ['generate', 'x', '-m', 'dall-e-3', '--size', 'huge'], 2, /--size must be WxH/],
    ['n out of range', ['generate', 'x', '-m', 'dall-e-2', '-n', '11'], 2, /--n must be a whole number from 1 to 10/],
    ['a bad quality', ['generate', 'x', '-m', 'dall-e-3', '--quality', 'ultra'], 2, /Allowed choices are standard, hd/],
    ['an unknown model', ['generate', 'x', '-m', 'no-such-model'], 2, /ModelNotFoundError/],
    ['a rejected prompt', ['generate', 'emulator:content-policy', '-m', 'dall-e-3'], 2, /ContentPolicyError/],
    ['an exhausted quota', ['generate', 'emulator:quota', '-m', 'dall-e-3'], 4, /quota/],
  ])('exits with the documented code for %s', async (_name, args, code, message) => {
    const r = await runBin(args, { env, cwd })
    expect(r.code).toBe(code)
    expect(r.stderr).toMatch(message)
    expect(r.stdout).toBe('')
  })

  it('exits 3 and names the variable when the key is missing', async () => {
    const r = await runBin(['generate', 'x', '-m', 'dall-e-3'], { env: { ...env, OPENAI_API_KEY: undefined }, cwd })
    expect(r.code).toBe(3)
    expect(r.stderr).toContain('OPENAI_API_KEY')
    expect(r.stderr).toContain('--emulate')
  })

  it('exits 3 on a rejected key', async () => {
    const r = await runBin(['generate', 'x', '-m', 'dall-e-3'], { env: { ...env, OPENAI_API_KEY: 'wrong-key' }, cwd })
    expect(r.code).toBe(3)
    expect(r.stderr).toMatch(/AuthenticationError/)
    expect(r.stderr).not.toContain('wrong-key')
  })

  it('exits 5 on a provider failure, with a JSON error under --json', async () => {
    emulator.faults.inject({ pathPrefix: '/openai/', status: 500, headers: { 'x-should-retry': 'false' }, body: { error: { message: 'The server had an error', type: 'server_error' } }, count: 5 })
    const r = await runBin(['generate', 'x', '-m', 'dall-e-3', '--json'], { env, cwd })
    emulator.faults.clear()
    expect(r.code).toBe(5)
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, exitCode: 5, error: { code: 'LLMKIT_PROVIDER', provider: 'openai' } })
  })

  it('exits 130 on Ctrl-C and says the remote work was cancelled', async () => {
    emulator.faults.inject({ pathPrefix: '/openai/', hang: true })
    const r = await runBin(['generate', 'A slow one', '-m', 'dall-e-3'], {
      env,
      cwd,
      onSpawn(child, output) {
        const timer = setInterval(() => {
          if (!output.stderr().includes('generating')) return
          clearInterval(timer)
          child.kill('SIGINT')
        }, 20)
      },
    })
    emulator.faults.clear()
    expect(r.code).toBe(130)
    expect(r.stderr).toContain('Interrupted')
  })
})

describe('llmkit models', () => {
  it('prints the capability table with key status', async () => {
    const r = await runBin(['models'], { env: { ...env, OPENAI_API_KEY: undefined } })
    expect(r.code).toBe(0)
    const [header, , ...rows] = r.stdout.trim().split('\n')
    expect(header).toMatch(/^MODEL\s+PROVIDER\s+MAX N\s+SIZES\s+NEGATIVE\s+SEED\s+FORMATS\s+CHOOSABLE\s+IMAGES\s+MODE\s+PRICE\/IMAGE\s+KEY$/)
    expect(rows.find((row) => row.startsWith('dall-e-3 '))).toMatch(/openai\s+1\s+1024x1024, 1792x1024, 1024x1792\s+no\s+no\s+url b64 \(png\)\s+-\s+-\s+sync\s+\$0\.04-\$0\.12\s+missing: OPENAI_API_KEY$/)
    expect(rows.find((row) => row.startsWith('gpt-image-1 '))).toMatch(/b64 \(png\/jpeg\/webp\)\s+format compression background\s+edit 1-16 \+mask\?\s+sync/)
  })

  it('filters by provider and prints JSON', async () => {
    const r = await runBin(['models', '--provider', 'openai', '--json'], { env })
    expect(r.code).toBe(0)
    const listings = JSON.parse(r.stdout) as { provider: string; configured: boolean; capabilities: { id: string } }[]
    expect(listings.length).toBeGreaterThan(1)
    expect(listings.every((l) => l.provider === 'openai' && l.configured)).toBe(true)
    expect(listings.map((l) => l.capabilities.id)).toContain('dall-e-2')
  })

  it('exits 2 for a provider that is not installed', async () => {
    const r = await runBin(['models', '--provider', 'nope'], { env })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('No provider "nope": the provider ids are openai, fal, stability, recraft, runway, replicate')
  })
})
