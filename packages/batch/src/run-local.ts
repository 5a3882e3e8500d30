import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { appendFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { createFileJobJournal, createMemoryBudgetStore, type ImageGenerationRequestInit, InvalidRequestError, type JobJournal, LLMKitClient, type LLMKitClientOptions, LLMKitError } from '@llmkit/core'
import { isPause, mayHaveBeenSent, runItem } from './item.js'
import { appendManifestLine, type ManifestLine, manifestIndices, repairManifest } from './manifest.js'
import { checkBatchId } from './redis-keys.js'
import { checkRequest } from './requests.js'

/** Folder of the run's state inside the output directory. */
export const STATE_DIR = '.llmkit-batch'

/** The job journal file of a one-process run: give it to your client's `jobJournal` when you pass `client`. */
export function localJournalPath(outDir: string): string {
  return join(resolve(outDir), STATE_DIR, 'journal.json')
}

/** Options of {@link runBatch}. */
export interface RunBatchOptions {
  /** The items, in order (plain request objects). */
  requests: readonly ImageGenerationRequestInit[]
  /** Folder for images, `manifest.jsonl` and the run's state; running again with the same folder resumes. */
  outDir: string
  /** Batch id (a new folder: a hash of the requests; a resumed folder: the id it holds). */
  batchId?: string | undefined
  /** Items run at once. @defaultValue 4 */
  concurrency?: number | undefined
  /**
   * The client. It must record async jobs in `createFileJobJournal(localJournalPath(outDir))`, so a
   * resumed run picks up the provider jobs a crashed one had submitted. @defaultValue
   * `LLMKitClient.fromEnv({ ...clientOptions, jobJournal })` with that journal
   */
  client?: LLMKitClient | undefined
  /** Options of the default client (ignored when `client` is given). */
  clientOptions?: Omit<LLMKitClientOptions, 'jobJournal' | 'providers'> | undefined
  /**
   * Most US dollars the whole batch may cost, earlier runs of the folder included (the default
   * client only). A call that would pass it stops the run with `state: 'paused'`; run again with a
   * higher limit to go on.
   */
  budgetUsd?: number | undefined
  /** Stops taking new items; running ones are aborted and run again on the next resume. */
  signal?: AbortSignal | undefined
  /** Called after each item's manifest line is written. */
  onItem?: ((line: ManifestLine, progress: RunProgress) => void) | undefined
}

/** Counters of a run. */
export interface RunProgress {
  /** Items in the batch. */
  total: number
  /** Items with images (this run and earlier ones). */
  done: number
  /** Items that failed (this run and earlier ones). */
  failed: number
  /** Items running now. */
  inFlight: number
  /** Cost of the items finished by this run, in US dollars. */
  costUsd: number
}

/** How {@link runBatch} ended. */
export interface RunBatchResult extends RunProgress {
  /** Batch id. */
  batchId: string
  /** `done`: every item has a manifest line; `paused`: a budget stop (see `reason`); `aborted`: the signal fired. */
  state: 'done' | 'paused' | 'aborted'
  /** Why the run stopped early. */
  reason?: string | undefined
  /** Items already finished by an earlier run of this folder. */
  resumed: number
  /** Output folder, absolute. */
  outDir: string
}

interface StateFile {
  v: 1
  batchId: string
  total: number
  requestsHash: string
  createdAt: string
}

function hashRequests(requests: readonly ImageGenerationRequestInit[]): string {
  const hash = createHash('sha256')
  for (const r of requests) hash.update(JSON.stringify(r)).update('\n')
  return hash.digest('hex')
}

/** The id a batch gets when none is given: `b-` and a hash of its requests, so the same file gets the same id. */
export function defaultBatchId(requests: readonly ImageGenerationRequestInit[]): string {
  return `b-${hashRequests(requests).slice(0, 12)}`
}

/** Reads or writes the run's state file, refusing a folder that holds a different batch. */
async function openState(outDir: string, requests: readonly ImageGenerationRequestInit[], batchId: string | undefined): Promise<StateFile> {
  const dir = join(outDir, STATE_DIR)
  const path = join(dir, 'state.json')
  const requestsHash = hashRequests(requests)
  if (existsSync(path)) {
    const state = JSON.parse(readFileSync(path, 'utf8')) as StateFile
    if (state.v !== 1 || state.requestsHash !== requestsHash) {
      throw new InvalidRequestError(`${outDir} holds batch "${state.batchId}" of different requests (${state.total} items); use another --out folder to start a new batch`, { param: 'outDir' })
    }
    if (batchId !== undefined && batchId !== state.batchId) throw new InvalidRequestError(`${outDir} holds batch "${state.batchId}", not "${batchId}"`, { param: 'batchId' })
    return state
  }
  const state: StateFile = { v: 1, batchId: batchId ?? defaultBatchId(requests), total: requests.length, requestsHash, createdAt: new Date().toISOString() }
  await mkdir(dir, { recursive: true })
  await writeFile(`${path}.tmp`, JSON.stringify(state, null, 2))
  await rename(`${path}.tmp`, path)
  return state
}

/**
 * Runs a batch in this process, with no server: the same images and `manifest.jsonl` as the
 * BullMQ workers. Everything needed to resume lives in the output folder: the manifest says which
 * items are finished, and the job journal (`.llmkit-batch/journal.json`) holds the provider jobs
 * that were accepted, so after a crash running the same command again resumes those jobs instead
 * of paying for them twice, and writes each item's line once.
 *
 * @throws {@link @llmkit/core!InvalidRequestError} for a bad request (naming its index) or a folder holding
 * another batch, before anything is generated.
 * @example
 * ```ts
 * const result = await runBatch({ requests, outDir: 'out', concurrency: 8 })
 * console.log(result.done, result.failed, result.costUsd)
 * ```
 */
export async function runBatch(options: RunBatchOptions): Promise<RunBatchResult> {
  const requests = options.requests
  if (!Array.isArray(requests) || requests.length === 0) throw new InvalidRequestError('A batch needs at least one request', { param: 'requests' })
  for (const [index, request] of requests.entries()) {
    try {
      checkRequest(request)
    } catch (error) {
      throw new InvalidRequestError(`Request ${index}: ${LLMKitError.isInstance(error) ? error.message : String(error)}`, { param: `requests[${index}]`, cause: error })
    }
  }
  if (options.batchId !== undefined) checkBatchId(options.batchId)
  const concurrency = options.concurrency ?? 4
  if (!(Number.isInteger(concurrency) && concurrency > 0)) throw new TypeError(`Expected \`concurrency\` to be a positive whole number, got ${String(concurrency)}.`)
  const outDir = resolve(options.outDir)
  const state = await openState(outDir, requests, options.batchId)
  if (options.budgetUsd !== undefined && !(typeof options.budgetUsd === 'number' && options.budgetUsd >= 0)) throw new TypeError(`Expected \`budgetUsd\` to be a number of 0 or more, got ${String(options.budgetUsd)}.`)

  await repairManifest(outDir)
  const finished = await manifestIndices(outDir)
  const progress: RunProgress = { total: requests.length, done: 0, failed: 0, inFlight: 0, costUsd: 0 }
  // Earlier runs' outcomes, so the counters (and the budget) cover the whole batch.
  let earlierUsd = 0
  for (const { status, usd } of finished.values()) {
    progress[status === 'ok' ? 'done' : 'failed']++
    earlierUsd += usd
  }
  const resumed = finished.size
  const defaults = options.client === undefined ? await defaultClient(outDir, state.batchId, options, concurrency, earlierUsd) : undefined
  const client = options.client ?? defaults!.client
  // Items an earlier run started and did not finish: that run is dead, so a submit it had under
  // way is released at once (no lease wait) and, like a sync call it may have sent, flagged.
  const startedLog = join(outDir, STATE_DIR, 'started.log')
  const resubmit = new Set<number>()
  for (const index of await readStarted(startedLog)) {
    if (finished.has(index) || index >= requests.length) continue
    if (await mayHaveBeenSent(client, defaults?.journal, state.batchId, index, requests[index]!.model)) resubmit.add(index)
  }

  let stop: { state: 'paused' | 'aborted'; reason: string } | undefined
  let fatal: { error: unknown } | undefined
  const abort = new AbortController()
  const onAbort = () => {
    stop ??= { state: 'aborted', reason: 'aborted' }
    abort.abort(options.signal?.reason)
  }
  options.signal?.addEventListener('abort', onAbort, { once: true })
  if (options.signal?.aborted) onAbort()

  // Appends go one after another: one process, one writer.
  let appends: Promise<void> = Promise.resolve()
  let next = 0
  const take = (): number | undefined => {
    while (next < requests.length && finished.has(next)) next++
    return stop === undefined && next < requests.length ? next++ : undefined
  }
  const lane = async () => {
    for (let index = take(); index !== undefined; index = take()) {
      progress.inFlight++
      let line: ManifestLine
      try {
        // Recorded before the call goes out, so a crash after it is known on the next run.
        await appendFile(startedLog, `${index}\n`)
        line = await runItem({ client, batchId: state.batchId, index, request: requests[index]!, outDir, signal: abort.signal, resubmitted: resubmit.has(index) })
      } catch (error) {
        if (isPause(error)) {
          stop ??= { state: 'paused', reason: `budget: ${(error as Error).message}` }
          continue
        }
        if (abort.signal.aborted) continue
        // Not the item's outcome (disk full, a bug): stop every lane, then report it.
        fatal ??= { error }
        stop ??= { state: 'aborted', reason: String(error) }
        abort.abort(error)
        continue
      } finally {
        progress.inFlight--
      }
      const written = line
      appends = appends.catch(() => {}).then(() => appendManifestLine(outDir, written))
      try {
        await appends
      } catch (error) {
        fatal ??= { error }
        stop ??= { state: 'aborted', reason: String(error) }
        abort.abort(error)
        continue
      }
      finished.set(index, { status: line.status, usd: line.cost?.usd ?? 0 })
      if (line.status === 'ok') progress.done++
      else progress.failed++
      progress.costUsd = Math.round((progress.costUsd + (line.cost?.usd ?? 0)) * 1e6) / 1e6
      options.onItem?.(line, { ...progress })
    }
  }
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, requests.length) }, lane))
  } finally {
    options.signal?.removeEventListener('abort', onAbort)
  }
  if (fatal !== undefined) throw fatal.error
  const complete = finished.size === requests.length
  return {
    ...progress,
    batchId: state.batchId,
    state: complete ? 'done' : (stop?.state ?? 'aborted'),
    reason: complete ? undefined : stop?.reason,
    resumed,
    outDir,
  }
}

/** The client of a run: the folder's file journal, and the batch budget counting earlier runs' spend. */
async function defaultClient(outDir: string, batchId: string, options: RunBatchOptions, concurrency: number, earlierUsd: number): Promise<{ client: LLMKitClient; journal: JobJournal }> {
  const journal = createFileJobJournal(localJournalPath(outDir))
  // The client's own limit (8 calls by default) must not cap the run's concurrency.
  const base = { concurrency: { maxConcurrency: concurrency }, ...options.clientOptions, jobJournal: journal }
  if (options.budgetUsd === undefined) return { client: LLMKitClient.fromEnv(base), journal }
  const store = createMemoryBudgetStore()
  await store.adjust(batchId, earlierUsd)
  return { client: LLMKitClient.fromEnv({ ...base, budget: { limitUsd: options.budgetUsd, store, name: batchId } }), journal }
}

/** Indices in the started log (one per line; a torn last line is ignored). */
async function readStarted(path: string): Promise<Set<number>> {
  if (!existsSync(path)) return new Set()
  const indices = new Set<number>()
  for (const line of (await readFile(path, 'utf8')).split('\n')) if (/^\d+$/.test(line)) indices.add(Number(line))
  return indices
}
