import { packageTestConfig } from '../vitest.shared.js'

// Files run one at a time: they share one emulator, and an injected fault must reach the test that injected it.
export default packageTestConfig({ test: { include: ['**/*.test.ts'], exclude: ['**/node_modules/**'], fileParallelism: false } }, { emulator: true })
