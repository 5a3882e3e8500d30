import type { ProgressStream } from './progress.js'

/** What a command needs from the outside world; tests pass fakes, the bin passes the process. */
export interface CliContext {
  /** Results: saved paths, tables, `--json` documents. */
  readonly stdout: ProgressStream
  /** Progress, warnings, timings and errors. */
  readonly stderr: ProgressStream
  /** Environment holding API keys and base URLs. */
  readonly env: Readonly<Record<string, string | undefined>>
  /** Folder that relative paths are resolved against. */
  readonly cwd: string
  /** Where a prompt given as `-` is read from. @defaultValue process.stdin */
  readonly stdin?: NodeJS.ReadableStream | undefined
  /** Calls `handler` on each Ctrl-C until the returned function is called. */
  onInterrupt(handler: () => void): () => void
}

/** The context of the real process. */
export function processContext(): CliContext {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    stdin: process.stdin,
    onInterrupt(handler) {
      process.on('SIGINT', handler)
      return () => process.off('SIGINT', handler)
    },
  }
}
