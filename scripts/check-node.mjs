// One plain line, before a build or a test run, when the Node.js running the repo's scripts is
// older than the floor in package.json's engines (a clone installed with `npm ci --ignore-scripts`
// has no pinned Node 24, so `npm run` falls back to the system Node). Plain JavaScript, so it
// runs on any Node.
import { readFileSync } from 'node:fs'

const floor = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).engines.node.replace(/^>=\s*/, '')
const toParts = (v) => v.replace(/^v/, '').split('.').map((p) => Number.parseInt(p, 10) || 0)
const [have, need] = [toParts(process.versions.node), toParts(floor)]
const diff = [0, 1, 2].map((i) => (have[i] ?? 0) - (need[i] ?? 0)).find((d) => d !== 0) ?? 0
if (diff < 0) {
  console.error(
    `llmkit needs Node.js ${floor} or newer; this is Node.js ${process.versions.node}. ` +
      'Run `npm ci` without --ignore-scripts (it installs the pinned Node 24 that npm run uses), or install a current Node.js.',
  )
  process.exit(1)
}
