// Prints the functions with the most self time in a V8 .cpuprofile (from --cpu-prof), grouped
// by function and file, to find where a contender's time goes. Usage:
//   node bench/profile-summary.mjs bench/results/profiles/llmkit.cpuprofile [top=25]
import { readFileSync } from 'node:fs'

const [file, topArg] = process.argv.slice(2)
const profile = JSON.parse(readFileSync(file, 'utf8'))
const byId = new Map(profile.nodes.map((n) => [n.id, n]))
const self = new Map()
const deltas = profile.timeDeltas
for (let i = 0; i < profile.samples.length; i++) {
  const node = byId.get(profile.samples[i])
  const f = node.callFrame
  const key = `${f.functionName || '(anonymous)'}  ${f.url.replace(/^file:\/\/.*?node_modules\//, '~/').replace(/^file:\/\/.*?\/packages\//, 'packages/')}:${f.lineNumber + 1}`
  self.set(key, (self.get(key) ?? 0) + (deltas[i] ?? 0))
}
const total = [...self.values()].reduce((a, b) => a + b, 0)
const top = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, Number(topArg ?? 25))
for (const [key, us] of top) console.log(`${((us / total) * 100).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(1).padStart(8)} ms  ${key}`)
