import { packageTestConfig } from '../../vitest.shared.js'

// Each file starts its own emulator (and Redis) with the job timing it needs; the worker
// processes the files fork are heavy, so the files run one after the other.
export default packageTestConfig({ test: { fileParallelism: false, testTimeout: 60_000 } })
