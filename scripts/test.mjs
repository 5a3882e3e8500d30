// Runs the whole test suite: build (nx, cached), type checks, package checks (publint), then every
// package's vitest tests in one vitest run, and prints the plain total CI reads:
// "N passed, N failed" (", N skipped" if any) as the last line. A skipped or todo test fails the run.
// Off a terminal (CI logs, pipes): no colour codes, and the build and check steps print one line
// each (their full output only when they fail), instead of hundreds of lines of task echo.
import { spawn, spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'

const root = new URL('..', import.meta.url).pathname
const tty = process.stdout.isTTY === true
const env = { ...process.env }
if (!tty) {
  // Colour codes are noise in a log file; every tool here honours NO_COLOR.
  delete env.FORCE_COLOR
  env.NO_COLOR = '1'
}
const seconds = (started) => `${((performance.now() - started) / 1000).toFixed(1)} s`

/** Runs a step; off a terminal its output is kept and shown only when it fails. */
function step(name, cmd, args) {
  const started = performance.now()
  if (tty) {
    const status = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env }).status
    return status === 0
  }
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (chunk) => (output += chunk))
    child.stderr.on('data', (chunk) => (output += chunk))
    child.on('close', (status) => {
      if (status === 0) console.log(`${name}: ok (${seconds(started)})`)
      else console.log(`${name}: FAILED (${seconds(started)})\n${output.trimEnd()}`)
      resolve(status === 0)
    })
  })
}

const npx = (args) => ['npx', ['--no-install', ...args]]

let failedSteps = 0
if (!(await step('build', ...npx(['nx', 'run-many', '-t', 'build', '--outputStyle=static'])))) {
  console.error('build failed')
  process.exit(1)
}
// Sources and tests are type-checked too (the build only compiles src/ without tests); the three
// checks are independent, so off a terminal they run side by side.
const checks = [
  ['typecheck', ...npx(['nx', 'run-many', '-t', 'typecheck', '--outputStyle=static'])],
  ['typecheck test/', ...npx(['tsc', '-p', 'test/tsconfig.json'])],
  ['publint', process.execPath, ['scripts/publint-all.mjs']],
]
const results = tty ? checks.map((c) => step(...c)) : await Promise.all(checks.map((c) => step(...c)))
failedSteps += results.filter((ok) => !ok).length

const outDir = join(root, '.vitest-results')
rmSync(outDir, { recursive: true, force: true })
mkdirSync(outDir, { recursive: true })
const report = join(outDir, 'report.json')
const extra = process.argv.slice(2)
const vitest = spawnSync(...npx(['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...extra]), { cwd: root, stdio: 'inherit', env })

let passed = 0
let failed = 0
let skipped = 0
try {
  const json = JSON.parse(readFileSync(report, 'utf8'))
  passed = json.numPassedTests
  failed = json.numFailedTests
  skipped = json.numPendingTests + (json.numTodoTests ?? 0)
  // A suite that fails to load has no tests to count; count it as a failure.
  failed += json.testResults.filter((r) => r.status === 'failed' && r.assertionResults.length === 0).length
} catch {
  failed += 1
}
if (vitest.status !== 0 && failed === 0) failed = 1
failed += failedSteps
const line = `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`
console.log(line)
process.exit(failed > 0 || skipped > 0 || passed === 0 ? 1 : 0)
