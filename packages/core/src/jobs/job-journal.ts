import { randomUUID } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { mkdir, rename, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { AbortError, InvalidRequestError, LLMKitError } from '../errors.js'
import { abortError } from '../http/transport.js'
import type { Clock, Logger } from '../logger.js'
import type { Warning } from '../warnings.js'
import type { JobSnapshot, JobSpec, SubmittedJob } from './poll-job.js'

/** Job journal defaults, written as data. */
export const DEFAULT_JOB_JOURNAL_OPTIONS = Object.freeze({
  /**
   * How long a recorded intent (submit under way, no job id yet) belongs to the process that
   * wrote it, in milliseconds. Another process with the same key waits this long for the job id
   * before it submits itself (the first process is presumed dead).
   */
  leaseMs: 120_000,
  /** How long finished records are kept, so a repeated key returns the recorded result. */
  retainMs: 86_400_000,
  /** Wait between two looks at another process's intent. */
  waitIntervalMs: 250,
})

/** Where a journaled job is: submit under way, accepted with a job id, or finished. */
export type JournalState = 'intent' | 'accepted' | 'succeeded' | 'failed'

/** What a caller records before submitting: enough to run the same call again. */
export interface JournalIntent {
  /** Record key: the caller's idempotency key, `#<part>` added for a split request's parts. */
  key: string
  /** The caller's idempotency key (the same for every part). */
  callKey: string
  /** Who holds the intent (one submit attempt). */
  owner: string
  /** Provider id. */
  provider: string
  /** Model id. */
  model: string
  /** The caller's whole request as JSON (`ImageGenerationRequest.toJSON()`), to run it again. */
  request: unknown
  /** Job deadline the caller gave, in milliseconds. */
  jobTimeoutMs?: number | undefined
}

/** One journal record (plain JSON). */
export interface JournalRecord extends JournalIntent {
  /** Where the job is. */
  state: JournalState
  /** Until when (ms since the epoch) an `intent` belongs to its owner. */
  leaseUntil: number
  /** The provider's job id, once accepted. */
  jobId?: string | undefined
  /** The job's result (JSON), once succeeded. */
  result?: unknown
  /** Why it failed, once failed. */
  error?: string | undefined
  /** Last change, ms since the epoch. */
  updatedAt: number
}

/** The answer to {@link JobJournal.claim}. */
export type JournalClaim = { claimed: true } | { claimed: false; record: JournalRecord }

/**
 * Records async jobs so none is submitted twice: intent before the submit, the job id once the
 * provider accepts, the result at the end. The in-memory ({@link createMemoryJobJournal}) and
 * file ({@link createFileJobJournal}) forms serve one process; `@llmkit/redis` serves a fleet.
 */
export interface JobJournal {
  /**
   * Atomically records the intent unless the key is held: free, failed, or an intent whose lease
   * ran out can be claimed; anything else is returned as is (accepted: resume polling its job id;
   * succeeded: its result; a live intent: wait for it).
   */
  claim(intent: JournalIntent, leaseMs: number): Promise<JournalClaim>
  /** The provider accepted the owner's submit: records the job id. */
  accept(key: string, owner: string, jobId: string): Promise<void>
  /** The job ended: records its result (JSON) or its error message. A recorded result is never replaced. */
  finish(key: string, outcome: { result: unknown } | { error: string }): Promise<void>
  /** The owner's submit failed before the provider accepted: frees the key. */
  release(key: string, owner: string): Promise<void>
  /** One record. */
  get(key: string): Promise<JournalRecord | undefined>
  /** Records not finished yet (intent or accepted): what a crashed process left behind. */
  pending(): Promise<JournalRecord[]>
}

/** What the client hands an async provider call (through `CallOptions.journal`). */
export interface JournalBinding {
  /** The journal. */
  readonly journal: JobJournal
  /** Record key of this provider call. */
  readonly key: string
  /** The caller's idempotency key. */
  readonly callKey: string
  /** The caller's whole request as JSON. */
  readonly request: unknown
  /** Job deadline the caller gave. */
  readonly jobTimeoutMs: number | undefined
  /** `'cancel'`: a recorded job is cancelled instead of awaited, and nothing new is submitted. */
  readonly mode: 'run' | 'cancel'
  /** Intent lease, in milliseconds. @defaultValue 120000 */
  readonly leaseMs?: number | undefined
  /** Warnings for the response (the journal could not record). */
  readonly warnings: Warning[]
  /** Called when the job was resumed or replayed from the journal, not submitted. */
  readonly onResumed?: (() => void) | undefined
}

/** The part of the context {@link journalBinding} reads (kept small so it takes any context). */
export interface JournalContext {
  readonly part: number | undefined
  readonly metadata: Record<string, unknown>
}

/** What the client puts under `ctx.metadata.jobJournal` for a call with an idempotency key. */
export interface JournalCallInfo {
  /** The caller's idempotency key. */
  callKey: string
  /** The caller's request as JSON. */
  request: unknown
  /** Job deadline the caller gave. */
  jobTimeoutMs: number | undefined
  /** Run, or cancel what is recorded. */
  mode: 'run' | 'cancel'
  /**
   * Record keys of this call's parts that were resumed or replayed from the journal instead of
   * submitted (filled in as the call runs), so middleware that counts spend can tell that no new
   * job was paid for.
   */
  resumedKeys?: string[] | undefined
}

/** Record key of the context's provider call (`#<part>` added for a split part); undefined for a call without a key. */
export function journalKey(ctx: JournalContext): string | undefined {
  const info = ctx.metadata['jobJournal'] as JournalCallInfo | undefined
  if (info === undefined) return undefined
  return ctx.part === undefined ? info.callKey : `${info.callKey}#${ctx.part}`
}

/** Whether the context's provider call was resumed or replayed from the journal (known once it ran). */
export function wasResumed(ctx: JournalContext): boolean {
  const key = journalKey(ctx)
  const info = ctx.metadata['jobJournal'] as JournalCallInfo | undefined
  return key !== undefined && info?.resumedKeys?.includes(key) === true
}

/** The binding of one provider call, or undefined when the client has no journal or the caller gave no key. */
export function journalBinding(ctx: JournalContext, journal: JobJournal | undefined): JournalBinding | undefined {
  const info = ctx.metadata['jobJournal'] as JournalCallInfo | undefined
  const key = journalKey(ctx)
  if (journal === undefined || info === undefined || key === undefined) return undefined
  return {
    journal,
    key,
    callKey: info.callKey,
    request: info.request,
    jobTimeoutMs: info.jobTimeoutMs,
    mode: info.mode,
    warnings: [],
    onResumed: () => {
      info.resumedKeys ??= []
      if (!info.resumedKeys.includes(key)) info.resumedKeys.push(key)
    },
  }
}

/** JSON of a result, with `expiresAt` dates written as ISO strings (and read back as dates). */
function toJson(value: unknown): unknown {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value))
}

/** JSON with object keys sorted, so two equal requests compare equal whatever their key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'object' && v !== null && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  )
}

function revive<T>(value: unknown): T {
  return JSON.parse(JSON.stringify(value), (key, v: unknown) => (key === 'expiresAt' && typeof v === 'string' ? new Date(v) : v)) as T
}

/**
 * Wraps an async provider's job so it goes through the journal: `submit` resumes a recorded job
 * (returns its id, or its recorded result) instead of submitting again; otherwise it records the
 * intent, submits, and records the job id. The end of the job (result, failure, cancel) is
 * recorded too. A journal failure never fails the generation: it is logged and reported as a
 * warning, and the job runs unrecorded.
 */
export function journaledSpec<T>(spec: JobSpec<T>, binding: JournalBinding, runtime: { clock: Clock; logger: Logger }): JobSpec<T> {
  const { journal, key } = binding
  const { clock, logger } = runtime
  const owner = randomUUID()
  const leaseMs = binding.leaseMs ?? DEFAULT_JOB_JOURNAL_OPTIONS.leaseMs
  let recording = true
  const who = { provider: spec.provider, model: spec.model, journalKey: key }
  const report = (operation: string, error: unknown) => {
    logger.warn({ event: 'jobJournal.error', ...who, operation, error: String(error) }, 'job journal could not record')
    binding.warnings.push({
      type: 'other',
      message: `The job journal could not record the ${operation} of ${spec.provider} job "${key}" (${String(error)}); another process cannot resume this job.`,
    })
  }
  const record = async (operation: string, write: () => Promise<void>) => {
    if (!recording) return
    try {
      await write()
    } catch (error) {
      report(operation, error)
    }
  }
  const onSnapshot = async (snapshot: JobSnapshot<T>) => {
    if (snapshot.state === 'succeeded' && snapshot.result !== undefined) await record('result', () => journal.finish(key, { result: toJson(snapshot.result) }))
    else if (snapshot.state === 'failed' || snapshot.state === 'canceled') await record('failure', () => journal.finish(key, { error: snapshot.error?.message ?? `job ${snapshot.state}` }))
  }
  const cancelRecorded = async (jobId: string): Promise<never> => {
    try {
      await spec.cancel?.(jobId, AbortSignal.timeout(10_000))
      logger.info({ event: 'jobJournal.cancelled', ...who, jobId }, 'recorded job cancelled')
    } catch (error) {
      logger.warn({ event: 'job.cancel_failed', ...who, jobId, error: String(error) }, 'could not cancel recorded job')
    }
    await record('cancel', () => journal.finish(key, { error: 'cancelled by resumeJobs' }))
    throw new AbortError(`${spec.provider} ${spec.model}: recorded job ${jobId} ("${key}") was cancelled`, { provider: spec.provider, model: spec.model, requestId: jobId })
  }

  const wrapped: JobSpec<T> = {
    ...spec,
    async submit(signal) {
      const waitUntil = clock.now() + leaseMs + DEFAULT_JOB_JOURNAL_OPTIONS.waitIntervalMs
      // Bounded: another owner's intent either turns into a job id or its lease runs out.
      for (;;) {
        let claim: JournalClaim
        try {
          claim = await journal.claim(
            { key, callKey: binding.callKey, owner, provider: spec.provider, model: spec.model, request: binding.request, jobTimeoutMs: binding.jobTimeoutMs },
            leaseMs,
          )
        } catch (error) {
          recording = false
          report('intent', error)
          if (binding.mode === 'cancel') throw new AbortError(`${spec.provider} ${spec.model}: the journal is unavailable; nothing to cancel for "${key}"`, { cause: error })
          return spec.submit(signal)
        }
        if (claim.claimed) {
          if (binding.mode === 'cancel') {
            await journal.release(key, owner).catch(() => {})
            throw new AbortError(`${spec.provider} ${spec.model}: no recorded job for "${key}"; nothing was submitted`, { provider: spec.provider, model: spec.model })
          }
          let submitted: SubmittedJob<T>
          try {
            submitted = await spec.submit(signal)
          } catch (error) {
            // Not accepted: free the key so a retry (here or elsewhere) may submit.
            await journal.release(key, owner).catch(() => {})
            throw error
          }
          await record('job id', () => journal.accept(key, owner, submitted.id))
          if (submitted.snapshot !== undefined) await onSnapshot(submitted.snapshot)
          return submitted
        }
        const found = claim.record
        // A key names one request: reusing it for another would return someone else's images.
        if (canonical(found.request) !== canonical(binding.request)) {
          throw new InvalidRequestError(
            `idempotencyKey "${binding.callKey}" was already used for a different request (${spec.provider} ${found.model}); use a new key for a new request`,
            { provider: spec.provider, model: spec.model, param: 'idempotencyKey' },
          )
        }
        if (found.state === 'succeeded') {
          logger.info({ event: 'jobJournal.replayed', ...who, jobId: found.jobId }, 'recorded result returned; nothing submitted')
          binding.onResumed?.()
          return { id: found.jobId ?? key, snapshot: { state: 'succeeded', result: revive<T>(found.result) } }
        }
        if (found.state === 'accepted' && found.jobId !== undefined) {
          if (binding.mode === 'cancel') return cancelRecorded(found.jobId)
          logger.info({ event: 'jobJournal.resumed', ...who, jobId: found.jobId }, 'resuming a recorded job; nothing submitted')
          binding.onResumed?.()
          return { id: found.jobId }
        }
        // Another process is submitting this key right now: wait for its job id.
        if (clock.now() > waitUntil) {
          throw new LLMKitError(`${spec.provider} ${spec.model}: "${key}" is held by another process that recorded no job id within ${leaseMs} ms`, {
            provider: spec.provider,
            model: spec.model,
            retryable: true,
          })
        }
        try {
          await clock.sleep(DEFAULT_JOB_JOURNAL_OPTIONS.waitIntervalMs, signal)
        } catch {
          throw abortError(signal)
        }
      }
    },
    async poll(id, signal) {
      const snapshot = await spec.poll(id, signal)
      await onSnapshot(snapshot)
      return snapshot
    },
  }
  // A status stream reports outcomes too (fal's COMPLETED then its result): record them as polls are.
  const stream = spec.statusStream
  if (stream !== undefined) {
    const outcome = stream.outcome?.bind(stream)
    wrapped.statusStream = {
      ...stream,
      url: stream.url.bind(stream),
      parse(event) {
        const parsed = stream.parse(event)
        // parse is synchronous; the write is awaited by nobody, and a failure is reported like any other.
        if (parsed !== undefined && parsed !== 'ended') void onSnapshot(parsed)
        return parsed
      },
      ...(outcome === undefined
        ? {}
        : {
            async outcome(id: string, signal: AbortSignal) {
              const snapshot = await outcome(id, signal)
              await onSnapshot(snapshot)
              return snapshot
            },
          }),
    }
  }
  if (spec.cancel !== undefined) {
    const cancel = spec.cancel.bind(spec)
    wrapped.cancel = async (id, signal) => {
      try {
        await cancel(id, signal)
      } finally {
        await record('cancel', () => journal.finish(key, { error: 'cancelled' }))
      }
    }
  }
  return wrapped
}

/** The claim rule every journal form applies: who may write an intent over an existing record. */
export function claimable(existing: JournalRecord | undefined, now: number): boolean {
  return existing === undefined || existing.state === 'failed' || (existing.state === 'intent' && existing.leaseUntil <= now)
}

/** A journal over a map of records, persisted by `save` after each change (the memory and file forms). */
function mapJournal(records: Map<string, JournalRecord>, save: () => Promise<void>, now: () => number, retainMs: number): JobJournal {
  const prune = () => {
    const t = now()
    for (const [key, r] of records) if ((r.state === 'succeeded' || r.state === 'failed') && r.updatedAt + retainMs <= t) records.delete(key)
  }
  const copy = (r: JournalRecord | undefined) => (r === undefined ? undefined : (JSON.parse(JSON.stringify(r)) as JournalRecord))
  return {
    async claim(intent, leaseMs) {
      prune()
      const t = now()
      const existing = records.get(intent.key)
      if (!claimable(existing, t)) return { claimed: false, record: copy(existing)! }
      records.set(intent.key, { ...(toJson(intent) as JournalIntent), state: 'intent', leaseUntil: t + leaseMs, updatedAt: t })
      await save()
      return { claimed: true }
    },
    async accept(key, owner, jobId) {
      const r = records.get(key)
      if (r === undefined || r.owner !== owner) return
      records.set(key, { ...r, state: 'accepted', jobId, updatedAt: now() })
      await save()
    },
    async finish(key, outcome) {
      const r = records.get(key)
      // A result, once recorded, stays: a late cancel or failure elsewhere does not undo it.
      if (r === undefined || r.state === 'succeeded') return
      records.set(key, 'result' in outcome ? { ...r, state: 'succeeded', result: toJson(outcome.result), updatedAt: now() } : { ...r, state: 'failed', error: outcome.error, updatedAt: now() })
      await save()
    },
    async release(key, owner) {
      const r = records.get(key)
      if (r === undefined || r.owner !== owner || r.state !== 'intent') return
      records.delete(key)
      await save()
    },
    get: (key) => Promise.resolve(copy(records.get(key))),
    pending: () => Promise.resolve([...records.values()].filter((r) => r.state === 'intent' || r.state === 'accepted').map((r) => copy(r)!)),
  }
}

/** Options of the in-process journals. */
export interface LocalJobJournalOptions {
  /** How long finished records are kept, in milliseconds. @defaultValue 86400000 */
  retainMs?: number | undefined
  /** Clock for leases and retention. @defaultValue Date.now */
  now?: (() => number) | undefined
}

/** A journal in this process's memory: resumes jobs across calls of one process (not across restarts). */
export function createMemoryJobJournal(options: LocalJobJournalOptions = {}): JobJournal {
  return mapJournal(new Map(), () => Promise.resolve(), options.now ?? Date.now, options.retainMs ?? DEFAULT_JOB_JOURNAL_OPTIONS.retainMs)
}

/**
 * A journal in one JSON file, for one process: it survives a restart. Each change rewrites the
 * file atomically (a temporary file renamed over it), so a crash leaves the old or the new file,
 * never half of one. Two processes must not share the file (use `@llmkit/redis`).
 */
export function createFileJobJournal(path: string, options: LocalJobJournalOptions = {}): JobJournal {
  if (typeof path !== 'string' || path === '') throw new TypeError('Expected `path` to be the journal file path.')
  const records = new Map<string, JournalRecord>()
  if (existsSync(path)) {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as { v?: number; records?: JournalRecord[] }
    if (parsed.v !== 1 || !Array.isArray(parsed.records)) throw new TypeError(`${path} is not an llmkit job journal (expected { v: 1, records: [...] }).`)
    for (const r of parsed.records) records.set(r.key, r)
  }
  let chain: Promise<void> = Promise.resolve()
  let seq = 0
  const save = () => {
    const snapshot = JSON.stringify({ v: 1, records: [...records.values()] })
    // Writes run one after another, each with the state at the time of its change.
    // A failed write is reported to its caller and does not block the next one.
    const next = chain
      .catch(() => {})
      .then(async () => {
        await mkdir(dirname(path), { recursive: true })
        const tmp = `${path}.${process.pid}.${++seq}.tmp`
        await writeFile(tmp, snapshot)
        await rename(tmp, path)
      })
    chain = next
    return next
  }
  return mapJournal(records, save, options.now ?? Date.now, options.retainMs ?? DEFAULT_JOB_JOURNAL_OPTIONS.retainMs)
}
