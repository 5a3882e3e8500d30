import { type Clock, LLMKitClient, systemClock } from '@llmkit/core'
import { RUNWAY_TRIGGERS } from '@llmkit/emulator'
import { describe, expect, inject, it } from 'vitest'
import { runway } from '../../src/index.js'

describe('Runway fast first check through the emulator', () => {
  it('returns a task that is ready at once after one status request, without waiting the 5 s interval', async () => {
    const from = (((await (await fetch(`${inject('emulatorUrl')}/__emulator/log`)).json()) as { entries: { seq: number }[] }).entries.at(-1)?.seq ?? 0)
    const sleeps: number[] = []
    const clock: Clock = { now: () => systemClock.now(), sleep: (ms, signal) => (sleeps.push(ms), systemClock.sleep(ms, signal)) }
    // The production cadence (5 s): only the first check may be fast.
    const response = await new LLMKitClient({ providers: [runway()], clock }).generateImage({ model: 'gen4_image', prompt: `a lighthouse ${RUNWAY_TRIGGERS.instant}`, size: '1920x1080' })
    expect(response.count).toBe(1)
    const { entries } = (await (await fetch(`${inject('emulatorUrl')}/__emulator/log`)).json()) as { entries: { seq: number; method: string; path: string }[] }
    const seen = entries.filter((e) => e.seq > from && !e.path.startsWith('/files/')).map((e) => `${e.method} ${e.path.replace(/tasks\/.+$/, 'tasks/:id')}`)
    expect(seen).toStrictEqual(['POST /runway/v1/text_to_image', 'GET /runway/v1/tasks/:id'])
    expect(sleeps.filter((ms) => ms < 600_000)).toStrictEqual([])
  })
})
