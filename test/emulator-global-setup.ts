import type { TestProject } from 'vitest/node'
// ProvidedContext (emulatorEnv, emulatorUrl) is declared once, in vitest.shared.ts.
import { startEmulator } from '../packages/emulator/src/index.js'

/** Starts one emulator on 127.0.0.1 (port 0) for the project's end-to-end tests. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const emulator = await startEmulator({ jobTiming: { queuedMs: 60, runningMs: 120 } })
  project.provide('emulatorEnv', { ...emulator.env })
  project.provide('emulatorUrl', emulator.url)
  return () => emulator.close()
}
