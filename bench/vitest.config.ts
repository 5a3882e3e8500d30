import { packageTestConfig } from '../vitest.shared.js'

export default packageTestConfig({ test: { include: ['**/*.test.ts'], exclude: ['**/node_modules/**'] } }, { emulator: true })
