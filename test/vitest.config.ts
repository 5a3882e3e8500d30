import { packageTestConfig } from '../vitest.shared.js'

/** Cross-package tests that need every provider at once. */
export default packageTestConfig({ test: { name: 'workspace', include: ['test/**/*.test.ts'] }, root: '..' } as never)
