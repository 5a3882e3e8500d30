import { type Command, InvalidArgumentError } from 'commander'
import type { CliContext } from './context.js'
import { environmentWith, startInProcessEmulator, type EmulatorHandle } from './emulate.js'
import { EXIT_CODES, type ExitCode } from './exit-codes.js'

/** Options of `llmkit serve`. */
export interface ServeCommandOptions {
  /** Port to listen on (beats the config file). */
  port?: number | undefined
  /** Interface to bind (beats the config file). */
  host?: string | undefined
  /** JSON config file (see `@llmkit/gateway`'s README). */
  config?: string | undefined
  /** Serve an in-process emulator's providers (offline, no provider keys). */
  emulate?: boolean | undefined
}

function port(value: string): number {
  const n = Number(value)
  if (!/^\d+$/.test(value.trim()) || n > 65_535) throw new InvalidArgumentError('--port must be a whole number from 0 to 65535.')
  return n
}

/**
 * Runs the gateway until Ctrl-C or SIGTERM, then shuts down gracefully (in-flight generations
 * finish). JSON log lines go to stdout; the listening line and configuration errors to stderr.
 * Resolves to the exit code: 0 after a clean shutdown, 2 for an invalid configuration.
 */
export async function runServe(options: ServeCommandOptions, ctx: CliContext): Promise<ExitCode> {
  const { createGateway, loadGatewayConfig, GatewayConfigError } = await import('@llmkit/gateway')
  let emulator: EmulatorHandle | undefined
  try {
    const fromFile = options.config === undefined ? {} : await loadGatewayConfig(options.config)
    const config = { ...fromFile, ...(options.port === undefined ? {} : { port: options.port }), ...(options.host === undefined ? {} : { host: options.host }) }
    if (options.emulate) emulator = await startInProcessEmulator()
    const gateway = await createGateway({ config, env: environmentWith(ctx.env, emulator), logDestination: ctx.stdout })
    const url = await gateway.listen()
    ctx.stderr.write(`llmkit gateway listening on ${url} (OpenAI base URL ${url}/v1); Ctrl-C stops it after in-flight requests\n`)
    await new Promise<void>((resolve) => {
      const stop = () => {
        offInterrupt()
        process.off('SIGTERM', stop)
        ctx.stderr.write('llmkit gateway: shutting down, finishing in-flight requests...\n')
        gateway.close().then(resolve, (error: unknown) => {
          ctx.stderr.write(`llmkit gateway: shutdown failed: ${String(error)}\n`)
          resolve()
        })
      }
      const offInterrupt = ctx.onInterrupt(stop)
      process.once('SIGTERM', stop)
    })
    return EXIT_CODES.ok
  } catch (error) {
    if (error instanceof GatewayConfigError) {
      ctx.stderr.write(`${error.message}\n`)
      return EXIT_CODES.badInput
    }
    throw error
  } finally {
    await emulator?.close()
  }
}

/** Adds `llmkit serve` to the program. */
export function registerServeCommand(program: Command, ctx: CliContext, state: { exitCode: ExitCode }): void {
  program
    .command('serve')
    .description('Run an OpenAI-compatible image gateway (POST /v1/images/generations) in front of every installed provider.')
    .option('-p, --port <port>', 'port to listen on (default 8787, 0 for any free port)', port)
    .option('--host <host>', 'interface to bind (default 127.0.0.1; 0.0.0.0 exposes it)')
    .option('-c, --config <file>', 'JSON config file: keys (sha256), limits, budgets, Redis, timeouts')
    .option('--emulate', 'serve an in-process emulator (offline, no provider keys)')
    .addHelpText(
      'after',
      `
Clients authenticate with gateway keys, never provider keys: LLMKIT_GATEWAY_KEYS=key1,key2 (16+
characters each), or the config file's keys (sha256 only), or Redis. Provider keys come from the
environment as for llmkit generate and never leave the server.

Examples:
  LLMKIT_GATEWAY_KEYS=$(openssl rand -hex 24) llmkit serve --port 8787
  llmkit serve --config gateway.json`,
    )
    .action(async (options: ServeCommandOptions) => {
      state.exitCode = await runServe(options, ctx)
    })
}
