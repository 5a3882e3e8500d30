import { describe, expect, it, vi } from 'vitest'
import { AbortError, ContentPolicyError, JobFailedError, LLMKitError, NetworkError, ProviderError, RateLimitError, TimeoutError } from '../errors.js'
import type { Clock, Logger } from '../logger.js'
import type { ProgressEvent } from '../progress.js'
import { DEFAULT_JOB_OPTIONS, createJobRunner, type JobRunnerOptions, type JobSnapshot, type JobSpec, type JobStreamOpener, pendingCancellations } from './poll-job.js'

/** A clock whose time moves only when every pending promise has settled and a timer is due. */
class FakeClock implements Clock {
  time = 1_000_000
  readonly sleeps: number[] = []
  readonly #timers: { at: number; resolve: () => void }[] = []

  now(): number {
    return this.time
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(ms)
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason)
        return
      }
      const timer = { at: this.time + ms, resolve: () => resolve() }
      this.#timers.push(timer)
      signal?.addEventListener(
        'abort',
        () => {
          this.#timers.splice(this.#timers.indexOf(timer), 1)
          reject(signal.reason)
        },
        { once: true },
      )
    })
  }

  /** Waits between polls, without the job deadline's own timer (the first sleep) or a status stream's open timeout. */
  get pollWaits(): number[] {
    return this.sleeps.slice(1).filter((ms) => ms !== DEFAULT_JOB_OPTIONS.streamOpenTimeoutMs)
  }

  /** Settles `promise`, firing timers in time order whenever nothing else can move. */
  async run<T>(promise: Promise<T>): Promise<T> {
    let settled = false
    const tracked = promise.finally(() => {
      settled = true
    })
    tracked.catch(() => {})
    for (let i = 0; i < 10_000; i++) {
      await new Promise((r) => setImmediate(r))
      if (settled) return tracked
      this.#timers.sort((a, b) => a.at - b.at)
      const next = this.#timers.shift()
      if (!next) throw new Error('deadlock: the job waits on something other than the clock')
      this.time = Math.max(this.time, next.at)
      next.resolve()
    }
    throw new Error('the job never settled')
  }
}

type Step = JobSnapshot<string> | Error | 'hang'

/** A provider job whose polls answer from a script (the last step repeats). */
function scripted(steps: Step[], extra: Partial<JobSpec<string>> & { first?: JobSnapshot<string> } = {}) {
  const calls: string[] = []
  const cancelled: string[] = []
  let i = 0
  const spec: JobSpec<string> = {
    provider: 'acme',
    model: 'acme/model',
    submit: async () => {
      calls.push('submit')
      return { id: 'job-1', snapshot: extra.first }
    },
    poll: (id, signal) => {
      calls.push(`poll ${id}`)
      const step = steps[Math.min(i++, steps.length - 1)]!
      if (step === 'hang') {
        return new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new AbortError('aborted')), { once: true }))
      }
      return step instanceof Error ? Promise.reject(step) : Promise.resolve(step)
    },
    cancel: async (id) => {
      cancelled.push(id)
    },
    ...extra,
  }
  return { spec, calls, cancelled }
}

function setup(options: Partial<JobRunnerOptions> = {}) {
  const clock = new FakeClock()
  const logger: Logger = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() }
  const runner = createJobRunner({ clock, logger, ...options })
  const events: ProgressEvent[] = []
  const onProgress = (e: ProgressEvent) => events.push(e)
  return { clock, logger, runner, events, onProgress }
}

const never = new AbortController().signal
const succeeded = (result = 'image'): JobSnapshot<string> => ({ state: 'succeeded', result })
const transient = () => new ProviderError('acme: upstream 503', { status: 503 })

describe('createJobRunner', () => {
  it('reports queued, running and completed in order, once per change of state, position or progress', async () => {
    const { clock, runner, events, onProgress } = setup()
    const { spec } = scripted(
      [
        { state: 'queued', position: 2 },
        { state: 'queued', position: 1 },
        { state: 'running', progress: 0.5 },
        { state: 'running', progress: 0.5 },
        { state: 'running' },
        succeeded(),
      ],
      { first: { state: 'queued', position: 2 } },
    )
    await expect(clock.run(runner.run(spec, { signal: never, onProgress }))).resolves.toBe('image')
    expect(events.map(({ type, position, progress }) => ({ type, position, progress }))).toStrictEqual([
      { type: 'submitted', position: undefined, progress: undefined },
      { type: 'queued', position: 2, progress: undefined },
      { type: 'queued', position: 1, progress: undefined },
      { type: 'running', position: undefined, progress: 0.5 },
      { type: 'running', position: undefined, progress: undefined },
      { type: 'completed', position: undefined, progress: 1 },
    ])
    for (const e of events) expect(e).toMatchObject({ provider: 'acme', model: 'acme/model', jobId: 'job-1' })
    const elapsed = events.map((e) => e.elapsedMs)
    expect(elapsed).toStrictEqual([...elapsed].sort((a, b) => a - b))
    expect(elapsed[0]).toBe(0)
  })

  it('returns at once when the submit answer already holds the result', async () => {
    const { clock, runner, events, onProgress } = setup()
    const { spec, calls } = scripted([], { first: succeeded('early') })
    await expect(clock.run(runner.run(spec, { signal: never, onProgress }))).resolves.toBe('early')
    expect(calls).toStrictEqual(['submit'])
    expect(events.map((e) => e.type)).toStrictEqual(['submitted', 'completed'])
  })

  it('checks once right after the submit, then backs off by 1.5x while nothing changes, resets on a change, and caps at the provider maximum', async () => {
    const { clock, runner } = setup()
    const same: JobSnapshot<string> = { state: 'running', progress: 0.1 }
    const { spec } = scripted([same, same, same, same, { state: 'running', progress: 0.2 }, succeeded()], { first: same, maxPollIntervalMs: 1_500 })
    await clock.run(runner.run(spec, { signal: never }))
    // The fast first check has no wait, and its unchanged answer does not start the backoff.
    expect(clock.pollWaits).toStrictEqual([500, 750, 1125, 1500, 500])
  })

  it("starts from the provider's poll interval and follows its per-snapshot hint, within bounds", async () => {
    const { clock, runner } = setup()
    const { spec } = scripted(
      [
        { state: 'queued' },
        { state: 'running', pollAfterMs: 3_000 },
        { state: 'running', progress: 0.3, pollAfterMs: 0 },
        { state: 'running', progress: 0.4, pollAfterMs: 10 * 60_000 },
        succeeded(),
      ],
      { pollIntervalMs: 2_000 },
    )
    await clock.run(runner.run(spec, { signal: never }))
    expect(clock.pollWaits).toStrictEqual([2_000, 3_000, 100, 60_000])
  })

  it('polls again after transient errors, honoring a 429 retry-after, then succeeds', async () => {
    const { clock, runner, logger, events, onProgress } = setup()
    const limited = new RateLimitError('acme: rate limit or quota reached (429)', { status: 429, retryAfterMs: 4_000 })
    const { spec, cancelled } = scripted([transient(), limited, new NetworkError('reset'), { state: 'running' }, succeeded()])
    await expect(clock.run(runner.run(spec, { signal: never, onProgress }))).resolves.toBe('image')
    // The fast first check fails at once; the retries back off from there.
    expect(clock.pollWaits).toStrictEqual([750, 4_000, 1687.5, 500])
    expect(logger.warn).toHaveBeenCalledTimes(3)
    expect(cancelled).toStrictEqual([])
    // A failed status request is not an observation: no invented "queued" event.
    expect(events.map((e) => e.type)).toStrictEqual(['submitted', 'running', 'completed'])
  })

  it('gives up after maxPollFailures consecutive transient errors, cancels the job and throws a non-retryable error', async () => {
    const { clock, runner, events, onProgress } = setup({ maxPollFailures: 3 })
    const { spec, calls, cancelled } = scripted([transient()])
    const error = await clock.run(runner.run(spec, { signal: never, onProgress })).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ProviderError)
    expect(error).toMatchObject({ retryable: false, code: 'LLMKIT_PROVIDER', status: 503 })
    expect(calls.filter((c) => c.startsWith('poll'))).toHaveLength(3)
    expect(cancelled).toStrictEqual(['job-1'])
    expect(events.at(-1)?.type).toBe('failed')
  })

  it('stops at the first non-retryable poll error', async () => {
    const { clock, runner } = setup()
    const { spec, calls } = scripted([new LLMKitError('acme: 404 job not found', { status: 404 })])
    await expect(clock.run(runner.run(spec, { signal: never }))).rejects.toMatchObject({ status: 404, code: 'LLMKIT_ERROR' })
    expect(calls).toStrictEqual(['submit', 'poll job-1'])
  })

  it('throws a TimeoutError naming the job id when the job never finishes, after cancelling it', async () => {
    const { clock, runner, events, onProgress } = setup()
    const { spec, cancelled } = scripted([{ state: 'running', progress: 0.5 }])
    const error = await clock.run(runner.run(spec, { signal: never, timeoutMs: 5_000, onProgress })).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TimeoutError)
    expect(error).toMatchObject({ code: 'LLMKIT_TIMEOUT', retryable: false, requestId: 'job-1', provider: 'acme', model: 'acme/model' })
    expect((error as Error).message).toContain('job job-1')
    expect((error as Error).message).toContain('5000 ms')
    expect(cancelled).toStrictEqual(['job-1'])
    expect(clock.pollWaits.reduce((a, b) => a + b, 0)).toBe(5_000)
    expect(events.at(-1)?.type).toBe('failed')
  })

  it('uses the runner default deadline when the call gives none', async () => {
    const { clock, runner } = setup({ timeoutMs: 2_000 })
    const { spec } = scripted([{ state: 'queued' }])
    await expect(clock.run(runner.run(spec, { signal: never }))).rejects.toBeInstanceOf(TimeoutError)
    expect(clock.sleeps[0]).toBe(2_000)
  })

  it('cuts a status request still in flight at the deadline, so no late result slips through', async () => {
    const { clock, runner } = setup()
    const { spec, cancelled } = scripted(['hang', succeeded()])
    await expect(clock.run(runner.run(spec, { signal: never, timeoutMs: 3_000 }))).rejects.toThrow(/job job-1 did not finish within 3000 ms/)
    expect(cancelled).toStrictEqual(['job-1'])
  })

  it('cancels the job remotely and throws AbortError when the caller aborts while waiting', async () => {
    const { clock, runner, events } = setup()
    const controller = new AbortController()
    const { spec, cancelled, calls } = scripted([{ state: 'running' }, succeeded()], { first: { state: 'queued', position: 0 } })
    const onProgress = (e: ProgressEvent) => {
      events.push(e)
      if (e.type === 'running') controller.abort()
    }
    const error = await clock.run(runner.run(spec, { signal: controller.signal, onProgress })).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AbortError)
    // The job was accepted: the error names it and says it may have been charged.
    expect(error).toMatchObject({ code: 'LLMKIT_ABORT', retryable: false, requestId: 'job-1', mayHaveBeenCharged: true })
    expect(cancelled).toStrictEqual(['job-1'])
    expect(calls).toStrictEqual(['submit', 'poll job-1'])
    expect(events.map((e) => e.type)).toStrictEqual(['submitted', 'queued', 'running', 'cancelled'])
  })

  it('cancels the job when the caller aborts during a status request', async () => {
    const { clock, runner } = setup()
    const controller = new AbortController()
    const { spec, cancelled } = scripted([])
    spec.poll = (_id, signal) => {
      // The caller gives up while the status request is on the wire.
      queueMicrotask(() => controller.abort())
      return new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new AbortError('aborted')), { once: true }))
    }
    await expect(clock.run(runner.run(spec, { signal: controller.signal }))).rejects.toBeInstanceOf(AbortError)
    expect(cancelled).toStrictEqual(['job-1'])
  })

  it("passes an llmkit abort reason through (e.g. the timeout middleware's), never as retryable", async () => {
    const { clock, runner } = setup()
    const controller = new AbortController()
    const { spec, cancelled } = scripted([{ state: 'running' }])
    const run = runner.run(spec, { signal: controller.signal })
    controller.abort(new TimeoutError('attempt deadline', { retryable: true }))
    await expect(clock.run(run)).rejects.toMatchObject({ name: 'TimeoutError', message: 'attempt deadline', retryable: false })
    expect(cancelled).toStrictEqual(['job-1'])
  })

  it('does not submit when the signal is already aborted', async () => {
    const { clock, runner } = setup()
    const controller = new AbortController()
    controller.abort()
    const { spec, calls } = scripted([succeeded()])
    await expect(clock.run(runner.run(spec, { signal: controller.signal }))).rejects.toBeInstanceOf(AbortError)
    expect(calls).toStrictEqual([])
  })

  it('makes a failed job error non-retryable, keeping its class, code, message and cause', async () => {
    const { clock, runner, events, onProgress } = setup()
    const original = new ProviderError('acme acme/model: GPU fell over (500)', { status: 500, requestId: 'job-1', providerCode: 'gpu' })
    const { spec, cancelled } = scripted([{ state: 'failed', error: original }])
    const error = (await clock.run(runner.run(spec, { signal: never, onProgress })).catch((e: unknown) => e)) as LLMKitError
    expect(error).toBeInstanceOf(ProviderError)
    expect(error).toMatchObject({ code: 'LLMKIT_PROVIDER', retryable: false, message: original.message, status: 500, providerCode: 'gpu', requestId: 'job-1' })
    expect(error.cause).toBe(original)
    expect(cancelled).toStrictEqual([])
    expect(events.map((e) => e.type)).toStrictEqual(['submitted', 'failed'])
  })

  it('passes a content-policy failure through as it is', async () => {
    const { clock, runner } = setup()
    const blocked = new ContentPolicyError('acme acme/model: blocked')
    const { spec } = scripted([{ state: 'failed', error: blocked }])
    await expect(clock.run(runner.run(spec, { signal: never }))).rejects.toBe(blocked)
  })

  it.each([
    ['failed', /job job-1 failed/],
    ['canceled', /job job-1 was cancelled by the provider/],
  ] as const)('throws JobFailedError naming the job when a %s job gives no reason', async (state, message) => {
    const { clock, runner } = setup()
    const { spec } = scripted([{ state }])
    const error = await clock.run(runner.run(spec, { signal: never })).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(JobFailedError)
    expect(error).toMatchObject({ code: 'LLMKIT_JOB_FAILED', retryable: false, requestId: 'job-1' })
    expect((error as Error).message).toMatch(message)
  })

  it('throws JobFailedError when a job succeeds without output', async () => {
    const { clock, runner } = setup()
    const { spec } = scripted([{ state: 'succeeded' }])
    await expect(clock.run(runner.run(spec, { signal: never }))).rejects.toThrow(/job job-1 succeeded without output/)
  })

  it('passes a submit failure through unchanged, retryable as it was, and never polls', async () => {
    const { clock, runner, events, onProgress } = setup()
    const limited = new RateLimitError('acme: rate limit or quota reached (429)', { status: 429, retryAfterMs: 1_000 })
    const { spec, calls } = scripted([succeeded()], { submit: () => Promise.reject(limited) })
    await expect(clock.run(runner.run(spec, { signal: never, onProgress }))).rejects.toBe(limited)
    expect(limited.retryable).toBe(true)
    expect(calls).toStrictEqual([])
    expect(events).toStrictEqual([])
  })

  it('ignores a progress listener that throws', async () => {
    const { clock, runner } = setup()
    const { spec } = scripted([{ state: 'running' }, succeeded()])
    const onProgress = () => {
      throw new Error('listener bug')
    }
    await expect(clock.run(runner.run(spec, { signal: never, onProgress }))).resolves.toBe('image')
  })

  it('logs a failed remote cancel and still throws the timeout', async () => {
    const { clock, runner, logger } = setup()
    const { spec } = scripted([{ state: 'running' }], { cancel: () => Promise.reject(new Error('cancel refused')) })
    await expect(clock.run(runner.run(spec, { signal: never, timeoutMs: 1_000 }))).rejects.toBeInstanceOf(TimeoutError)
    expect(logger.warn).toHaveBeenCalledWith(expect.objectContaining({ event: 'job.cancel_failed', jobId: 'job-1', reason: 'timeout' }), 'could not cancel job')
  })

  it('treats a garbled status answer (a ProviderError or a parser error) as transient and polls again', async () => {
    const { clock, runner, logger } = setup()
    const garbled = new ProviderError('acme: unexpected status shape', { retryable: false })
    const { spec, calls } = scripted([garbled, new TypeError("Cannot read properties of undefined (reading 'status')"), succeeded()])
    await expect(clock.run(runner.run(spec, { signal: never }))).resolves.toBe('image')
    expect(calls.filter((c) => c.startsWith('poll'))).toHaveLength(3)
    expect(calls.filter((c) => c === 'submit')).toHaveLength(1)
    expect(logger.warn).toHaveBeenCalledWith(expect.objectContaining({ event: 'job.poll_retry', failures: 2 }), 'status request failed; polling again')
  })

  it('gives up on a status that stays garbled with a non-retryable ProviderError naming the job', async () => {
    const { clock, runner } = setup({ maxPollFailures: 2 })
    const { spec, cancelled } = scripted([new SyntaxError('Unexpected token < in JSON')])
    const error = await clock.run(runner.run(spec, { signal: never })).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ProviderError)
    expect(error).toMatchObject({ retryable: false, requestId: 'job-1' })
    expect((error as Error).message).toMatch(/unreadable status of job job-1/)
    expect(cancelled).toStrictEqual(['job-1'])
  })

  it('bounds the submit with submitSignal only; polling the accepted job ignores it', async () => {
    const { clock, runner } = setup()
    const attempt = new AbortController()
    const { spec } = scripted([{ state: 'running' }, succeeded()])
    const submit = spec.submit
    spec.submit = async (signal) => {
      const job = await submit(signal)
      // The attempt deadline fires once the job was accepted: it no longer applies.
      attempt.abort(new TimeoutError('attempt 1 did not finish'))
      return job
    }
    await expect(clock.run(runner.run(spec, { signal: never, submitSignal: attempt.signal }))).resolves.toBe('image')
  })

  it('gives up a hung submit when submitSignal fires, with its reason as is (retryable)', async () => {
    const { clock, runner } = setup()
    const attempt = new AbortController()
    const { spec, calls } = scripted([succeeded()])
    spec.submit = (signal) =>
      new Promise((_resolve, reject) => {
        calls.push('submit')
        signal.addEventListener('abort', () => reject(signal.reason), { once: true })
        queueMicrotask(() => attempt.abort(new TimeoutError('the submit of attempt 1 got no answer within 1000 ms')))
      })
    const error = await clock.run(runner.run(spec, { signal: never, submitSignal: attempt.signal })).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TimeoutError)
    expect(error).toMatchObject({ retryable: true })
    expect(calls).toStrictEqual(['submit'])
  })

  it('reads the job deadline from jobTimeoutMs, the CallOptions field providers pass whole', async () => {
    const { clock, runner } = setup()
    const { spec } = scripted([{ state: 'running' }])
    const error = await clock.run(runner.run(spec, { signal: never, jobTimeoutMs: 2_000 })).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TimeoutError)
    expect((error as Error).message).toMatch(/within 2000 ms/)
  })

  it('rejects an abort at once while a slow remote cancel goes on in the background', async () => {
    const { runner, logger } = setup()
    const controller = new AbortController()
    let finishCancel: () => void = () => {}
    let cancelSignal: AbortSignal | undefined
    const { spec } = scripted(['hang'], {
      cancel: (_id, signal) => {
        cancelSignal = signal
        return new Promise<void>((resolve) => (finishCancel = resolve))
      },
    })
    const pending = runner.run(spec, { signal: controller.signal }).catch((e: unknown) => e)
    await new Promise((r) => setImmediate(r))
    controller.abort()
    const error = await pending
    expect(error).toBeInstanceOf(AbortError)
    expect((error as Error).message).toMatch(/cancel of job job-1 requested/)
    // The cancel was requested, is still running, and has its own deadline.
    expect(cancelSignal).toBeDefined()
    let drained = false
    const waiting = pendingCancellations().then(() => (drained = true))
    await new Promise((r) => setImmediate(r))
    expect(drained).toBe(false)
    finishCancel()
    await waiting
    expect(logger.info).toHaveBeenCalledWith(expect.objectContaining({ event: 'job.cancelled', jobId: 'job-1', reason: 'abort' }), 'job cancelled')
  })

  it('logs a background cancel that fails, never as an unhandled rejection', async () => {
    const { runner, logger } = setup()
    const controller = new AbortController()
    const unhandled: unknown[] = []
    const onUnhandled = (reason: unknown) => unhandled.push(reason)
    process.on('unhandledRejection', onUnhandled)
    try {
      const { spec } = scripted(['hang'], {
        cancel: () => {
          throw new Error('cancel endpoint down')
        },
      })
      const pending = runner.run(spec, { signal: controller.signal }).catch((e: unknown) => e)
      await new Promise((r) => setImmediate(r))
      controller.abort()
      expect(await pending).toBeInstanceOf(AbortError)
      await pendingCancellations()
      await new Promise((r) => setImmediate(r))
      expect(logger.warn).toHaveBeenCalledWith(expect.objectContaining({ event: 'job.cancel_failed', reason: 'abort' }), 'could not cancel job')
      expect(unhandled).toStrictEqual([])
    } finally {
      process.off('unhandledRejection', onUnhandled)
    }
  })

  it('says no cancel was requested when the provider has no cancel endpoint', async () => {
    const { runner, events, onProgress } = setup()
    const controller = new AbortController()
    const { spec } = scripted(['hang'], { cancel: undefined })
    const pending = runner.run(spec, { signal: controller.signal, onProgress }).catch((e: unknown) => e)
    await new Promise((r) => setImmediate(r))
    controller.abort()
    const error = await pending
    expect((error as Error).message).toMatch(/cannot be cancelled/)
    expect(events.map((e) => e.type)).toStrictEqual(['submitted', 'failed'])
  })

  it('cancels a submit that a provider ignoring its signal got accepted after it was given up', async () => {
    const { runner, logger } = setup()
    const controller = new AbortController()
    let accept: () => void = () => {}
    const { spec, cancelled } = scripted([succeeded()])
    spec.submit = () => new Promise((resolve) => (accept = () => resolve({ id: 'late-job' })))
    const pending = runner.run(spec, { signal: controller.signal }).catch((e: unknown) => e)
    controller.abort()
    expect(await pending).toBeInstanceOf(AbortError)
    accept()
    await vi.waitFor(() => expect(cancelled).toStrictEqual(['late-job']))
    expect(logger.warn).toHaveBeenCalledWith(expect.objectContaining({ event: 'job.late_submit', jobId: 'late-job' }), expect.any(String))
  })

  it('keeps a submit given up on in pendingCancellations() until its late job id is known and cancelled', async () => {
    const { runner } = setup()
    const controller = new AbortController()
    let accept: () => void = () => {}
    const { spec, cancelled } = scripted([succeeded()])
    spec.submit = () => new Promise((resolve) => (accept = () => resolve({ id: 'held-job' })))
    const pending = runner.run(spec, { signal: controller.signal }).catch((e: unknown) => e)
    controller.abort()
    expect(await pending).toBeInstanceOf(AbortError)
    let drained = false
    const waiting = pendingCancellations().then(() => (drained = true))
    await new Promise((r) => setTimeout(r, 20))
    expect(drained).toBe(false)
    accept()
    await waiting
    expect(cancelled).toStrictEqual(['held-job'])
  })

  describe('fast first check', () => {
    it('returns a job that is ready at once after one status request, without any wait', async () => {
      const { clock, runner } = setup()
      const { spec, calls } = scripted([succeeded('at once')], { pollIntervalMs: 5_000 })
      await expect(clock.run(runner.run(spec, { signal: never }))).resolves.toBe('at once')
      expect(calls).toStrictEqual(['submit', 'poll job-1'])
      expect(clock.pollWaits).toStrictEqual([])
    })

    it("waits the provider's first delay, then its cadence", async () => {
      const { clock, runner } = setup()
      const { spec } = scripted([{ state: 'running' }, { state: 'running', progress: 0.5 }, succeeded()], { pollIntervalMs: 5_000, firstPollAfterMs: 200 })
      await clock.run(runner.run(spec, { signal: never }))
      expect(clock.pollWaits).toStrictEqual([200, 5_000, 5_000])
    })
  })

  describe('status stream', () => {
    /** An opener that answers every stream with `status` and the given SSE text chunks (undefined: hang until aborted). */
    function opener(status: number, chunks: (string | undefined)[] | Error) {
      const opened: { url: string; headers: Record<string, string> }[] = []
      const stream: JobStreamOpener = async (req, consume) => {
        opened.push({ url: req.url, headers: req.headers })
        if (chunks instanceof Error) throw chunks
        async function* body() {
          for (const chunk of chunks as (string | undefined)[]) {
            if (chunk === undefined) {
              await new Promise((_resolve, reject) => req.signal.addEventListener('abort', () => reject(new AbortError('stream aborted')), { once: true }))
            }
            yield chunk!
          }
        }
        return consume({ status, headers: { 'content-type': 'text/event-stream' }, body: body() })
      }
      return { stream, opened }
    }
    const parse = (event: { data: string }): JobSnapshot<string> | 'ended' | undefined => {
      const status = JSON.parse(event.data) as { status: string; position?: number }
      if (status.status === 'DONE') return 'ended'
      if (status.status === 'FAILED') return { state: 'failed' }
      return status.status === 'QUEUED' ? { state: 'queued', position: status.position } : { state: 'running' }
    }
    const statusStream = { url: (id: string) => `https://acme.test/jobs/${id}/stream`, headers: { authorization: 'Key k' }, parse }

    it('follows the stream, reports its events, and reads the outcome with one status request when it says the job ended', async () => {
      const { stream, opened } = opener(200, ['data: {"status":"QUEUED","position":1}\n\n: keep-alive\n\ndata: {"status":"RUN', 'NING"}\n\n', 'data: {"status":"DONE"}\n\n'])
      const { clock, runner, events, onProgress } = setup({ stream })
      const { spec, calls } = scripted([succeeded('streamed')], { statusStream })
      await expect(clock.run(runner.run(spec, { signal: never, onProgress }))).resolves.toBe('streamed')
      expect(opened).toStrictEqual([{ url: 'https://acme.test/jobs/job-1/stream', headers: { accept: 'text/event-stream', authorization: 'Key k' } }])
      expect(calls).toStrictEqual(['submit', 'poll job-1'])
      expect(clock.pollWaits).toStrictEqual([])
      expect(events.map(({ type, position }) => `${type}${position === undefined ? '' : position}`)).toStrictEqual(['submitted', 'queued1', 'running', 'completed'])
    })

    it("reads the outcome with the stream's own reader when it has one (fal: the result, no status request)", async () => {
      const { stream } = opener(200, ['data: {"status":"DONE"}\n\n'])
      const { clock, runner } = setup({ stream })
      const { spec, calls } = scripted([succeeded('polled')], {
        statusStream: {
          ...statusStream,
          outcome: async (id) => {
            calls.push(`outcome ${id}`)
            return succeeded('read')
          },
        },
      })
      await expect(clock.run(runner.run(spec, { signal: never }))).resolves.toBe('read')
      expect(calls).toStrictEqual(['submit', 'outcome job-1'])
    })

    it('returns a result the stream carries without any status request', async () => {
      const { stream } = opener(200, ['data: {"status":"RUNNING"}\n\n'])
      const { clock, runner } = setup({ stream })
      const { spec, calls } = scripted([], { statusStream: { url: statusStream.url, parse: (e) => (e.data.includes('RUNNING') ? succeeded('pushed') : undefined) } })
      await expect(clock.run(runner.run(spec, { signal: never }))).resolves.toBe('pushed')
      expect(calls).toStrictEqual(['submit'])
    })

    it('throws the job failure the stream reports, without polling', async () => {
      const { stream } = opener(200, ['data: {"status":"FAILED"}\n\n'])
      const { clock, runner } = setup({ stream })
      const { spec, calls } = scripted([succeeded()], { statusStream })
      await expect(clock.run(runner.run(spec, { signal: never }))).rejects.toMatchObject({ code: 'LLMKIT_JOB_FAILED', requestId: 'job-1', retryable: false })
      expect(calls).toStrictEqual(['submit'])
    })

    for (const [name, open] of [
      ['cannot be opened', () => opener(200, new NetworkError('connection refused'))],
      ['answers an error status', () => opener(500, [])],
      ['ends before the job did', () => opener(200, ['data: {"status":"RUNNING"}\n\n'])],
      ['sends an unreadable event', () => opener(200, ['data: {not json\n\n'])],
    ] as const) {
      it(`falls back to polling at once, never submitting again, when the stream ${name}`, async () => {
        const { stream } = open()
        const { clock, runner, logger } = setup({ stream })
        const { spec, calls } = scripted([{ state: 'running' }, succeeded('polled')], { statusStream })
        await expect(clock.run(runner.run(spec, { signal: never }))).resolves.toBe('polled')
        expect(calls).toStrictEqual(['submit', 'poll job-1', 'poll job-1'])
        expect(clock.pollWaits).toStrictEqual([500])
        expect(logger.warn).toHaveBeenCalledWith(expect.objectContaining({ event: 'job.stream_fallback', jobId: 'job-1' }), expect.any(String))
      })
    }

    it('falls back to polling when the stream does not answer within 10 s', async () => {
      const opened: string[] = []
      // Never answers: no response headers until the runner gives the request up.
      const stream: JobStreamOpener = (req) => {
        opened.push(req.url)
        return new Promise((_resolve, reject) => req.signal.addEventListener('abort', () => reject(new AbortError('stream request aborted')), { once: true }))
      }
      const { clock, runner, logger } = setup({ stream })
      const { spec, calls } = scripted([succeeded('polled')], { statusStream })
      await expect(clock.run(runner.run(spec, { signal: never }))).resolves.toBe('polled')
      expect(opened).toHaveLength(1)
      expect(calls).toStrictEqual(['submit', 'poll job-1'])
      expect(clock.sleeps).toContain(10_000)
      expect(logger.warn).toHaveBeenCalledWith(expect.objectContaining({ event: 'job.stream_fallback', reason: expect.stringMatching(/did not answer within 10000 ms/) }), expect.any(String))
    })

    it('cancels the job and throws AbortError when the caller aborts while the stream is open', async () => {
      const { stream } = opener(200, ['data: {"status":"RUNNING"}\n\n', undefined])
      const { runner } = setup({ stream })
      const controller = new AbortController()
      const { spec, calls, cancelled } = scripted([succeeded()], { statusStream })
      const pending = runner.run(spec, { signal: controller.signal }).catch((e: unknown) => e)
      await new Promise((r) => setTimeout(r, 5))
      controller.abort()
      const error = await pending
      expect(error).toBeInstanceOf(AbortError)
      expect(error).toMatchObject({ requestId: 'job-1', mayHaveBeenCharged: true })
      expect(calls).toStrictEqual(['submit'])
      await pendingCancellations()
      expect(cancelled).toStrictEqual(['job-1'])
    })

    it('gives up at the job deadline while the stream is silent, with a TimeoutError', async () => {
      const { stream } = opener(200, [undefined])
      const { clock, runner } = setup({ stream })
      const { spec, cancelled } = scripted([{ state: 'running' }], { statusStream })
      await expect(clock.run(runner.run(spec, { signal: never, timeoutMs: 3_000 }))).rejects.toBeInstanceOf(TimeoutError)
      expect(cancelled).toStrictEqual(['job-1'])
    })

    it('polls as before when the runner has no stream opener', async () => {
      const { clock, runner } = setup()
      const { spec, calls } = scripted([succeeded()], { statusStream })
      await expect(clock.run(runner.run(spec, { signal: never }))).resolves.toBe('image')
      expect(calls).toStrictEqual(['submit', 'poll job-1'])
    })
  })

  describe('detached jobs (a webhook gets the outcome)', () => {
    it('leaves the job running on an abort and names its id in the AbortError', async () => {
      const { runner, events, onProgress } = setup()
      const controller = new AbortController()
      const { spec, cancelled } = scripted(['hang'], { detached: true })
      const pending = runner.run(spec, { signal: controller.signal, onProgress }).catch((e: unknown) => e)
      await new Promise((r) => setImmediate(r))
      controller.abort()
      const error = await pending
      expect(error).toBeInstanceOf(AbortError)
      expect(error).toMatchObject({ requestId: 'job-1', mayHaveBeenCharged: true })
      expect((error as Error).message).toMatch(/job job-1 goes on and reports to its webhook/)
      await pendingCancellations()
      expect(cancelled).toStrictEqual([])
      expect(events.map((e) => e.type)).toStrictEqual(['submitted', 'failed'])
    })

    it('leaves the job running at the deadline and after failed status requests', async () => {
      const { clock, runner } = setup({ maxPollFailures: 2 })
      const slow = scripted([{ state: 'running' }], { detached: true })
      const timeout = await clock.run(runner.run(slow.spec, { signal: never, timeoutMs: 2_000 })).catch((e: unknown) => e)
      expect(timeout).toBeInstanceOf(TimeoutError)
      expect((timeout as Error).message).toMatch(/it goes on and reports to its webhook/)
      const broken = scripted([transient()], { detached: true })
      await expect(clock.run(runner.run(broken.spec, { signal: never }))).rejects.toMatchObject({ requestId: undefined, status: 503, retryable: false })
      await pendingCancellations()
      expect([...slow.cancelled, ...broken.cancelled]).toStrictEqual([])
    })
  })

  it('rejects bad options with a TypeError naming the option', async () => {
    const clock = new FakeClock()
    const logger: Logger = { debug() {}, info() {}, warn() {}, error() {} }
    expect(() => createJobRunner({ clock, logger, timeoutMs: -1 })).toThrow(/`timeoutMs`/)
    expect(() => createJobRunner({ clock, logger, maxPollFailures: 0 })).toThrow(/`maxPollFailures`/)
    const { spec } = scripted([succeeded()])
    await expect(createJobRunner({ clock, logger }).run(spec, { signal: never, timeoutMs: Number.NaN })).rejects.toThrow(TypeError)
    await expect(createJobRunner({ clock, logger }).run({ ...spec, firstPollAfterMs: -1 }, { signal: never })).rejects.toThrow(/`firstPollAfterMs`/)
  })
})
