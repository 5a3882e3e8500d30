import { packageTestConfig } from '../../vitest.shared.js'

// Each test file starts its own emulator: fault injection must not leak between parallel files.
export default packageTestConfig({ test: { testTimeout: 60_000 } })
