// The quick start as a user outside this repo gets it: each package packed with `npm pack`,
// installed from those tarballs into a fresh app with the README's names (the seed's
// `import … from 'llmkit'` through an alias of @llmkit/core), run against the emulator, then
// bundled with esbuild and run again from a folder with no node_modules. Offline: the packages'
// third-party dependencies are packed from this repo's node_modules too, npm installs with
// `--offline` (never the registry), and every request goes to the local emulator. Needs the
// built packages: `npm run test:outside` builds them first.
import { execFile } from 'node:child_process'
import { access, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { promisify } from 'node:util'

const run = promisify(execFile)
const root = fileURLToPath(new URL('..', import.meta.url))
const PACKAGES = ['core', 'provider-openai', 'emulator']
const keep = process.argv.includes('--keep')

/** The README's quick start, unchanged (seed import name). */
const QUICK_START = `import { LLMKitClient, ImageGenerationRequest, ImageSize } from 'llmkit'

const client = LLMKitClient.fromEnv()

// Generate an image
const request = new ImageGenerationRequest('dall-e-3', 'A serene mountain landscape')
const response = await client.generateImage(request)

console.log(\`Generated \${response.count} image(s)\`)
console.log(\`Image URL: \${response.first()?.url}\`)
`

/**
 * Providers passed explicitly (what a bundled app does), the core under both names: the app's
 * 'llmkit' alias and the provider's own '@llmkit/core' are two installed copies; an error the
 * provider raises must still match the app's classes.
 */
const EXPLICIT = `import { ContentPolicyError, ImageGenerationRequest, LLMKitClient, LLMKitError } from 'llmkit'
import * as scoped from '@llmkit/core'
import openai from '@llmkit/provider-openai'

const client = new LLMKitClient({ providers: [openai()] })
const response = await client.generateImage(new ImageGenerationRequest('dall-e-3', 'A lighthouse').with_n(1))
const bytes = await response.first().bytes()
if (bytes.length < 100) throw new Error('no image bytes')
try {
  await client.generateImage(new ImageGenerationRequest('dall-e-3', 'emulator:content-policy'))
  throw new Error('content policy not raised')
} catch (e) {
  if (!(e instanceof ContentPolicyError) || !(e instanceof LLMKitError) || !(e instanceof scoped.ContentPolicyError)) throw e
}
console.log(\`explicit ok: \${bytes.length} bytes, content policy caught across copies\`)
`

/** The scoped name, the install most users should prefer. */
const SCOPED = `import { ImageGenerationRequest, LLMKitClient } from '@llmkit/core'

const client = LLMKitClient.fromEnv()
const response = await client.generateImage(new ImageGenerationRequest('gpt-image-1', 'A red fox').with_n(2))
if (response.count !== 2) throw new Error(\`expected 2 images, got \${response.count}\`)
console.log('scoped ok')
`

/** Folder a dependency resolves to from `fromDir`, walking up node_modules as Node does. */
async function resolveDir(name, fromDir) {
  for (let dir = fromDir; ; dir = join(dir, '..')) {
    const candidate = join(dir, 'node_modules', name)
    try {
      await access(join(candidate, 'package.json'))
      return candidate
    } catch {
      if (dir === join(dir, '..')) throw new Error(`${name} is not installed (needed from ${fromDir}); run npm ci`)
    }
  }
}

/** Every third-party package (folder) the given workspace packages need at run time. */
async function runtimeClosure(dirs) {
  const seen = new Map()
  const queue = [...dirs]
  while (queue.length > 0) {
    const dir = queue.shift()
    const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'))
    for (const dep of Object.keys(manifest.dependencies ?? {})) {
      if (dep.startsWith('@llmkit/')) continue
      const depDir = await resolveDir(dep, dir)
      if (seen.has(depDir)) continue
      seen.set(depDir, dep)
      queue.push(depDir)
    }
  }
  return [...seen.keys()]
}

async function step(name, fn) {
  process.stdout.write(`${name} … `)
  const out = await fn()
  console.log(out ?? 'ok')
}

async function node(file, cwd, env) {
  const { stdout } = await run(process.execPath, [file], { cwd, env: { ...process.env, ...env }, timeout: 60_000 })
  return stdout.trim().split('\n').at(-1)
}

const work = await mkdtemp(join(tmpdir(), 'llmkit-outside-'))
const tarballs = join(work, 'tarballs')
const app = join(work, 'app')
let emulator
try {
  await mkdir(tarballs)
  await mkdir(app)
  const packed = {}
  await step(`npm pack ${PACKAGES.join(', ')}`, async () => {
    for (const pkg of PACKAGES) {
      const { stdout } = await run('npm', ['pack', '--silent', '--pack-destination', tarballs], { cwd: join(root, 'packages', pkg) })
      packed[pkg] = join(tarballs, stdout.trim().split('\n').at(-1))
    }
    return (await readdir(tarballs)).join(' ')
  })
  const deps = join(work, 'deps')
  await mkdir(deps)
  await step('npm pack their dependencies from node_modules', async () => {
    const dirs = await runtimeClosure(PACKAGES.map((pkg) => join(root, 'packages', pkg)))
    for (const dir of dirs) await run('npm', ['pack', dir, '--silent', '--ignore-scripts', '--pack-destination', deps], { cwd: work })
    return `${dirs.length} packages`
  })
  await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'outside-app', private: true, type: 'module' }, null, 2))
  // `npm i llmkit@npm:@llmkit/core @llmkit/provider-openai` from the registry; here the same
  // alias points at the packed tarball, and the provider's peer @llmkit/core is the tarball too.
  await step('npm install (offline, from the tarballs)', async () => {
    await run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--loglevel=error', `llmkit@file:${packed.core}`, packed.core, packed['provider-openai'], packed.emulator, ...(await readdir(deps)).map((f) => join(deps, f))], { cwd: app, timeout: 300_000 })
  })
  await writeFile(join(app, 'quick-start.mjs'), QUICK_START)
  await writeFile(join(app, 'explicit.mjs'), EXPLICIT)
  await writeFile(join(app, 'scoped.mjs'), SCOPED)

  const { startEmulator } = await import(pathToFileURL(join(app, 'node_modules/@llmkit/emulator/dist/index.js')).href)
  emulator = await startEmulator()
  const env = emulator.env

  await step('quick start (import from llmkit, fromEnv discovery)', () => node('quick-start.mjs', app, env))
  await step('explicit providers, two copies of the core', () => node('explicit.mjs', app, env))
  await step('import from @llmkit/core', () => node('scoped.mjs', app, env))

  // Bundled apps run from a folder with no node_modules: what a serverless deploy looks like.
  const { build } = await import(pathToFileURL(join(root, 'node_modules/esbuild/lib/main.js')).href)
  const bundled = join(work, 'bundled')
  await mkdir(bundled)
  await step('esbuild bundle', async () => {
    await build({
      entryPoints: [join(app, 'explicit.mjs'), join(app, 'quick-start.mjs')],
      outdir: bundled,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node22',
      outExtension: { '.js': '.mjs' },
      // CommonJS dependencies (tsyringe) call require(); ESM output needs one.
      banner: { js: "import { createRequire as __llmkitRequire } from 'node:module'; const require = __llmkitRequire(import.meta.url);" },
      logLevel: 'error',
    })
  })
  await step('bundled app, providers passed explicitly', () => node('explicit.mjs', bundled, env))
  await step('bundled quick start (fromEnv): one message naming providers: [...]', async () => {
    try {
      await node('quick-start.mjs', bundled, env)
    } catch (e) {
      const stderr = String(e.stderr)
      if (!stderr.includes('providers: [')) throw new Error(`bundled fromEnv failed without the providers hint:\n${stderr}`)
      return 'ok (refused with the hint)'
    }
    throw new Error('bundled fromEnv found a provider that is not in the bundle')
  })
  console.log(`outside app: all steps passed${keep ? ` (kept in ${work})` : ''}`)
} catch (error) {
  console.error(`\noutside app FAILED: ${error?.stderr || error?.message || error}`)
  process.exitCode = 1
} finally {
  await emulator?.close()
  if (!keep) await rm(work, { recursive: true, force: true })
}
