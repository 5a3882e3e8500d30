import { describe, expect, it } from 'vitest'
import { AbortError, NetworkError, ProviderError } from '../errors.js'
import type { Clock } from '../logger.js'
import { withDownloadRetry } from './download-retry.js'

const settings = { maxAttempts: 3, initialDelayMs: 100, maxDelayMs: 1000, random: () => 0.5 }

/** A clock that records each wait instead of waiting. */
function recordingClock(): Clock & { waits: number[] } {
  const waits: number[] = []
  return { waits, now: () => 0, sleep: async (ms) => void waits.push(ms) }
}

describe('withDownloadRetry', () => {
  it('tries a retryable failure again, with the host hint first, then backoff, and returns the success', async () => {
    const clock = recordingClock()
    const failures = [new NetworkError('503', { status: 503, retryable: true, retryAfterMs: 2000 }), new NetworkError('reset', { retryable: true })]
    let calls = 0
    const result = await withDownloadRetry(
      async () => {
        calls++
        const failure = failures.shift()
        if (failure) throw failure
        return 'bytes'
      },
      settings,
      { clock },
    )
    expect(result).toBe('bytes')
    expect(calls).toBe(3)
    // Retry-After wins; then full jitter within 100 * 2^(2-1) = 200 ms, at random 0.5.
    expect(clock.waits).toStrictEqual([2000, 100])
  })

  it('stops at maxAttempts and throws the last failure; never retries a non-retryable one', async () => {
    const clock = recordingClock()
    let calls = 0
    const always = new NetworkError('503', { retryable: true })
    await expect(withDownloadRetry(async () => (calls++, Promise.reject(always)), settings, { clock })).rejects.toBe(always)
    expect(calls).toBe(3)

    calls = 0
    const notAnImage = new ProviderError('html', { retryable: false })
    await expect(withDownloadRetry(async () => (calls++, Promise.reject(notAnImage)), settings, { clock })).rejects.toBe(notAnImage)
    expect(calls).toBe(1)
  })

  it('ends a wait with an AbortError when the signal aborts, without another try; a failure after an abort is the AbortError too', async () => {
    const controller = new AbortController()
    let calls = 0
    let waiting: () => void = () => {}
    const waited = new Promise<void>((resolve) => (waiting = resolve))
    const clock: Clock = {
      now: () => 0,
      sleep: (_ms, signal) =>
        new Promise((_resolve, reject) => {
          signal?.addEventListener('abort', () => reject(new Error('aborted')), { once: true })
          waiting()
        }),
    }
    const pending = withDownloadRetry(async () => (calls++, Promise.reject(new NetworkError('503', { retryable: true }))), settings, { clock, signal: controller.signal })
    await waited
    controller.abort()
    await expect(pending).rejects.toBeInstanceOf(AbortError)
    expect(calls).toBe(1)

    const gone = new AbortController()
    gone.abort()
    await expect(withDownloadRetry(() => Promise.reject(new NetworkError('reset', { retryable: true })), settings, { signal: gone.signal })).rejects.toBeInstanceOf(AbortError)
  })
})
