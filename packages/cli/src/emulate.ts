/** A running in-process emulator: its environment and how to stop it. */
export interface EmulatorHandle {
  /** Base-URL variables and placeholder keys of every provider, pointing at the emulator. */
  readonly env: Readonly<Record<string, string>>
  /** Origin, e.g. `http://127.0.0.1:40123`. */
  readonly url: string
  /** Stops the server. */
  close(): Promise<void>
}

/**
 * Starts `@llmkit/emulator` inside this process for `--emulate`, so every command works with no
 * network and no keys. Imported lazily: normal runs should not pay for loading it.
 */
export async function startInProcessEmulator(): Promise<EmulatorHandle> {
  const { startEmulator } = await import('@llmkit/emulator')
  // Short job timings: the point of --emulate is trying things, not waiting.
  return startEmulator({ jobTiming: { queuedMs: 300, runningMs: 700 } })
}

/** The environment a command runs with: the process's, overridden by the emulator's when emulating. */
export function environmentWith(base: Readonly<Record<string, string | undefined>>, emulator: EmulatorHandle | undefined): Record<string, string | undefined> {
  return emulator === undefined ? { ...base } : { ...base, ...emulator.env }
}
