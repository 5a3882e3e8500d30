import 'vitest'

// What the shared emulator global setup (test/emulator-global-setup.ts at the repo root) provides.
declare module 'vitest' {
  export interface ProvidedContext {
    /** Base-URL variables and placeholder keys of the emulator. */
    emulatorEnv: Record<string, string>
    /** Origin of the emulator. */
    emulatorUrl: string
  }
}
