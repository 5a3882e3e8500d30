import { packageTestConfig } from '../../vitest.shared.js'

// Each file starts its own emulator (with its own provider keys, so the leak checks know what to
// look for) and its own gateway.
export default packageTestConfig({ test: { fileParallelism: false, testTimeout: 60_000 } })
