import type { TestProject } from 'vitest/node'
import { startEmulator } from '../packages/emulator/src/index.js'

declare module 'vitest' {
  export interface ProvidedContext {
    /** Base-URL variables and placeholder keys of the emulator started for this project. */
    emulatorEnv: Record<string, string>
    /** Origin of that emulator. */
    emulatorUrl: string
  }
}

/** Starts one emulator on 127.0.0.1 (port 0) for the project's end-to-end tests. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const emulator = await startEmulator({ jobTiming: { queuedMs: 60, runningMs: 120 } })
  project.provide('emulatorEnv', { ...emulator.env })
  project.provide('emulatorUrl', emulator.url)
  return () => emulator.close()
}
