import { tmpdir } from 'node:os'
import { Writable } from 'node:stream'
import type { CliContext } from '../context.js'

/** A writable stream that keeps what is written, for stdout and stderr in tests. */
export function capture(isTTY = false): { stream: Writable & { isTTY: boolean }; text: () => string } {
  let text = ''
  const stream = Object.assign(
    new Writable({
      write(chunk: Buffer, _enc, done) {
        text += chunk.toString()
        done()
      },
    }),
    { isTTY },
  )
  return { stream, text: () => text }
}

/** What {@link cliContext} returns: the context and what the command wrote. */
export interface TestCliContext {
  ctx: CliContext
  stdout: () => string
  stderr: () => string
  /** Plays a Ctrl-C on the handler the command registered, if any. */
  interrupt: () => void
  /** Whether the command has a Ctrl-C handler registered now. */
  interruptible: () => boolean
}

/** An in-process CLI context with captured output, for `run(argv, ctx)`. */
export function cliContext(options: { env?: Record<string, string | undefined>; cwd?: string } = {}, overrides: Partial<CliContext> = {}): TestCliContext {
  const stdout = capture()
  const stderr = capture()
  let interrupt: (() => void) | undefined
  const ctx: CliContext = {
    stdout: stdout.stream,
    stderr: stderr.stream,
    env: { ...options.env },
    cwd: options.cwd ?? tmpdir(),
    onInterrupt(handler) {
      interrupt = handler
      return () => (interrupt = undefined)
    },
    ...overrides,
  }
  return { ctx, stdout: stdout.text, stderr: stderr.text, interrupt: () => interrupt?.(), interruptible: () => interrupt !== undefined }
}
