import { packageTestConfig } from '../../vitest.shared.js'

// Each test file starts its own redis-server (and, end to end, its own emulator and worker
// processes); one file at a time keeps the multi-process timings free of the other files' load.
export default packageTestConfig({ test: { fileParallelism: false } })
