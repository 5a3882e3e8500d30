import { fileURLToPath } from 'node:url'
import { defineConfig, type ViteUserConfig } from 'vitest/config'

declare module 'vitest' {
  /** What test/emulator-global-setup.ts provides to packages configured with `emulator: true`. */
  export interface ProvidedContext {
    /** Base-URL variables and placeholder keys of the emulator started for this project. */
    emulatorEnv: Record<string, string>
    /** Origin of that emulator. */
    emulatorUrl: string
  }
}

const root = fileURLToPath(new URL('.', import.meta.url))

/** Workspace packages resolve to their sources so tests never depend on a stale dist/. */
const workspaceAliases = [
  { find: /^llmkit$/, replacement: `${root}packages/core/src/index.ts` },
  { find: /^@llmkit\/core$/, replacement: `${root}packages/core/src/index.ts` },
  { find: /^@llmkit\/emulator$/, replacement: `${root}packages/emulator/src/index.ts` },
  { find: /^@llmkit\/cli$/, replacement: `${root}packages/cli/src/index.ts` },
  { find: /^@llmkit\/redis$/, replacement: `${root}packages/redis/src/index.ts` },
  { find: /^@llmkit\/batch$/, replacement: `${root}packages/batch/src/index.ts` },
  { find: /^@llmkit\/gateway$/, replacement: `${root}packages/gateway/src/index.ts` },
  { find: /^@llmkit\/provider-([a-z]+)$/, replacement: `${root}packages/provider-$1/src/index.ts` },
]

/**
 * The one vitest configuration every package extends. With `emulator: true`, one emulator is
 * started for the package's tests and its environment (base URLs, placeholder keys) is set
 * in every test file, so `LLMKitClient.fromEnv()` talks to it. tsyringe needs legacy decorators with
 * emitted metadata, and reflect-metadata loaded before any decorated class.
 */
export function packageTestConfig(overrides: ViteUserConfig = {}, options: { emulator?: boolean } = {}): ViteUserConfig {
  const emulator = options.emulator
    ? {
        globalSetup: [`${root}test/emulator-global-setup.ts`],
        setupFiles: ['reflect-metadata', `${root}test/emulator-env.ts`],
        // The files of a project share one emulator and its fault queue: one file's injected
        // 429 must not reach another file's request, so they run one after the other.
        fileParallelism: false,
      }
    : { setupFiles: ['reflect-metadata'] }
  return defineConfig({
    oxc: { decorator: { legacy: true, emitDecoratorMetadata: true } },
    resolve: { alias: workspaceAliases },
    ...overrides,
    test: {
      ...emulator,
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      testTimeout: 20_000,
      hookTimeout: 30_000,
      ...overrides.test,
    },
  } as ViteUserConfig)
}
