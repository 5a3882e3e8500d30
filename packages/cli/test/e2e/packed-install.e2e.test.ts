// Proves "install the core plus only the providers you need": the core and one provider are
// packed into tarballs, installed into an empty project with nothing else (the core also under
// the seed's name, as `npm i llmkit@npm:@llmkit/core` does), and the seed's quick start runs
// there unchanged against the emulator. scripts/outside-app.mjs goes further (bundling).
import { execFile } from 'node:child_process'
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { startEmulator, type RunningEmulator } from '@llmkit/emulator'
import { afterAll, beforeAll, expect, it } from 'vitest'

const exec = promisify(execFile)
const packages = fileURLToPath(new URL('../../../', import.meta.url))
// Offline: the tarballs' dependencies come from npm's cache, never the registry.
const NPM_FLAGS = ['--no-audit', '--no-fund', '--offline', '--loglevel=error']

/** The TypeScript quick start of the seed API page, as the ESM a user would save as quick-start.mjs. */
const QUICK_START = `import { LLMKitClient, ImageGenerationRequest, ImageSize } from 'llmkit'

const client = LLMKitClient.fromEnv()

// Generate an image
const request = new ImageGenerationRequest('dall-e-3', 'A serene mountain landscape')
const response = await client.generateImage(request)

console.log(\`Generated \${response.count} image(s)\`)
console.log(\`Image URL: \${response.first()?.url}\`)
`

let emulator: RunningEmulator
let project: string

beforeAll(async () => {
  for (const dir of ['core', 'provider-openai']) {
    if (!existsSync(join(packages, dir, 'dist', 'index.js'))) throw new Error(`packages/${dir}/dist is missing: build first (npm test does)`)
  }
  emulator = await startEmulator()
  project = mkdtempSync(join(tmpdir(), 'llmkit-packed-'))
})

afterAll(async () => {
  await emulator?.close()
  if (project) rmSync(project, { recursive: true, force: true })
})

it('runs the seed quick start from tarballs of the core and one provider', { timeout: 120_000 }, async () => {
  const { stdout: packed } = await exec('npm', ['pack', join(packages, 'core'), join(packages, 'provider-openai'), '--json', '--pack-destination', project, '--loglevel=error'], { cwd: project })
  const tarballs = (JSON.parse(packed) as { filename: string; files: { path: string }[] }[]).map((p) => {
    // Only the build, README, LICENSE and package.json are published.
    for (const { path } of p.files) expect(path).toMatch(/^(dist\/|README\.md$|LICENSE$|package\.json$)/)
    return join(project, p.filename)
  })
  expect(tarballs).toHaveLength(2)

  await exec('npm', ['init', '-y', '--loglevel=error'], { cwd: project })
  const core = tarballs.find((t) => /llmkit-core-[\d.]+\.tgz$/.test(t))
  // The registry install is `npm i llmkit@npm:@llmkit/core @llmkit/core @llmkit/provider-openai`;
  // offline, the alias points at the packed core.
  await exec('npm', ['install', `llmkit@file:${core}`, ...tarballs, ...NPM_FLAGS], { cwd: project, timeout: 110_000 })
  expect(lstatSync(join(project, 'node_modules', 'llmkit')).isSymbolicLink()).toBe(false)
  expect((JSON.parse(readFileSync(join(project, 'node_modules', 'llmkit', 'package.json'), 'utf8')) as { name: string }).name).toBe('@llmkit/core')
  expect(readdirSync(join(project, 'node_modules', '@llmkit'))).toEqual(['core', 'provider-openai'])

  writeFileSync(join(project, 'quick-start.mjs'), QUICK_START)
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(OPENAI|FAL|STABILITY|RECRAFT|RUNWAYML|REPLICATE)_/.test(k)))
  const { stdout } = await exec(process.execPath, ['quick-start.mjs'], {
    cwd: project,
    env: { ...clean, OPENAI_BASE_URL: emulator.env['OPENAI_BASE_URL'], OPENAI_API_KEY: emulator.env['OPENAI_API_KEY'] },
  })
  expect(stdout).toContain('Generated 1 image(s)')
  expect(stdout).toContain(`Image URL: ${emulator.url}/files/`)
})
