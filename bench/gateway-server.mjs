// Child process of bench/gateway.mjs: the emulator and an llmkit gateway in front of it, in one
// process of their own, so the load generator does not share their event loop. Prints one JSON
// line ({ gatewayUrl, emulatorEnv, key }) and runs until SIGTERM.
import { startEmulator } from '@llmkit/emulator'
import { createGateway } from '@llmkit/gateway'
import { openai } from '@llmkit/provider-openai'

const KEY = 'bench-gateway-key-0123456789abcdef'
const emulator = await startEmulator({ jobTiming: { queuedMs: 50, runningMs: 100 } })
const gateway = await createGateway({
  config: { port: 0, logLevel: 'warn', metrics: true },
  env: { ...emulator.env, LLMKIT_GATEWAY_KEYS: KEY },
  // The same client settings as the direct contender: one provider, 64 calls in flight.
  client: { providers: [openai()], concurrency: { maxConcurrency: 64 } },
  logDestination: { write: (line) => process.stderr.write(line) },
})
const gatewayUrl = await gateway.listen()
gateway.app.server.keepAliveTimeout = 60_000
process.stdout.write(`${JSON.stringify({ gatewayUrl, emulatorEnv: emulator.env, key: KEY })}\n`)
process.on('SIGTERM', async () => {
  await gateway.close()
  await emulator.close()
  process.exit(0)
})
