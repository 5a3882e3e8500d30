#!/usr/bin/env node
import { parseArgs } from 'node:util'
import { startEmulator } from './server.js'

const { values } = parseArgs({
  options: {
    port: { type: 'string', short: 'p', default: '0' },
    'latency-ms': { type: 'string', default: '0' },
    help: { type: 'boolean', short: 'h', default: false },
  },
})
if (values.help) {
  console.log(`Usage: llmkit-emulator [--port N] [--latency-ms N]

Starts a local server on 127.0.0.1 that speaks the OpenAI, fal, Stability, Recraft, Runway and
Replicate image APIs, and prints the environment variables that point llmkit at it.`)
  process.exit(0)
}
const emulator = await startEmulator({ port: Number(values.port), latencyMs: Number(values['latency-ms']) })
console.log(`llmkit emulator listening on ${emulator.url}`)
for (const [name, value] of Object.entries(emulator.env)) console.log(`export ${name}=${value}`)
const stop = () => void emulator.close().then(() => process.exit(0))
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
