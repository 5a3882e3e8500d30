#!/usr/bin/env node
import { parseArgs } from 'node:util'
import { startEmulator } from './server.js'

const USAGE = `Usage: llmkit-emulator [--port N] [--latency-ms N]

Starts a local server on 127.0.0.1 that speaks the OpenAI, fal, Stability, Recraft, Runway and
Replicate image APIs, and prints the environment variables that point llmkit at it.

  -p, --port N        port to listen on, 0-65535 (default 0: a free port)
      --latency-ms N  extra latency of synchronous answers, 0-600000 (default 0)
  -h, --help          this text`

/** A plain message and exit code 2 (bad command line), never a stack trace. */
function usageError(message: string): never {
  console.error(`llmkit-emulator: ${message}\n(run llmkit-emulator --help for usage)`)
  process.exit(2)
}

function wholeNumber(flag: string, value: string, max: number): number {
  const n = Number(value)
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n > max) usageError(`${flag} must be a whole number from 0 to ${max}, got ${JSON.stringify(value)}`)
  return n
}

let values: { port: string; 'latency-ms': string; help: boolean }
try {
  ;({ values } = parseArgs({
    options: {
      port: { type: 'string', short: 'p', default: '0' },
      'latency-ms': { type: 'string', default: '0' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  }))
} catch (error) {
  // parseArgs' messages name the flag ("Unknown option '--prot'"); its stack says nothing more.
  usageError((error as Error).message)
}
if (values.help) {
  console.log(USAGE)
  process.exit(0)
}
const port = wholeNumber('--port', values.port, 65_535)
const latencyMs = wholeNumber('--latency-ms', values['latency-ms'], 600_000)

let emulator: Awaited<ReturnType<typeof startEmulator>>
try {
  emulator = await startEmulator({ port, latencyMs })
} catch (error) {
  const code = (error as NodeJS.ErrnoException).code
  const reason =
    code === 'EADDRINUSE'
      ? `port ${port} on 127.0.0.1 is already in use (another emulator?); pick another with --port, or --port 0 for a free one`
      : code === 'EACCES'
        ? `no permission to listen on port ${port} (ports below 1024 need privileges); pick another with --port`
        : `could not start: ${(error as Error).message}`
  console.error(`llmkit-emulator: ${reason}`)
  process.exit(1)
}
console.log(`llmkit emulator listening on ${emulator.url}`)
for (const [name, value] of Object.entries(emulator.env)) console.log(`export ${name}=${value}`)
const stop = () => void emulator.close().then(() => process.exit(0))
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
