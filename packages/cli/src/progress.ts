import { basename } from 'node:path'
import cliProgress from 'cli-progress'
import type { ProgressEvent } from '@llmkit/core'

/** Receives what the `generate` command is doing, and shows it. */
export interface ProgressReporter {
  /** A generation of `count` images of `model` began. */
  start(model: string, count: number): void
  /** A job state from an async provider (submitted, queued, running, completed, failed). */
  event(event: ProgressEvent): void
  /** Image `index` (0-based) was written to `path`. */
  saved(index: number, path: string): void
  /** A line that must not tear the bars (warnings, notices). */
  log(line: string): void
  /** Ctrl-C was pressed: the generation is stopping; accepted remote jobs are asked to cancel. */
  cancelling(): void
  /** Removes the bars and restores the cursor; safe to call twice. */
  stop(): void
}

/** A stream progress can be written to; `isTTY` picks bars or plain lines. */
export type ProgressStream = NodeJS.WritableStream & { isTTY?: boolean | undefined; columns?: number | undefined }

/** Options of {@link createProgressReporter}. */
export interface ProgressOptions {
  /** Bars (true) or plain lines (false). @defaultValue `stream.isTTY` */
  tty?: boolean | undefined
  /** Print nothing (e.g. `--json` into a pipe). @defaultValue false */
  quiet?: boolean | undefined
}

/** Describes an event's state in a few words: `queued (#2)`, `running 40%`. */
export function describeEvent(event: ProgressEvent): string {
  switch (event.type) {
    case 'queued':
      return event.position !== undefined ? `queued (#${event.position + 1} in line)` : 'queued'
    case 'running':
      return event.progress !== undefined ? `running ${Math.round(event.progress * 100)}%` : 'running'
    case 'cancelled':
      return 'cancel requested'
    case 'partial_image':
      return `preview ${(event.partialImageIndex ?? 0) + 1} received`
    default:
      return event.type
  }
}

/**
 * Progress on a terminal: one cli-progress bar per job (a job making four images is one bar, each
 * part of a split request its own) with its state and elapsed time. Elsewhere (CI logs, pipes): one plain line per job and state change (a job that makes four
 * images is one line, a split request's parts one each), since redraws turn into noise.
 */
export function createProgressReporter(stream: ProgressStream, options: ProgressOptions = {}): ProgressReporter {
  if (options.quiet) return quietReporter
  return (options.tty ?? stream.isTTY === true) ? barReporter(stream) : lineReporter(stream)
}

const quietReporter: ProgressReporter = { start() {}, event() {}, saved() {}, log() {}, cancelling() {}, stop() {} }

function lineReporter(stream: ProgressStream): ProgressReporter {
  let model = ''
  let count = 0
  // One line per job and state: a job that makes several images is one job, not one per image.
  const last = new Map<number | 'all', string>()
  const write = (line: string) => stream.write(`${line}\n`)
  return {
    start(m, c) {
      model = m
      count = c
      write(`${model}: generating ${count} image(s)...`)
    },
    event(event) {
      const state = describeEvent(event)
      const key = event.part ?? 'all'
      // Polling repeats the same state; a log line per poll would bury the useful ones.
      if (last.get(key) === state) return
      last.set(key, state)
      const which = event.part !== undefined ? ` part ${event.part + 1}` : ''
      write(`${model}:${which} ${state}${event.jobId !== undefined ? ` (job ${event.jobId})` : ''}`)
    },
    saved(i, path) {
      write(`${model}: image ${i + 1}/${count} saved ${path}`)
    },
    log: write,
    cancelling() {
      write('Interrupted: stopping; accepted remote jobs will be asked to cancel...')
    },
    stop() {},
  }
}

function barReporter(stream: ProgressStream): ProgressReporter {
  const multibar = new cliProgress.MultiBar(
    {
      stream,
      format: ' {label} {bar} {state} | {duration_formatted}',
      barsize: 20,
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      // We stop the bars ourselves on SIGINT, after cancelling the remote jobs.
      gracefulExit: false,
      autopadding: true,
    },
    cliProgress.Presets.shades_classic,
  )
  let model = ''
  let count = 0
  let saved = 0
  // The whole generation until the provider says it split `n` into parts; then one bar per part.
  let whole: cliProgress.SingleBar | undefined
  const parts = new Map<number, cliProgress.SingleBar>()
  let stopped = false
  const barFor = (part: number | undefined): cliProgress.SingleBar | undefined => {
    if (part === undefined) return whole
    let bar = parts.get(part)
    if (bar === undefined) {
      if (whole !== undefined) {
        multibar.remove(whole)
        whole = undefined
      }
      bar = multibar.create(100, 0, { label: `${model} part ${part + 1}`, state: 'waiting' })
      parts.set(part, bar)
    }
    return bar
  }
  return {
    start(m, c) {
      model = m
      count = c
      whole = multibar.create(100, 0, { label: count > 1 ? `${model} ×${count}` : model, state: 'waiting' })
    },
    event(event) {
      const state = describeEvent(event)
      const bar = barFor(event.part)
      const value = event.type === 'completed' ? 100 : event.progress !== undefined ? Math.round(event.progress * 100) : undefined
      if (value !== undefined) bar?.update(value, { state })
      else bar?.update({ state })
    },
    saved(_i, path) {
      saved++
      // The full path is printed on stdout; the bar has room for the file name only.
      const state = count > 1 ? `saved ${saved}/${count}` : `saved ${basename(path)}`
      for (const bar of whole === undefined ? parts.values() : [whole]) bar.update(100, { state })
    },
    log(line) {
      multibar.log(`${line}\n`)
    },
    cancelling() {
      for (const bar of [...(whole === undefined ? [] : [whole]), ...parts.values()]) bar.update({ state: 'stopping...' })
    },
    stop() {
      if (stopped) return
      stopped = true
      multibar.stop()
    },
  }
}
