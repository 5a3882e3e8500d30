import { AbortError, JobFailedError, LLMKitError, type LLMKitErrorOptions, TimeoutError } from '../errors.js'
import { MAX_RETRY_AFTER_MS } from '../http/retry-after.js'
import { abortError } from '../http/transport.js'
import type { Clock, Logger } from '../logger.js'
import type { ProgressEvent, ProgressListener } from '../progress.js'
import { checkInteger, checkPositive } from '../option-checks.js'
import { type JournalBinding, journaledSpec } from './job-journal.js'

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
  /** Deadline of the best-effort cancel call made after an abort or a timeout. */
  cancelTimeoutMs: 10_000,
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
   * Reads the job's state once. A retryable llmkit error (429, 5xx, network) is a transient
   * failure and the runner polls again; any other error ends the job.
   */
  poll(id: string, signal: AbortSignal): Promise<JobSnapshot<T>>
  /** Cancels the job remotely (best effort; errors are logged, never thrown). */
  cancel?(id: string, signal: AbortSignal): Promise<void>
  /** Provider's poll interval. @defaultValue 500 */
  pollIntervalMs?: number | undefined
  /** Provider's longest useful poll interval. @defaultValue 5000 */
  maxPollIntervalMs?: number | undefined
}

/** Per-run options. */
export interface JobRunOptions {
  /** Aborts waiting and cancels the job remotely. */
  signal: AbortSignal
  /** Records the job (intent, id, result) so it is resumed instead of submitted twice ({@link journaledSpec}). */
  journal?: JournalBinding | undefined
  /** Whole-job deadline in milliseconds, counted from the accepted submit. @defaultValue 600000 */
  timeoutMs?: number | undefined
  /** Progress events. */
  onProgress?: ProgressListener | undefined
}

/** Runs remote jobs: submit once, poll with backoff, cancel on abort or timeout. */
export interface JobRunner {
  /**
   * Submits and waits for the job. Events arrive in order: `submitted`, then `queued` /
   * `running` on every change of state, position or progress, then `completed` or `failed`.
   * @throws whatever `submit` throws, unchanged; {@link JobFailedError} or the snapshot's error
   * when the job fails; {@link TimeoutError} naming the job id, after cancelling the job;
   * {@link AbortError} (or the signal's llmkit reason) after cancelling the job. Every error
   * thrown after the job was accepted is not retryable, so no middleware pays for it twice.
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
}

/**
 * Errors after the provider accepted a job must not make the retry middleware submit it again
 * (a second paid generation), so they are re-thrown as not retryable.
 */
function notRetryable(error: LLMKitError): LLMKitError {
  if (!error.retryable) return error
  const Ctor = error.constructor as new (message: string, options: LLMKitErrorOptions, code?: string) => LLMKitError
  // The base class takes the code as a third argument; subclasses ignore it and keep their own.
  return new Ctor(error.message, { ...error, retryable: false, cause: error }, error.code)
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
      const timeoutMs = options.timeoutMs ?? runnerOptions.timeoutMs ?? DEFAULT_JOB_OPTIONS.timeoutMs
      checkPositive('timeoutMs', timeoutMs, 'number of milliseconds')
      checkPositive('pollIntervalMs', spec.pollIntervalMs, 'number of milliseconds')
      if (signal.aborted) throw abortError(signal)
      const submitted = await spec.submit(signal)
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
            elapsedMs: clock.now() - started,
          })
        } catch {
          // A listener's bug must not fail a paid generation.
        }
      }
      const cancel = async (why: string) => {
        if (!spec.cancel) return
        try {
          await spec.cancel(id, AbortSignal.timeout(DEFAULT_JOB_OPTIONS.cancelTimeoutMs))
          logger.info({ event: 'job.cancelled', ...who, reason: why }, 'job cancelled')
        } catch (error) {
          logger.warn({ event: 'job.cancel_failed', ...who, reason: why, error: String(error) }, 'could not cancel job')
        }
      }
      const giveUp = async (why: string, error: LLMKitError): Promise<never> => {
        await cancel(why)
        emit('failed')
        throw notRetryable(error)
      }

      emit('submitted')
      logger.debug({ event: 'job.submitted', ...who }, 'job submitted')
      const baseInterval = spec.pollIntervalMs ?? DEFAULT_JOB_OPTIONS.pollIntervalMs
      const maxInterval = Math.max(baseInterval, spec.maxPollIntervalMs ?? DEFAULT_JOB_OPTIONS.maxPollIntervalMs)
      let interval = baseInterval
      let fresh = submitted.snapshot
      let hint = boundHint(fresh?.pollAfterMs)
      let lastKey: string | undefined
      let failures = 0
      try {
        // Bounded: every iteration sleeps at least minPollIntervalMs and the loop ends at the deadline.
        for (;;) {
          if (fresh !== undefined) {
            const snapshot = fresh
            fresh = undefined
            const key = `${snapshot.state}|${snapshot.position ?? ''}|${snapshot.progress ?? ''}`
            if (key !== lastKey) {
              lastKey = key
              interval = baseInterval
              if (snapshot.state === 'queued' || snapshot.state === 'running') emit(snapshot.state, snapshot)
            } else {
              interval = Math.min(maxInterval, interval * DEFAULT_JOB_OPTIONS.backoffFactor)
            }
            if (snapshot.state === 'succeeded') {
              if (snapshot.result === undefined) {
                emit('failed', snapshot)
                throw new JobFailedError(`${spec.provider} ${spec.model}: job ${id} succeeded without output`, { provider: spec.provider, model: spec.model, requestId: id })
              }
              emit('completed', snapshot)
              logger.debug({ event: 'job.completed', ...who, elapsedMs: clock.now() - started }, 'job completed')
              return snapshot.result
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
          }
          const remaining = deadline - clock.now()
          if (remaining <= 0 || expired.signal.aborted) {
            return await giveUp(
              'timeout',
              new TimeoutError(`${spec.provider} ${spec.model}: job ${id} did not finish within ${timeoutMs} ms; it was cancelled. Raise jobTimeoutMs for slow models.`, {
                provider: spec.provider,
                model: spec.model,
                requestId: id,
                retryable: false,
              }),
            )
          }
          const wait = hint ?? interval
          hint = undefined
          try {
            await clock.sleep(Math.min(wait, remaining), waitSignal)
            fresh = await spec.poll(id, waitSignal)
            hint = boundHint(fresh.pollAfterMs)
            failures = 0
          } catch (error) {
            if (signal.aborted) {
              await cancel('abort')
              emit('failed')
              const abort = abortError(signal)
              throw abort instanceof AbortError ? abort : notRetryable(abort)
            }
            // The deadline cut the wait or the request short: the top of the loop reports it.
            if (expired.signal.aborted) continue
            if (!LLMKitError.isInstance(error)) {
              await cancel('poll failed')
              emit('failed')
              throw error
            }
            if (!error.retryable || ++failures >= maxPollFailures) return await giveUp('poll failed', error)
            logger.warn({ event: 'job.poll_retry', ...who, failures, error: error.message }, 'status request failed; polling again')
            // Retry hints (429 Retry-After) win; otherwise back off as if nothing changed.
            hint = boundHint(error.retryAfterMs)
            interval = Math.min(maxInterval, interval * DEFAULT_JOB_OPTIONS.backoffFactor)
          }
        }
      } finally {
        finished.abort()
      }
    },
  }
}
