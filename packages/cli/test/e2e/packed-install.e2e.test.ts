// Proves "install the core plus only the providers you need": the core and one provider are
// packed into tarballs, installed into an empty project with nothing else, and the seed's
// quick start runs there unchanged against the emulator.
import { execFile } from 'node:child_process'
import { existsSync, lstatSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { startEmulator, type RunningEmulator } from '@llmkit/emulator'
import { afterAll, beforeAll, expect, it } from 'vitest'

const exec = promisify(execFile)
const packages = fileURLToPath(new URL('../../../', import.meta.url))
const NPM_FLAGS = ['--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error']

/** The TypeScript quick start of the seed API page, as the ESM a user would save as quick-start.mjs. */
const QUICK_START = `import { LLMKitClient, ImageGenerationRequest, ImageSize } from '@llmkit/core'

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
  await exec('npm', ['install', ...tarballs, ...NPM_FLAGS], { cwd: project, timeout: 110_000 })
  expect(lstatSync(join(project, 'node_modules', 'llmkit')).isSymbolicLink()).toBe(false)
  expect(readdirSync(join(project, 'node_modules', '@llmkit'))).toEqual(['provider-openai'])

  writeFileSync(join(project, 'quick-start.mjs'), QUICK_START)
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(OPENAI|FAL|STABILITY|RECRAFT|RUNWAYML|REPLICATE)_/.test(k)))
  const { stdout } = await exec(process.execPath, ['quick-start.mjs'], {
    cwd: project,
    env: { ...clean, OPENAI_BASE_URL: emulator.env['OPENAI_BASE_URL'], OPENAI_API_KEY: emulator.env['OPENAI_API_KEY'] },
  })
  expect(stdout).toContain('Generated 1 image(s)')
  expect(stdout).toContain(`Image URL: ${emulator.url}/files/`)
})
