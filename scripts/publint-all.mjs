// Checks every publishable package the way a consumer sees it; any problem fails:
// - publint (package.json exports, files, types) at warning level, strict;
// - @arethetypeswrong/cli on the packed tarball (ESM-only profile: we ship no CommonJS);
// - `npm pack --dry-run`: the tarball holds only dist/, README.md, LICENSE and package.json,
//   and does hold README.md and LICENSE;
// - TypeDoc over every package's TSDoc (no output, warnings are errors): the API reference
//   `npm run docs` publishes must build cleanly.
import { execFile } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { publint } from 'publint'
import { formatMessage } from 'publint/utils'

const exec = promisify(execFile)
const repo = new URL('..', import.meta.url).pathname
const root = join(repo, 'packages')
const attwBin = join(repo, 'node_modules', '@arethetypeswrong', 'cli', 'dist', 'index.js')
const ALLOWED = /^(dist\/|README\.md$|LICENSE$|package\.json$)/

async function checkPackage(dir) {
  const pkgDir = join(root, dir)
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'))
  if (pkg.private) return []
  const problems = []
  const { messages } = await publint({ pkgDir, level: 'warning', strict: true })
  for (const message of messages) problems.push(`publint ${pkg.name}: ${formatMessage(message, pkg)}`)

  try {
    await exec(process.execPath, [attwBin, '--pack', pkgDir, '--profile', 'esm-only', '--format', 'ascii', '--no-emoji'], { cwd: repo, maxBuffer: 16 * 1024 * 1024 })
  } catch (error) {
    problems.push(`attw ${pkg.name}:\n${String(error.stdout || error.stderr || error.message).trim()}`)
  }

  const { stdout } = await exec('npm', ['pack', '--dry-run', '--json', '--loglevel=error'], { cwd: pkgDir, maxBuffer: 16 * 1024 * 1024 })
  const files = JSON.parse(stdout)[0].files.map((f) => f.path)
  for (const path of files) if (!ALLOWED.test(path)) problems.push(`pack ${pkg.name}: ships ${path} (only dist/, README.md, LICENSE, package.json may ship)`)
  for (const needed of ['README.md', 'LICENSE']) if (!files.includes(needed)) problems.push(`pack ${pkg.name}: ${needed} is missing`)
  return problems
}

const results = await Promise.all(readdirSync(root).map(checkPackage))
const problems = results.flat()

try {
  await exec(process.execPath, [join(repo, 'node_modules', 'typedoc', 'bin', 'typedoc'), '--emit', 'none', '--logLevel', 'Warn'], { cwd: repo, maxBuffer: 16 * 1024 * 1024 })
} catch (error) {
  problems.push(`typedoc (npm run docs):\n${String(`${error.stdout ?? ''}${error.stderr ?? ''}` || error.message).trim()}`)
}
for (const problem of problems) console.error(problem)
console.log(problems.length === 0 ? 'publint, attw, pack, typedoc: all packages clean' : `package checks: ${problems.length} problem(s)`)
process.exit(problems.length === 0 ? 0 : 1)
