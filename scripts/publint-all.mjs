// Runs publint on every publishable package; any error or warning fails.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { publint } from 'publint'
import { formatMessage } from 'publint/utils'

const root = new URL('../packages/', import.meta.url).pathname
let problems = 0
for (const dir of readdirSync(root)) {
  const pkgDir = join(root, dir)
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'))
  if (pkg.private) continue
  const { messages } = await publint({ pkgDir, level: 'warning', strict: true })
  for (const message of messages) {
    problems++
    console.error(`publint ${pkg.name}: ${formatMessage(message, pkg)}`)
  }
}
console.log(problems === 0 ? 'publint: all packages clean' : `publint: ${problems} problem(s)`)
process.exit(problems === 0 ? 0 : 1)
