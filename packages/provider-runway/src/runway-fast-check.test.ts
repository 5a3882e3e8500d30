import nock from 'nock'
import { type Clock, LLMKitClient, systemClock } from '@llmkit/core'
import { describe, expect, it } from 'vitest'
import { useNock } from '../../../test/nock.js'
import { runway } from './index.js'

const BASE = 'https://api.runway.test'
const KEY = `key_${'ab'.repeat(64)}`
const TASK = '17f20503-6c24-4c16-946b-35dbbce2af2f'
const OUTPUT = 'https://dnznrvs05pmza.cloudfront.net/out-0.png'

/** Waits the core asks for, recorded; time is real so requests behave as on the wire. */
function recordingClock(): Clock & { sleeps: number[] } {
  const sleeps: number[] = []
  return { sleeps, now: () => systemClock.now(), sleep: (ms, signal) => (sleeps.push(ms), systemClock.sleep(ms, signal)) }
}

useNock()

describe('Runway polling cadence', () => {
  it('checks a task right after the submit, so one that is ready at once never waits the 5 s interval', async () => {
    const scope = nock(BASE)
      .post('/v1/text_to_image')
      .reply(200, { id: TASK })
      .get(`/v1/tasks/${TASK}`)
      .reply(200, { id: TASK, status: 'SUCCEEDED', output: [OUTPUT] })
    const clock = recordingClock()
    const client = new LLMKitClient({ providers: [runway()], env: { RUNWAYML_API_SECRET: KEY, RUNWAYML_BASE_URL: BASE }, clock })
    const response = await client.generateImage({ model: 'gen4_image', prompt: 'a lighthouse', size: '1920x1080' })
    expect(response.first()).toMatchObject({ url: OUTPUT })
    expect(scope.isDone()).toBe(true)
    // Only the job deadline's own timer: no poll interval was waited.
    expect(clock.sleeps).toStrictEqual([600_000])
  })

  it('then follows the documented 5 s cadence, stretching to 10 s while nothing changes', async () => {
    const scope = nock(BASE)
      .post('/v1/text_to_image')
      .reply(200, { id: TASK })
      .get(`/v1/tasks/${TASK}`)
      .times(3)
      .reply(200, { id: TASK, status: 'PENDING' })
      .get(`/v1/tasks/${TASK}`)
      .reply(200, { id: TASK, status: 'SUCCEEDED', output: [OUTPUT] })
    const sleeps: number[] = []
    // Poll waits end at once (the cadence is read from what the core asked for); the job deadline never comes.
    const clock: Clock = {
      now: () => systemClock.now(),
      sleep: (ms, signal) => {
        sleeps.push(ms)
        if (ms < 60_000) return Promise.resolve()
        return new Promise((_resolve, reject) => signal?.addEventListener('abort', () => reject(signal.reason as Error), { once: true }))
      },
    }
    const client = new LLMKitClient({ providers: [runway()], env: { RUNWAYML_API_SECRET: KEY, RUNWAYML_BASE_URL: BASE }, clock, jobTimeoutMs: 60_000 })
    await client.generateImage({ model: 'gen4_image', prompt: 'a lighthouse', size: '1920x1080' })
    expect(scope.isDone()).toBe(true)
    expect(sleeps).toStrictEqual([60_000, 5_000, 7_500, 10_000])
  })
})
