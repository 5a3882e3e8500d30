import { defineConfig } from 'vitest/config'

/** One vitest run over every package, each with its own config (packages/<name>/vitest.config.ts). */
export default defineConfig({
  test: {
    projects: ['packages/*/vitest.config.ts', 'examples/vitest.config.ts', 'bench/vitest.config.ts', 'test/vitest.config.ts'],
  },
})
