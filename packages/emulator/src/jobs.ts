import { randomUUID } from 'node:crypto'

/** States of an emulated job, as a clock moves through them. */
export type EmulatedJobState = 'queued' | 'running' | 'succeeded' | 'failed' | 'canceled'

/** Timing of emulated jobs. */
export interface JobTiming {
  /** Time spent queued. @defaultValue 150 */
  queuedMs: number
  /** Time spent running. @defaultValue 250 */
  runningMs: number
}

/** An emulated remote job whose state is a function of elapsed time (no timers to leak). */
export interface EmulatedJob<I, O> {
  /** Job id. */
  readonly id: string
  /** Provider-specific input kept for building the output. */
  readonly input: I
  /** When it was created (ms epoch). */
  readonly createdAt: number
  /** Timing. */
  readonly timing: JobTiming
  /** Set when cancelled. */
  canceledAt?: number | undefined
  /** Forced failure message (fault injection or validation at run time). */
  failure?: { message: string; code?: string | undefined } | undefined
  /** Output, built once on completion. */
  output?: O | undefined
  /** Jobs that never finish (for timeout tests). */
  never?: boolean | undefined
}

/** Longest wait between two looks at a job that does not change (a `never` job, a long run). */
const MAX_LOOK_MS = 1_000

/** Store of emulated jobs for one provider. */
export class JobStore<I, O> {
  readonly #jobs = new Map<string, EmulatedJob<I, O>>()

  constructor(private readonly timing: () => JobTiming) {}

  /** Creates a job. */
  create(input: I, extra: Partial<Pick<EmulatedJob<I, O>, 'failure' | 'never'>> & { id?: string; timing?: Partial<JobTiming> } = {}): EmulatedJob<I, O> {
    const job: EmulatedJob<I, O> = {
      id: extra.id ?? randomUUID(),
      input,
      createdAt: Date.now(),
      timing: { ...this.timing(), ...extra.timing },
      failure: extra.failure,
      never: extra.never,
    }
    this.#jobs.set(job.id, job)
    return job
  }

  /** A job by id. */
  get(id: string): EmulatedJob<I, O> | undefined {
    return this.#jobs.get(id)
  }

  /** Deletes a job (Runway's DELETE on a finished task). */
  delete(id: string): boolean {
    return this.#jobs.delete(id)
  }

  /** The state of a job now. */
  stateOf(job: EmulatedJob<I, O>, now = Date.now()): { state: EmulatedJobState; progress: number; position: number } {
    if (job.canceledAt !== undefined) return { state: 'canceled', progress: 0, position: 0 }
    const elapsed = now - job.createdAt
    if (elapsed < job.timing.queuedMs) {
      // Position counts down as the queue time passes, like a real queue.
      return { state: 'queued', progress: 0, position: Math.max(0, Math.ceil(((job.timing.queuedMs - elapsed) / Math.max(1, job.timing.queuedMs)) * 3) - 1) }
    }
    if (job.never || elapsed < job.timing.queuedMs + job.timing.runningMs) {
      const progress = job.never ? 0.5 : (elapsed - job.timing.queuedMs) / Math.max(1, job.timing.runningMs)
      return { state: 'running', progress: Math.min(0.99, Math.round(progress * 100) / 100), position: 0 }
    }
    return { state: job.failure ? 'failed' : 'succeeded', progress: 1, position: 0 }
  }

  /**
   * Milliseconds until the job's state, queue position or end may next differ from now: what a
   * push channel (a status stream) waits before it looks again. At least 1, at most 1 s.
   */
  nextChangeIn(job: EmulatedJob<I, O>, now = Date.now()): number {
    const elapsed = now - job.createdAt
    const { queuedMs, runningMs } = job.timing
    let wait: number
    if (elapsed < queuedMs) {
      // The position counts down in thirds of the queue time.
      const third = Math.max(1, queuedMs / 3)
      wait = Math.min(queuedMs - elapsed, third - (elapsed % third))
    } else if (job.never) wait = MAX_LOOK_MS
    else wait = queuedMs + runningMs - elapsed
    return Math.min(MAX_LOOK_MS, Math.max(1, Math.ceil(wait)))
  }

  /** Milliseconds until the job ends (0 when it has), or undefined for one that never does. */
  endsIn(job: EmulatedJob<I, O>, now = Date.now()): number | undefined {
    if (job.never) return undefined
    return Math.max(0, job.createdAt + job.timing.queuedMs + job.timing.runningMs - now)
  }

  /** Cancels a job; false when it had already finished. */
  cancel(job: EmulatedJob<I, O>): boolean {
    const { state } = this.stateOf(job)
    if (state === 'succeeded' || state === 'failed' || state === 'canceled') return false
    job.canceledAt = Date.now()
    return true
  }
}
