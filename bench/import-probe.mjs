// Cold import of one contender's modules in a fresh process. Usage: node import-probe.mjs <contender>.
// Prints one JSON line: { importMs } (the dynamic imports only) and { readyMs } (since process start).
import { performance } from 'node:perf_hooks'
import { IMPORTS } from './contenders.mjs'

const modules = IMPORTS[process.argv[2]]
if (!modules) throw new Error(`unknown contender ${process.argv[2]}`)
const t0 = performance.now()
for (const m of modules) await import(m)
const t1 = performance.now()
process.stdout.write(`${JSON.stringify({ importMs: t1 - t0, readyMs: t1 })}\n`)
