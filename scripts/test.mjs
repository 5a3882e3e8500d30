// Runs the whole test suite: build (nx, cached), type checks, package checks (publint), then every
// package's vitest tests in one vitest run, and prints the plain total CI reads:
// "N passed, N failed" (", N skipped" if any). A skipped or todo test fails the run.
import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const run = (cmd, args, opts = {}) => spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts })
const npx = (args, opts) => run('npx', ['--no-install', ...args], opts)

let failedSteps = 0
if (npx(['nx', 'run-many', '-t', 'build', '--outputStyle=static']).status !== 0) {
  console.error('build failed')
  process.exit(1)
}
// Sources and tests are type-checked too (the build only compiles src/ without tests).
if (npx(['nx', 'run-many', '-t', 'typecheck', '--outputStyle=static']).status !== 0) failedSteps++
if (npx(['tsc', '-p', 'test/tsconfig.json']).status !== 0) failedSteps++
if (run(process.execPath, ['scripts/publint-all.mjs']).status !== 0) failedSteps++

const outDir = join(root, '.vitest-results')
rmSync(outDir, { recursive: true, force: true })
mkdirSync(outDir, { recursive: true })
const report = join(outDir, 'report.json')
const extra = process.argv.slice(2)
const vitest = npx(['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...extra])

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
