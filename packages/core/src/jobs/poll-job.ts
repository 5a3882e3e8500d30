import { AbortError, JobFailedError, LLMKitError, ProviderError, TimeoutError } from '../errors.js'
import { MAX_RETRY_AFTER_MS } from '../http/retry-after.js'
import { abortError, markMayHaveBeenCharged, rebuild } from '../http/transport.js'
import type { Clock, Logger } from '../logger.js'
import type { ProgressEvent } from '../progress.js'
import type { CallOptions } from '../registry/plugin.js'
import { checkInteger, checkNumber, checkPositive } from '../option-checks.js'
import { type JournalBinding, journaledSpec } from './job-journal.js'
import { type ServerSentEvent, SseParser } from './sse.js'

/** Job polling defaults, written as data. */
export const DEFAULT_JOB_OPTIONS = Object.freeze({
  /** First wait between polls. fal and Replicate SDKs poll every 500 ms. */
  pollIntervalMs: 500,
  /** Polls slow down by this factor while nothing changes. */
  backoffFactor: 1.5,
  /** Longest wait between polls. */
  maxPollIntervalMs: 5_000,
  /** Shortest wait between polls: a provider hint of 0 must not turn the loop into a busy loop. */
  minPollIntervalMs: 100,
  /** Whole-job deadline. Runway's SDK gives up after 10 minutes; so do we. */
  timeoutMs: 600_000,
  /** Consecutive failed status requests tolerated before the job is given up. */
  maxPollFailures: 5,
  /**
   * Deadline of the best-effort cancel call made after an abort or a timeout. The cancel runs in
   * the background: the caller's promise never waits for it.
   */
  cancelTimeoutMs: 10_000,
  /**
   * How long a submit cut short by its signal gets to report how it ended (the transport marks
   * a request sent in full) before the runner stops waiting for a provider that ignores it.
   */
  submitSettleMs: 50,
  /**
   * Longest a submit given up on (the caller aborted while the provider held the create open,
   * e.g. Replicate's `Prefer: wait`) is awaited in the background to learn the job id and cancel it.
   */
  lateSubmitMs: 120_000,
  /**
   * Wait before the first status request after an accepted submit: none, so a job that is ready
   * at once is returned at once; later requests follow the provider's cadence.
   */
  firstPollAfterMs: 0,
  /**
   * How long a status stream gets to answer (its response headers) before the runner polls
   * instead; once open, a silent stream is bounded by the transport's body timeout and the job
   * deadline.
   */
  streamOpenTimeoutMs: 10_000,
})

/** Where a remote job is. */
export type JobState = 'queued' | 'running' | 'succeeded' | 'failed' | 'canceled'

/** One observation of a remote job. */
export interface JobSnapshot<T> {
  /** Normalised state. */
  state: JobState
  /** Requests ahead in the queue. */
  position?: number | undefined
  /** Fraction done, 0-1. */
  progress?: number | undefined
  /** The provider's latest status text (Replicate's last log line), passed on in progress events. */
  message?: string | undefined
  /** The result, with state `succeeded`. */
  result?: T | undefined
  /** Why it failed, with state `failed` or `canceled` (a ContentPolicyError for moderation). */
  error?: LLMKitError | undefined
  /**
   * Provider's hint for the next poll, in milliseconds; kept within
   * [{@link DEFAULT_JOB_OPTIONS}.minPollIntervalMs, 60000].
   */
  pollAfterMs?: number | undefined
}

/** An accepted job: its id and, when the submit answer already says, its first snapshot. */
export interface SubmittedJob<T> {
  /** Remote id, named in timeouts and logs. */
  id: string
  /** State known from the submit answer (e.g. Replicate's `Prefer: wait`). */
  snapshot?: JobSnapshot<T> | undefined
}

/** What an async provider describes; the core does the waiting. */
export interface JobSpec<T> {
  /** Provider id. */
  provider: string
  /** Model id. */
  model: string
  /**
   * Submits the job. Its errors pass through unchanged (the retry middleware may submit again:
   * the job was not accepted).
   */
  submit(signal: AbortSignal): Promise<SubmittedJob<T>>
  /**
   * Reads the job's state once. A failed status request is transient and the runner polls again
   * (up to `maxPollFailures` in a row): a retryable llmkit error (429, 5xx, network), a
   * {@link ProviderError} (an answer of unexpected shape: throw one for a garbled status), or
   * any error that is not an llmkit error (a parser tripping on a garbled answer). Any other
   * llmkit error (401, 404, a job failure) ends the job.
   */
  poll(id: string, signal: AbortSignal): Promise<JobSnapshot<T>>
  /** Cancels the job remotely (best effort; errors are logged, never thrown). */
  cancel?(id: string, signal: AbortSignal): Promise<void>
  /** Provider's poll interval. @defaultValue 500 */
  pollIntervalMs?: number | undefined
  /** Provider's longest useful poll interval. @defaultValue 5000 */
  maxPollIntervalMs?: number | undefined
  /**
   * Wait before the first status request after the submit was accepted (a fast first check:
   * a job that is ready at once must not wait a full interval); later requests wait
   * `pollIntervalMs`. Not used when a status stream is followed. @defaultValue 0
   */
  firstPollAfterMs?: number | undefined
  /**
   * The job's push channel. The runner follows it instead of polling; when it cannot be opened,
   * breaks, or ends before the job did, the runner falls back to polling at once (the job is
   * never submitted again).
   */
  statusStream?: JobStatusStream<T> | undefined
  /**
   * The job reports its outcome elsewhere too (a webhook): when the caller stops waiting (abort,
   * deadline, failed status requests) the job is left running instead of cancelled, and the
   * error names its id (`requestId`) so the result can be taken from the webhook.
   */
  detached?: boolean | undefined
}

/**
 * A job's server-sent event stream (fal's `GET …/requests/{id}/status/stream`). The runner opens
 * it through the client's transport with the job deadline and the caller's signal, parses the
 * events, and reports them as it reports polls.
 */
export interface JobStatusStream<T> {
  /** The stream's URL for a job id. */
  url(id: string): string
  /** Request headers (authorization, `accept: text/event-stream`). */
  headers?: Readonly<Record<string, string>> | undefined
  /**
   * Maps one event: a snapshot (queued or running, or a terminal one), `'ended'` when the job
   * ended and `poll` reads its outcome (fal's COMPLETED, whose result is a separate request),
   * or undefined to skip the event.
   * @throws anything when the event is unreadable: the runner falls back to polling.
   */
  parse(event: ServerSentEvent): JobSnapshot<T> | 'ended' | undefined
  /**
   * Reads the outcome of a job the stream said `'ended'` (fal: the result, without another
   * status request). A failed read is retried through `poll`. @defaultValue `poll`
   */
  outcome?(id: string, signal: AbortSignal): Promise<JobSnapshot<T>>
}

/** What {@link JobRunnerOptions.stream} hands to its `consume` callback. */
export interface JobStreamResponse {
  /** HTTP status. */
  readonly status: number
  /** Response headers, lower-case names. */
  readonly headers: Readonly<Record<string, string>>
  /** The body as it arrives. */
  readonly body: AsyncIterable<Uint8Array | string>
}

/** Opens a streamed GET (the client passes its transport's `stream`, which bounds and maps it). */
export type JobStreamOpener = <R>(
  request: { url: string; headers: Record<string, string>; signal: AbortSignal },
  consume: (response: JobStreamResponse) => Promise<R>,
) => Promise<R>

/**
 * Per-run options. A provider passes its {@link CallOptions} whole (`ctx.jobs.run(spec, options)`):
 * `signal` aborts waiting and cancels the job remotely, `submitSignal` (the attempt deadline)
 * bounds the submit only, `jobTimeoutMs` bounds the accepted job, `onProgress` gets the events.
 */
export interface JobRunOptions extends CallOptions {
  /** Records the job (intent, id, result) so it is resumed instead of submitted twice ({@link journaledSpec}). */
  journal?: JournalBinding | undefined
  /**
   * Whole-job deadline in milliseconds, counted from the accepted submit; wins over `jobTimeoutMs`.
   * @defaultValue `jobTimeoutMs`, else the runner's (600000)
   */
  timeoutMs?: number | undefined
}

/** Runs remote jobs: submit once, poll with backoff, cancel on abort or timeout. */
export interface JobRunner {
  /**
   * Submits and waits for the job. Events arrive in order: `submitted`, then `queued` /
   * `running` on every change of state, position or progress, then `completed` or `failed`
   * (or `cancelled` when the caller aborted and a remote cancel was requested).
   * @throws whatever `submit` throws, unchanged (the signal's reason when `submitSignal` or
   * `signal` cut it short); {@link JobFailedError} or the snapshot's error when the job fails;
   * {@link TimeoutError} naming the job id, after requesting its cancel; {@link AbortError}
   * (or the signal's llmkit reason) at once after an abort, with the job id as `requestId` and
   * `mayHaveBeenCharged`, while the remote cancel goes on in the background (see
   * {@link pendingCancellations}). Every error thrown after the job was accepted is not
   * retryable, so no middleware pays for it twice.
   */
  run<T>(spec: JobSpec<T>, options: JobRunOptions): Promise<T>
}

/** Options of {@link createJobRunner}. */
export interface JobRunnerOptions {
  /** Clock (tests inject one). */
  clock: Clock
  /** Logger. */
  logger: Logger
  /** Default whole-job deadline. @defaultValue 600000 */
  timeoutMs?: number | undefined
  /** Consecutive failed status requests tolerated. @defaultValue 5 */
  maxPollFailures?: number | undefined
  /** Opens status streams ({@link JobSpec.statusStream}); without it every job is polled. */
  stream?: JobStreamOpener | undefined
}

/**
 * Errors after the provider accepted a job must not make the retry middleware submit it again
 * (a second paid generation), so they are re-thrown as not retryable.
 */
function notRetryable(error: LLMKitError): LLMKitError {
  if (!error.retryable) return error
  return rebuild(error, { retryable: false, cause: error })
}

/** Remote cancels still running in the background, across every runner of the process. */
const backgroundCancels = new Set<Promise<void>>()

/**
 * Resolves when every remote cancel the job runners requested in the background has ended
 * (each is bounded by {@link DEFAULT_JOB_OPTIONS}.cancelTimeoutMs and never rejects). A CLI
 * awaits it after Ctrl-C before the process exits, so the cancels actually reach the provider.
 */
export function pendingCancellations(): Promise<void> {
  return Promise.all([...backgroundCancels]).then(() => undefined)
}

/** Adds a background task (a cancel, a late submit) to the set {@link pendingCancellations} awaits. */
function trackInBackground(task: Promise<void>): void {
  backgroundCancels.add(task)
  void task.finally(() => backgroundCancels.delete(task))
}

/** A status-request failure the poll loop treats as "try again" (see {@link JobSpec.poll}). */
function isTransientPollError(error: unknown): boolean {
  if (!LLMKitError.isInstance(error)) return true
  return error.retryable || error instanceof ProviderError
}

/** A provider hint kept within sane bounds, or undefined when there is none. */
function boundHint(ms: number | undefined): number | undefined {
  if (ms === undefined || !Number.isFinite(ms)) return undefined
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(DEFAULT_JOB_OPTIONS.minPollIntervalMs, ms))
}

/**
 * The core's one job loop, shared by every async provider: providers describe submit, poll and
 * cancel; this owns the waiting, the backoff, the deadline, cancellation and progress events.
 * All waiting goes through `clock.sleep`, including the job deadline (one sleep of `timeoutMs`
 * started at submit), so a test clock must fire pending sleeps in time order.
 * @throws TypeError when an option is not a positive number.
 */
export function createJobRunner(runnerOptions: JobRunnerOptions): JobRunner {
  const { clock, logger } = runnerOptions
  checkPositive('timeoutMs', runnerOptions.timeoutMs, 'number of milliseconds')
  const maxPollFailures = runnerOptions.maxPollFailures ?? DEFAULT_JOB_OPTIONS.maxPollFailures
  checkInteger('maxPollFailures', maxPollFailures, 1)
  return {
    async run<T>(spec: JobSpec<T>, options: JobRunOptions): Promise<T> {
      if (options.journal !== undefined) spec = journaledSpec(spec, options.journal, { clock, logger })
      const { signal } = options
      const timeoutMs = options.timeoutMs ?? options.jobTimeoutMs ?? runnerOptions.timeoutMs ?? DEFAULT_JOB_OPTIONS.timeoutMs
      checkPositive('timeoutMs', timeoutMs, 'number of milliseconds')
      checkPositive('pollIntervalMs', spec.pollIntervalMs, 'number of milliseconds')
      checkNumber('firstPollAfterMs', spec.firstPollAfterMs, 0)
      if (signal.aborted) throw abortError(signal)
      const startCancel = (id: string, why: string): Promise<void> | undefined => {
        if (!spec.cancel) return undefined
        const who = { provider: spec.provider, model: spec.model, jobId: id }
        const cancelling = (async () => {
          try {
            const deadline = AbortSignal.timeout(DEFAULT_JOB_OPTIONS.cancelTimeoutMs)
            // Raced too: a cancel that ignores its signal must not hold pendingCancellations() forever.
            const expired = new Promise<never>((_resolve, reject) => deadline.addEventListener('abort', () => reject(deadline.reason as Error), { once: true }))
            await Promise.race([spec.cancel!(id, deadline), expired])
            logger.info({ event: 'job.cancelled', ...who, reason: why }, 'job cancelled')
          } catch (error) {
            logger.warn({ event: 'job.cancel_failed', ...who, reason: why, error: String(error) }, 'could not cancel job')
          }
        })()
        trackInBackground(cancelling)
        return cancelling
      }
      const cancelInBackground = (id: string, why: string): boolean => startCancel(id, why) !== undefined
      const submitted = await submitWithin(spec, options.submitSignal ?? signal, (late) => {
        logger.warn({ event: 'job.late_submit', provider: spec.provider, model: spec.model, jobId: late.id }, 'a submit given up on was accepted after all; cancelling it')
        return startCancel(late.id, 'late submit')
      })
      const id = submitted.id
      const who = { provider: spec.provider, model: spec.model, jobId: id }
      const started = clock.now()
      const deadline = started + timeoutMs

      // The deadline also aborts an in-flight status request, so a late answer cannot slip
      // through after the job was given up (vercel/ai#21053).
      const finished = new AbortController()
      const expired = new AbortController()
      // setTimeout fires at once above 2^31-1 ms; a deadline that far away is "never" anyway.
      clock.sleep(Math.min(timeoutMs, 2_147_483_647), finished.signal).then(
        () => expired.abort(),
        () => {},
      )
      const waitSignal = AbortSignal.any([signal, expired.signal])

      const emit = (type: ProgressEvent['type'], snapshot?: JobSnapshot<T>) => {
        try {
          options.onProgress?.({
            type,
            provider: spec.provider,
            model: spec.model,
            jobId: id,
            position: snapshot?.position,
            progress: type === 'completed' ? (snapshot?.progress ?? 1) : snapshot?.progress,
            ...(snapshot?.message === undefined ? {} : { message: snapshot.message }),
            elapsedMs: clock.now() - started,
          })
        } catch {
          // A listener's bug must not fail a paid generation.
        }
      }
      const detached = spec.detached === true
      const giveUp = (why: string, error: LLMKitError): never => {
        // A detached job reports to its webhook: stopping to wait must not stop the job.
        if (!detached) cancelInBackground(id, why)
        emit('failed')
        throw notRetryable(error)
      }
      const aborted = (): never => {
        const requested = !detached && cancelInBackground(id, 'abort')
        emit(requested ? 'cancelled' : 'failed')
        const reason = abortError(signal)
        // The job was accepted: it may run (and bill) until the cancel lands.
        if (!(reason instanceof AbortError)) throw markMayHaveBeenCharged(notRetryable(reason))
        const fate = detached
          ? `job ${id} goes on and reports to its webhook`
          : requested
            ? `cancel of job ${id} requested`
            : `job ${id} cannot be cancelled through the API and may still run`
        throw new AbortError(`${spec.provider} ${spec.model}: aborted by the caller; ${fate}`, {
          provider: spec.provider,
          model: spec.model,
          requestId: id,
          mayHaveBeenCharged: true,
          cause: reason,
        })
      }

      emit('submitted')
      logger.debug({ event: 'job.submitted', ...who }, 'job submitted')
      const baseInterval = spec.pollIntervalMs ?? DEFAULT_JOB_OPTIONS.pollIntervalMs
      const maxInterval = Math.max(baseInterval, spec.maxPollIntervalMs ?? DEFAULT_JOB_OPTIONS.maxPollIntervalMs)
      let interval = baseInterval
      let fresh = submitted.snapshot
      let hint = boundHint(fresh?.pollAfterMs)
      // The fast first check: right after the submit (or the provider's short delay), then the cadence.
      let next: number | undefined = spec.firstPollAfterMs ?? DEFAULT_JOB_OPTIONS.firstPollAfterMs
      let lastKey: string | undefined
      let failures = 0
      // The answer of the fast first check does not count as "nothing changed" for the backoff.
      let fastCheck = true
      let lenient = true
      let streamPending = spec.statusStream !== undefined && runnerOptions.stream !== undefined
      let readOutcome: JobStatusStream<T>['outcome']

      /** Reports a snapshot; the result when the job succeeded. @throws the job's failure. */
      const observe = (snapshot: JobSnapshot<T>): { result: T } | undefined => {
        const key = `${snapshot.state}|${snapshot.position ?? ''}|${snapshot.progress ?? ''}`
        if (key !== lastKey) {
          lastKey = key
          interval = baseInterval
          if (snapshot.state === 'queued' || snapshot.state === 'running') emit(snapshot.state, snapshot)
        } else if (!lenient) {
          interval = Math.min(maxInterval, interval * DEFAULT_JOB_OPTIONS.backoffFactor)
        }
        if (snapshot.state === 'succeeded') {
          if (snapshot.result === undefined) {
            emit('failed', snapshot)
            throw new JobFailedError(`${spec.provider} ${spec.model}: job ${id} succeeded without output`, { provider: spec.provider, model: spec.model, requestId: id })
          }
          emit('completed', snapshot)
          logger.debug({ event: 'job.completed', ...who, elapsedMs: clock.now() - started }, 'job completed')
          return { result: snapshot.result }
        }
        if (snapshot.state === 'failed' || snapshot.state === 'canceled') {
          emit('failed', snapshot)
          throw notRetryable(
            snapshot.error ??
              new JobFailedError(`${spec.provider} ${spec.model}: job ${id} ${snapshot.state === 'canceled' ? 'was cancelled by the provider' : 'failed'}`, {
                provider: spec.provider,
                model: spec.model,
                requestId: id,
              }),
          )
        }
        return undefined
      }

      /**
       * Follows the status stream until the job ends, the stream ends or it fails. Returns the
       * result, `'poll'` (poll at once: the job ended, or the stream is gone and polling takes
       * over), or throws the job's failure.
       */
      const follow = async (stream: JobStatusStream<T>): Promise<{ result: T } | 'ended' | 'poll'> => {
        const done = new AbortController()
        const opened = new AbortController()
        const streamSignal = AbortSignal.any([waitSignal, done.signal])
        // A stream that does not answer is given up for polling, not waited on until the deadline.
        clock.sleep(DEFAULT_JOB_OPTIONS.streamOpenTimeoutMs, AbortSignal.any([opened.signal, done.signal])).then(
          () => done.abort(new Error(`status stream did not answer within ${DEFAULT_JOB_OPTIONS.streamOpenTimeoutMs} ms`)),
          () => {},
        )
        let failure: { error: unknown } | undefined
        try {
          const outcome = await runnerOptions.stream!({ url: stream.url(id), headers: { accept: 'text/event-stream', ...stream.headers }, signal: streamSignal }, async (res) => {
            opened.abort()
            if (res.status !== 200) throw new Error(`status stream answered HTTP ${res.status}`)
            const parser = new SseParser()
            const decoder = new TextDecoder()
            for await (const chunk of res.body) {
              for (const event of parser.push(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }))) {
                const update = stream.parse(event)
                if (update === undefined) continue
                if (update === 'ended') return 'ended' as const
                try {
                  const got = observe(update)
                  if (got) return got
                } catch (error) {
                  // The job's own failure, not the stream's: thrown after the stream is closed.
                  failure = { error }
                  return 'failed' as const
                }
              }
            }
            return 'closed' as const
          })
          if (outcome === 'failed') throw failure!.error
          if (outcome === 'ended') return 'ended'
          if (outcome !== 'closed') return outcome
          logger.warn({ event: 'job.stream_fallback', ...who, reason: 'stream ended before the job' }, 'status stream ended early; polling')
          return 'poll'
        } catch (error) {
          if (failure) throw failure.error
          if (signal.aborted || expired.signal.aborted) throw error
          // The open timeout's own reason says more than the aborted request's error.
          const why = done.signal.aborted ? done.signal.reason : error
          logger.warn({ event: 'job.stream_fallback', ...who, reason: why instanceof Error ? why.message : String(why) }, 'status stream failed; polling')
          return 'poll'
        } finally {
          done.abort()
        }
      }

      try {
        // Bounded: every iteration sleeps at least minPollIntervalMs (the fast first check and
        // the one poll after a stream aside) and the loop ends at the deadline.
        for (;;) {
          if (fresh !== undefined) {
            const snapshot = fresh
            fresh = undefined
            const got = observe(snapshot)
            if (got) return got.result
          }
          const remaining = deadline - clock.now()
          if (remaining <= 0 || expired.signal.aborted) {
            return giveUp(
              'timeout',
              new TimeoutError(
                `${spec.provider} ${spec.model}: job ${id} did not finish within ${timeoutMs} ms; ${detached ? 'it goes on and reports to its webhook' : 'its cancel was requested'}. Raise jobTimeoutMs for slow models.`,
                { provider: spec.provider, model: spec.model, requestId: id, retryable: false },
              ),
            )
          }
          if (streamPending) {
            streamPending = false
            try {
              const got = await follow(spec.statusStream!)
              if (got === 'ended') readOutcome = spec.statusStream!.outcome?.bind(spec.statusStream)
              else if (got !== 'poll') return got.result
            } catch (error) {
              if (signal.aborted) return aborted()
              if (expired.signal.aborted) continue
              throw error
            }
            // The job ended, or the stream is gone: read the job now, then poll at the cadence.
            next = 0
          }
          const wait = next ?? hint ?? interval
          lenient = fastCheck
          fastCheck = false
          next = undefined
          hint = undefined
          try {
            if (wait > 0) await clock.sleep(Math.min(wait, remaining), waitSignal)
            else if (waitSignal.aborted) throw waitSignal.reason
            const read = readOutcome
            readOutcome = undefined
            const poll = () => (read ? read(id, waitSignal) : spec.poll(id, waitSignal))
            fresh = await (options.trace ? options.trace.span('llmkit.poll', { 'llmkit.job.id': id, 'gen_ai.provider.name': spec.provider }, poll) : poll())
            hint = boundHint(fresh.pollAfterMs)
            failures = 0
          } catch (error) {
            if (signal.aborted) return aborted()
            // The deadline cut the wait or the request short: the top of the loop reports it.
            if (expired.signal.aborted) continue
            const failure = LLMKitError.isInstance(error)
              ? error
              : new ProviderError(`${spec.provider} ${spec.model}: unreadable status of job ${id}: ${error instanceof Error ? error.message : String(error)}`, {
                  provider: spec.provider,
                  model: spec.model,
                  requestId: id,
                  cause: error,
                })
            if (!isTransientPollError(error) || ++failures >= maxPollFailures) return giveUp('poll failed', failure)
            logger.warn({ event: 'job.poll_retry', ...who, failures, error: failure.message }, 'status request failed; polling again')
            // Retry hints (429 Retry-After) win; otherwise back off as if nothing changed.
            hint = boundHint(failure.retryAfterMs)
            interval = Math.min(maxInterval, interval * DEFAULT_JOB_OPTIONS.backoffFactor)
          }
        }
      } finally {
        finished.abort()
      }
    },
  }
}

/**
 * Runs `spec.submit` under `signal`. The transport ends a request as soon as its signal fires;
 * a provider that ignores its signal is given {@link DEFAULT_JOB_OPTIONS}.submitSettleMs, then
 * left behind: if its submit is accepted after all, `onLate` gets the job (to cancel it).
 */
async function submitWithin<T>(spec: JobSpec<T>, signal: AbortSignal, onLate: (job: SubmittedJob<T>) => Promise<void> | undefined): Promise<SubmittedJob<T>> {
  if (signal.aborted) throw abortError(signal)
  const submitting = spec.submit(signal)
  let gaveUp = false
  let grace: ReturnType<typeof setTimeout> | undefined
  let onAbort: (() => void) | undefined
  const cut = new Promise<never>((_resolve, reject) => {
    onAbort = () => {
      grace = setTimeout(() => {
        gaveUp = true
        // Until the submit settles its job id is unknown: pendingCancellations() waits for it
        // (bounded), so a CLI exiting after Ctrl-C still cancels a job accepted late.
        let bound: ReturnType<typeof setTimeout> | undefined
        const limit = new Promise<void>((resolve) => {
          bound = setTimeout(resolve, DEFAULT_JOB_OPTIONS.lateSubmitMs)
          bound.unref?.()
        })
        trackInBackground(
          Promise.race([submitting.then((job) => onLate(job), () => undefined), limit]).then(
            () => clearTimeout(bound),
            () => clearTimeout(bound),
          ),
        )
        // The submit is still in flight (a held create ignores the signal): the provider may
        // accept it, so a retry would be a second submission unless the caller's policy allows it.
        const reason = abortError(signal)
        reject(reason instanceof AbortError ? reason : markMayHaveBeenCharged(reason))
      }, DEFAULT_JOB_OPTIONS.submitSettleMs)
    }
    signal.addEventListener('abort', onAbort, { once: true })
  })
  submitting.catch(() => {})
  cut.catch(() => {})
  try {
    return await Promise.race([submitting, cut])
  } finally {
    clearTimeout(grace)
    signal.removeEventListener('abort', onAbort!)
  }
}
