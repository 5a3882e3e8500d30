import { resolve } from 'node:path'
import type { BatchStatus, ManifestLine, RunProgress } from '@llmkit/batch'
import { Command, InvalidArgumentError, Option } from 'commander'
import { type ImageGenerationRequestInit, InvalidRequestError } from '@llmkit/core'
import type { CliContext } from './context.js'
import { environmentWith, startInProcessEmulator, type EmulatorHandle } from './emulate.js'
import { describeFailure, jsonFailure } from './errors-output.js'
import { EXIT_CODES, exitCodeFor, exitCodeHelp, type ExitCode } from './exit-codes.js'
import { formatUsd, statusBar, statusLine } from './batch-progress.js'

/** Options every Redis-backed batch command takes. */
interface RedisCommandOptions {
  redis: string
  prefix?: string | undefined
  json?: boolean | undefined
}

/** Options of `llmkit batch run` and `llmkit batch submit`. */
interface InputOptions {
  out: string
  batch?: string | undefined
  onBadLine: 'skip' | 'fail'
  json?: boolean | undefined
}

function positiveInteger(name: string) {
  return (value: string): number => {
    const n = Number(value)
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1 || n > 10_000) throw new InvalidArgumentError(`${name} must be a whole number from 1 to 10000.`)
    return n
  }
}

function dollars(value: string): number {
  const n = Number(value)
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError('--budget-usd must be a number of US dollars, 0 or more.')
  return n
}

const onBadLineOption = () => new Option('--on-bad-line <policy>', 'a line that is not a valid request: stop (fail) or report it and go on (skip)').choices(['skip', 'fail']).default('fail')

/** Reads the JSONL file, reporting each skipped line with its number on stderr. */
async function readInput(file: string, options: InputOptions, ctx: CliContext): Promise<ImageGenerationRequestInit[]> {
  const { readRequests } = await import('@llmkit/batch')
  const path = resolve(ctx.cwd, file)
  const { requests, badLines } = await readRequests(path, { onBadLine: options.onBadLine })
  for (const bad of badLines) ctx.stderr.write(`${file}:${bad.line}: skipped: ${bad.message}\n`)
  if (requests.length === 0) throw new InvalidRequestError(`${file} holds no valid request (one JSON request object per line, e.g. {"model":"dall-e-3","prompt":"A cat"})`)
  return requests
}

/** Prints a failure (as JSON with --json) and returns its exit code. */
function fail(error: unknown, json: boolean | undefined, ctx: CliContext): ExitCode {
  if (json) ctx.stdout.write(`${JSON.stringify(jsonFailure(error))}\n`)
  for (const line of describeFailure(error)) ctx.stderr.write(`${line}\n`)
  return exitCodeFor(error)
}

/** One item finished: a plain line, or the progress bar redrawn on a terminal. */
function itemReporter(ctx: CliContext, batchId: string, outDir: string) {
  const tty = ctx.stderr.isTTY === true
  const started = Date.now()
  let finishedHere = 0
  return {
    item(line: ManifestLine, progress: RunProgress) {
      finishedHere++
      if (!tty) {
        const what = line.status === 'ok' ? `ok ${line.images.map((i) => i.file).join(' ')}` : `failed ${line.error?.code ?? ''} ${line.error?.message ?? ''}`
        ctx.stderr.write(`[${progress.done + progress.failed}/${progress.total}] item ${line.index} ${what}\n`)
        return
      }
      const remaining = progress.total - progress.done - progress.failed
      const status: BatchStatus = {
        batchId,
        state: 'running',
        total: progress.total,
        done: progress.done,
        failed: progress.failed,
        inFlight: progress.inFlight,
        remaining,
        costUsd: progress.costUsd,
        outDir,
        etaMs: ((Date.now() - started) / finishedHere) * remaining,
      }
      ctx.stderr.write(`\r\x1b[2K${statusBar(status)}`)
    },
    end() {
      if (tty && finishedHere > 0) ctx.stderr.write('\n')
    },
  }
}

async function runCommand(file: string, options: InputOptions & { concurrency: number; budgetUsd?: number | undefined; emulate?: boolean | undefined }, ctx: CliContext): Promise<ExitCode> {
  let emulator: EmulatorHandle | undefined
  const controller = new AbortController()
  const offInterrupt = ctx.onInterrupt(() => {
    ctx.stderr.write('\ninterrupted: stopping; run the same command again to resume\n')
    controller.abort()
  })
  try {
    const requests = await readInput(file, options, ctx)
    const { runBatch, defaultBatchId } = await import('@llmkit/batch')
    if (options.emulate) emulator = await startInProcessEmulator()
    const outDir = resolve(ctx.cwd, options.out)
    const reporter = itemReporter(ctx, options.batch ?? defaultBatchId(requests), outDir)
    const result = await runBatch({
      requests,
      outDir,
      batchId: options.batch,
      concurrency: options.concurrency,
      budgetUsd: options.budgetUsd,
      clientOptions: { env: environmentWith(ctx.env, emulator) },
      signal: controller.signal,
      onItem: (line, progress) => reporter.item(line, progress),
    })
    reporter.end()
    const manifest = resolve(outDir, 'manifest.jsonl')
    if (options.json) ctx.stdout.write(`${JSON.stringify({ ok: result.state === 'done' && result.failed === 0, ...result, manifest })}\n`)
    else ctx.stdout.write(`${manifest}\n`)
    ctx.stderr.write(
      `batch ${result.batchId}: ${result.state}, ${result.done} ok, ${result.failed} failed of ${result.total}` +
        `${result.resumed > 0 ? ` (${result.resumed} from an earlier run)` : ''}, cost ${formatUsd(result.costUsd)} this run${result.reason ? ` — ${result.reason}` : ''}\n`,
    )
    if (result.state === 'paused') {
      ctx.stderr.write('hint: the budget was reached; run the same command with a higher --budget-usd to go on.\n')
      return EXIT_CODES.rateLimit
    }
    if (result.state === 'aborted') return EXIT_CODES.interrupted
    return result.failed > 0 ? EXIT_CODES.providerFailure : EXIT_CODES.ok
  } catch (error) {
    return fail(error, options.json, ctx)
  } finally {
    offInterrupt()
    await emulator?.close()
  }
}

async function submitCommand(file: string, options: InputOptions & RedisCommandOptions, ctx: CliContext): Promise<ExitCode> {
  try {
    const requests = await readInput(file, options, ctx)
    const { submitBatch, defaultBatchId } = await import('@llmkit/batch')
    const result = await submitBatch({ connection: options.redis, prefix: options.prefix, batchId: options.batch ?? defaultBatchId(requests), requests, outDir: resolve(ctx.cwd, options.out) })
    if (options.json) ctx.stdout.write(`${JSON.stringify({ ok: true, ...result })}\n`)
    else ctx.stdout.write(`${result.batchId}\n`)
    ctx.stderr.write(
      `batch ${result.batchId}: ${result.total} items${result.alreadyDone > 0 ? `, ${result.alreadyDone} already done` : ''}; writing to ${result.outDir}\n` +
        `start workers with: llmkit batch work --redis ${options.redis}\n`,
    )
    return EXIT_CODES.ok
  } catch (error) {
    return fail(error, options.json, ctx)
  }
}

async function workCommand(options: RedisCommandOptions & { concurrency: number; budgetUsd?: number | undefined; budgetName: string; emulate?: boolean | undefined }, ctx: CliContext): Promise<ExitCode> {
  let emulator: EmulatorHandle | undefined
  try {
    const { startFleetWorker } = await import('@llmkit/batch')
    if (options.emulate) emulator = await startInProcessEmulator()
    // The fleet's journal (a job accepted here is resumed elsewhere after a crash), rate limiter
    // and budget, all on this Redis.
    const worker = startFleetWorker({
      url: options.redis,
      prefix: options.prefix,
      concurrency: options.concurrency,
      clientOptions: { env: environmentWith(ctx.env, emulator) },
      budget: options.budgetUsd === undefined ? undefined : { limitUsd: options.budgetUsd, name: options.budgetName },
      onItem: (line) => ctx.stderr.write(`${line.batchId} item ${line.index} ${line.status}${line.error ? ` ${line.error.code}` : ''}\n`),
    })
    ctx.stderr.write(`worker ready (concurrency ${options.concurrency}); Ctrl-C stops after the running items finish\n`)
    await new Promise<void>((resolveStop) => {
      const off = ctx.onInterrupt(() => {
        off()
        process.off('SIGTERM', onTerm)
        resolveStop()
      })
      const onTerm = () => {
        off()
        resolveStop()
      }
      process.once('SIGTERM', onTerm)
    })
    ctx.stderr.write('stopping: waiting for running items\n')
    await worker.close()
    return EXIT_CODES.ok
  } catch (error) {
    return fail(error, options.json, ctx)
  } finally {
    await emulator?.close()
  }
}

async function statusCommand(batchId: string, options: RedisCommandOptions & { watch?: boolean | undefined }, ctx: CliContext): Promise<ExitCode> {
  try {
    const { batchStatus } = await import('@llmkit/batch')
    const read = () => batchStatus({ connection: options.redis, prefix: options.prefix, batchId })
    let status = await read()
    if (options.json) {
      ctx.stdout.write(`${JSON.stringify(status)}\n`)
      return EXIT_CODES.ok
    }
    const tty = ctx.stdout.isTTY === true
    if (!options.watch) {
      ctx.stdout.write(`${tty ? statusBar(status) : statusLine(status)}\n`)
      return EXIT_CODES.ok
    }
    let stopped = false
    const off = ctx.onInterrupt(() => (stopped = true))
    try {
      // Until the batch stops running or Ctrl-C.
      for (;;) {
        ctx.stdout.write(tty ? `\r\x1b[2K${statusBar(status)}` : `${statusLine(status)}\n`)
        if (stopped || status.state !== 'running') break
        await new Promise((r) => setTimeout(r, 1000))
        status = await read()
      }
    } finally {
      off()
    }
    if (tty) ctx.stdout.write('\n')
    return EXIT_CODES.ok
  } catch (error) {
    return fail(error, options.json, ctx)
  }
}

async function cancelCommand(batchId: string, options: RedisCommandOptions, ctx: CliContext): Promise<ExitCode> {
  try {
    const { cancelBatch } = await import('@llmkit/batch')
    const { removed } = await cancelBatch({ connection: options.redis, prefix: options.prefix, batchId })
    if (options.json) ctx.stdout.write(`${JSON.stringify({ ok: true, batchId, removed })}\n`)
    ctx.stderr.write(`batch ${batchId}: cancelled; ${removed} queued items removed (running items finish and are written to the manifest)\n`)
    return EXIT_CODES.ok
  } catch (error) {
    return fail(error, options.json, ctx)
  }
}

async function resumeCommand(batchId: string, options: RedisCommandOptions, ctx: CliContext): Promise<ExitCode> {
  try {
    const { resumeBatch } = await import('@llmkit/batch')
    const status = await resumeBatch({ connection: options.redis, prefix: options.prefix, batchId })
    if (options.json) ctx.stdout.write(`${JSON.stringify(status)}\n`)
    else ctx.stdout.write(`${statusLine(status)}\n`)
    return EXIT_CODES.ok
  } catch (error) {
    return fail(error, options.json, ctx)
  }
}

const redisOption = () => new Option('--redis <url>', 'Redis URL, e.g. redis://localhost:6379').makeOptionMandatory()
const prefixOption = () => new Option('--prefix <prefix>', 'key prefix of the batch queue and records (several apps on one Redis)').default('llmkit')

/**
 * Adds `llmkit batch` (run, submit, work, status, cancel, resume) to the program. Each action
 * stores its exit code in `state.exitCode`. `@llmkit/batch` (with BullMQ and Redis) is imported
 * when a batch command runs, so other commands never load BullMQ.
 */
export function registerBatchCommands(program: Command, ctx: CliContext, state: { exitCode: ExitCode }): Command {
  const batch = new Command('batch').description('Durable batches from a JSONL file of requests: in one process, or on BullMQ workers sharing Redis.')
  batch.addHelpText(
    'after',
    `
A JSONL line is one request object, the shape generateImage takes:
  {"model":"dall-e-3","prompt":"A lighthouse at dawn","size":"1792x1024"}
Images go to <out>/images, one manifest line per item to <out>/manifest.jsonl. Running or
submitting the same file again resumes: finished items are kept, accepted provider jobs are
resumed (never paid twice).

Examples:
  llmkit batch run prompts.jsonl --out out --concurrency 8
  llmkit batch submit prompts.jsonl --redis redis://localhost:6379 --out /shared/out
  llmkit batch work --redis redis://localhost:6379 --concurrency 8
  llmkit batch status b-1a2b3c4d5e6f --redis redis://localhost:6379 --watch
`,
  )

  batch
    .command('run')
    .description('Run a batch in this process, no server needed; run it again to resume after a crash or Ctrl-C.')
    .argument('<file>', 'JSONL file, one request per line')
    .requiredOption('-o, --out <dir>', 'output folder (images, manifest.jsonl, resume state)')
    .option('-c, --concurrency <n>', 'items at once', positiveInteger('--concurrency'), 4)
    .option('--batch <id>', 'batch id (default: a hash of the requests)')
    .addOption(onBadLineOption())
    .option('--budget-usd <usd>', 'most the whole batch may cost; the run pauses there (exit 4) and resumes with a higher limit', dollars)
    .option('--json', 'print one JSON summary on stdout')
    .option('--emulate', 'run against an in-process emulator (offline, no keys)')
    .action(async (file: string, options: Parameters<typeof runCommand>[1]) => {
      state.exitCode = await runCommand(file, options, ctx)
    })

  batch
    .command('submit')
    .description('Queue a batch on Redis for `llmkit batch work` processes; prints its id. Submitting it again adds nothing.')
    .argument('<file>', 'JSONL file, one request per line')
    .addOption(redisOption())
    .requiredOption('-o, --out <dir>', 'output folder every worker can reach (images, manifest.jsonl)')
    .option('--batch <id>', 'batch id (default: a hash of the requests)')
    .addOption(onBadLineOption())
    .addOption(prefixOption())
    .option('--json', 'print one JSON document on stdout')
    .action(async (file: string, options: Parameters<typeof submitCommand>[1]) => {
      state.exitCode = await submitCommand(file, options, ctx)
    })

  batch
    .command('work')
    .description('Run queued batch items until Ctrl-C or SIGTERM; start as many as you like, on any machine.')
    .addOption(redisOption())
    .option('-c, --concurrency <n>', 'items at once', positiveInteger('--concurrency'), 4)
    .option('--budget-usd <usd>', 'a spending limit shared by every worker with the same --budget-name; reaching it pauses the batch', dollars)
    .option('--budget-name <name>', 'name of the shared budget', 'llmkit-batch')
    .addOption(prefixOption())
    .option('--emulate', 'run against an in-process emulator (offline, no keys)')
    .action(async (options: Parameters<typeof workCommand>[0]) => {
      state.exitCode = await workCommand(options, ctx)
    })

  batch
    .command('status')
    .description('Progress of a batch: done, failed, in flight, cost so far, ETA (a bar on a terminal, plain lines otherwise).')
    .argument('<id>', 'batch id')
    .addOption(redisOption())
    .addOption(prefixOption())
    .option('--watch', 'refresh every second until the batch stops running')
    .option('--json', 'print the status as JSON')
    .action(async (id: string, options: Parameters<typeof statusCommand>[1]) => {
      state.exitCode = await statusCommand(id, options, ctx)
    })

  batch
    .command('cancel')
    .description('Cancel a batch: queued items are removed; running ones finish.')
    .argument('<id>', 'batch id')
    .addOption(redisOption())
    .addOption(prefixOption())
    .option('--json', 'print one JSON document on stdout')
    .action(async (id: string, options: RedisCommandOptions) => {
      state.exitCode = await cancelCommand(id, options, ctx)
    })

  batch
    .command('resume')
    .description('Resume a batch paused by its budget (start the workers with a higher --budget-usd first).')
    .argument('<id>', 'batch id')
    .addOption(redisOption())
    .addOption(prefixOption())
    .option('--json', 'print the status as JSON')
    .action(async (id: string, options: RedisCommandOptions) => {
      state.exitCode = await resumeCommand(id, options, ctx)
    })

  for (const command of [batch, ...batch.commands]) {
    command.configureOutput({ writeOut: (s) => ctx.stdout.write(s), writeErr: (s) => ctx.stderr.write(s) }).showHelpAfterError('(run with --help for usage)').exitOverride()
  }
  batch.commands.forEach((c) => c.addHelpText('after', `\n${exitCodeHelp()}`))
  program.addCommand(batch)
  return batch
}
