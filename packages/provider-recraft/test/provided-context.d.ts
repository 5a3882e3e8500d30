import 'vitest'

// What the repo's emulator global setup (test/emulator-global-setup.ts) provides, for typecheck.
declare module 'vitest' {
  export interface ProvidedContext {
    emulatorEnv: Record<string, string>
    emulatorUrl: string
  }
}
