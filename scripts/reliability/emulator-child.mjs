// The emulator in its own process, so its rendering and serving never share an event loop with
// the client under test (abort settle times are measured in the client's process). Options come
// as JSON in argv[2]; the first stdout line is `{ url, env }`. Faults, random faults and the
// request log are driven over the emulator's HTTP control endpoints (/__emulator/*).
import { startEmulator } from '@llmkit/emulator'

const options = JSON.parse(process.argv[2] ?? '{}')
const emulator = await startEmulator(options)
process.stdout.write(`${JSON.stringify({ url: emulator.url, env: emulator.env })}\n`)
const stop = () => emulator.close().then(() => process.exit(0))
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
// The parent closing our stdin (or dying) ends us too: no orphaned emulator.
process.stdin.resume()
process.stdin.on('end', stop)
process.stdin.on('close', stop)
