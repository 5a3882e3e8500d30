import { AbortError, JobFailedError, LLMKitError, type LLMKitErrorOptions, TimeoutError } from '../errors.js'
import { abortError } from '../http/transport.js'
import type { Clock, Logger } from '../logger.js'
import type { ProgressEvent, ProgressListener } from '../progress.js'

/** Job polling defaults, written as data. */
export const DEFAULT_JOB_OPTIONS = Object.freeze({
  /** First wait between polls. fal and Replicate SDKs poll every 500 ms. */
  pollIntervalMs: 500,
  /** Polls slow down by this factor while nothing changes. */
  backoffFactor: 1.5,
  /** Longest wait between polls. */
  maxPollIntervalMs: 5_000,
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
  /** Provider's hint for the next poll, in milliseconds. */
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
  /** Submits the job. Errors here may be retried: the job was not accepted. */
  submit(signal: AbortSignal): Promise<SubmittedJob<T>>
  /** Reads the job's state once. */
  poll(id: string, signal: AbortSignal): Promise<JobSnapshot<T>>
  /** Cancels the job remotely (best effort). */
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
  /** Whole-job deadline in milliseconds. @defaultValue 600000 */
  timeoutMs?: number | undefined
  /** Progress events. */
  onProgress?: ProgressListener | undefined
}

/** Runs remote jobs: submit once, poll with backoff, cancel on abort or timeout. */
export interface JobRunner {
  /**
   * Submits and waits for the job.
   * @throws {@link JobFailedError} or the snapshot's error when the job fails;
   * {@link TimeoutError} naming the job id; {@link AbortError} after cancelling the job.
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
}

/**
 * Errors after the provider accepted a job must not make the retry middleware submit it again
 * (a second paid generation), so they are re-thrown as not retryable.
 */
function notRetryable(error: LLMKitError): LLMKitError {
  if (!error.retryable) return error
  const Ctor = error.constructor as new (message: string, options: LLMKitErrorOptions) => LLMKitError
  return new Ctor(error.message, { ...error, retryable: false, cause: error })
}

/** The core's one job loop, shared by every async provider. */
export function createJobRunner(runnerOptions: JobRunnerOptions): JobRunner {
  const { clock, logger } = runnerOptions
  return {
    async run<T>(spec: JobSpec<T>, options: JobRunOptions): Promise<T> {
      const { signal } = options
      const timeoutMs = options.timeoutMs ?? runnerOptions.timeoutMs ?? DEFAULT_JOB_OPTIONS.timeoutMs
      if (signal.aborted) throw abortError(signal)
      const submitted = await spec.submit(signal)
      const id = submitted.id
      const started = clock.now()
      const deadline = started + timeoutMs
      const emit = (type: ProgressEvent['type'], snapshot?: JobSnapshot<T>) => {
        try {
          options.onProgress?.({
            type,
            provider: spec.provider,
            model: spec.model,
            jobId: id,
            position: snapshot?.position,
            progress: snapshot?.progress,
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
          logger.info({ event: 'job.cancelled', provider: spec.provider, model: spec.model, jobId: id, reason: why }, 'job cancelled')
        } catch (error) {
          logger.warn({ event: 'job.cancel_failed', provider: spec.provider, jobId: id, error: String(error) }, 'could not cancel job')
        }
      }

      emit('submitted')
      logger.debug({ event: 'job.submitted', provider: spec.provider, model: spec.model, jobId: id }, 'job submitted')
      let interval = spec.pollIntervalMs ?? DEFAULT_JOB_OPTIONS.pollIntervalMs
      const maxInterval = Math.max(interval, spec.maxPollIntervalMs ?? DEFAULT_JOB_OPTIONS.maxPollIntervalMs)
      let snapshot = submitted.snapshot
      let lastKey = ''
      let failures = 0
      // Bounded: every iteration sleeps at least `interval` (>0) and the loop ends at the deadline.
      for (;;) {
        if (snapshot !== undefined) {
          const key = `${snapshot.state}|${snapshot.position ?? ''}|${snapshot.progress ?? ''}`
          if (key !== lastKey) {
            lastKey = key
            if (snapshot.state === 'queued' || snapshot.state === 'running') {
              emit(snapshot.state, snapshot)
              interval = spec.pollIntervalMs ?? DEFAULT_JOB_OPTIONS.pollIntervalMs
            }
          } else {
            interval = Math.min(maxInterval, interval * DEFAULT_JOB_OPTIONS.backoffFactor)
          }
          if (snapshot.state === 'succeeded') {
            emit('completed', snapshot)
            if (snapshot.result === undefined) throw new JobFailedError(`${spec.provider} ${spec.model}: job ${id} succeeded without output`, { provider: spec.provider, model: spec.model, requestId: id })
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
        if (remaining <= 0) {
          await cancel('timeout')
          throw new TimeoutError(`${spec.provider} ${spec.model}: job ${id} did not finish within ${timeoutMs} ms; it was cancelled. Raise jobTimeoutMs for slow models.`, {
            provider: spec.provider,
            model: spec.model,
            requestId: id,
            retryable: false,
          })
        }
        try {
          await clock.sleep(Math.min(snapshot?.pollAfterMs ?? interval, remaining), signal)
          snapshot = await spec.poll(id, signal)
          failures = 0
        } catch (error) {
          if (signal.aborted) {
            await cancel('abort')
            const abort = abortError(signal)
            throw LLMKitError.isInstance(abort) && !(abort instanceof AbortError) ? notRetryable(abort) : abort
          }
          if (!LLMKitError.isInstance(error) || !error.retryable || ++failures >= DEFAULT_JOB_OPTIONS.maxPollFailures) {
            await cancel('poll failed')
            throw LLMKitError.isInstance(error) ? notRetryable(error) : error
          }
          logger.warn({ event: 'job.poll_retry', provider: spec.provider, jobId: id, failures, error: error.message }, 'status request failed; polling again')
          snapshot = { ...(snapshot ?? { state: 'queued' }), pollAfterMs: error.retryAfterMs }
        }
      }
    },
  }
}
