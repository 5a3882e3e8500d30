import { type ChildProcess, fork } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { type RunningEmulator, startEmulator } from '@llmkit/emulator'
import { LLMKitClient } from '@llmkit/core'
import { openai } from '@llmkit/provider-openai'
import { createRedisState } from '../src/index.js'
import { type RedisServer, startRedisServer } from './redis-server.js'

/** The worker runs the built packages, as an application would (npm test builds them first). */
const WORKER = fileURLToPath(new URL('./workers/client-worker.mjs', import.meta.url))
const BUILT = ['../../core/dist/index.js', '../../provider-openai/dist/index.js', '../../provider-runway/dist/index.js', '../../provider-fal/dist/index.js', '../dist/index.js'].map((p) => fileURLToPath(new URL(p, import.meta.url)))

interface WorkerMessage {
  type: 'ready' | 'submitted' | 'done' | 'error'
  key?: string
  jobId?: string
  results?: { key?: string; error?: string; images?: { url?: string; b64?: string }[]; warnings?: unknown[] }[]
  pending?: number
  error?: string
  events?: Record<string, unknown>[]
  /** 'until-refused' mode: per loop, the images it got and the error that ended it. */
  lanes?: { images: number; error?: { name?: string; code?: string; reason?: string; message: string } }[]
}

interface Worker {
  child: ChildProcess
  messages: WorkerMessage[]
  /** Resolves with the final message ('done' or 'error'), or the signal that ended the process. */
  finished: Promise<WorkerMessage | { type: 'killed'; signal: string | null }>
}

let redis: RedisServer
let emulator: RunningEmulator
let prefixSeq = 0

function startWorker(config: Record<string, unknown>): Worker {
  // The pinned Node running vitest runs the workers too.
  const child = fork(WORKER, [JSON.stringify({ redisUrl: redis.url, env: emulator.env, ...config })], { execPath: process.execPath, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] })
  const messages: WorkerMessage[] = []
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()))
  const finished = new Promise<Worker['finished'] extends Promise<infer T> ? T : never>((resolve) => {
    let final: WorkerMessage | undefined
    child.on('message', (m: WorkerMessage) => {
      messages.push(m)
      if (m.type === 'done' || m.type === 'error') final = m
    })
    child.on('exit', (code, signal) => {
      if (final !== undefined) resolve(final)
      else if (signal !== null) resolve({ type: 'killed', signal })
      else resolve({ type: 'error', error: `worker exited with ${code} before reporting:\n${stderr}` })
    })
  })
  return { child, messages, finished }
}

async function done(worker: Worker): Promise<WorkerMessage> {
  const final = await worker.finished
  if (final.type !== 'done') throw new Error(`worker failed: ${JSON.stringify(final)}`)
  return final
}

const submissions = (path: string) => emulator.log.submissions().filter((e) => e.path === path)

beforeAll(async () => {
  for (const file of BUILT) if (!existsSync(file)) throw new Error(`${file} is missing: build the packages first (npm test builds them; or npx nx run-many -t build)`)
  redis = await startRedisServer()
  // imageVariety: the emulator renders each picture once; a render blocking its event loop would
  // delay the arrival times the rate-limit test measures.
  emulator = await startEmulator({ jobTiming: { queuedMs: 60, runningMs: 120 }, imageVariety: 1 })
  // Warm the emulator's paths (the first answer of each kind is the slow one), then forget it.
  const warm = new LLMKitClient({ providers: [openai()], env: emulator.env, rateLimit: false })
  await warm.generateImage({ model: 'dall-e-2', prompt: 'warm-up', size: '256x256' })
  await warm.generateImage({ model: 'dall-e-2', prompt: 'warm-up', size: '256x256', format: 'b64_json' })
})

afterAll(async () => {
  await emulator?.close()
  await redis?.close()
})

beforeEach(() => {
  emulator.log.clear()
  emulator.faults.clear()
})

describe('4 processes sharing one Redis', () => {
  it('never exceed the configured provider rate limit in any window, measured at the emulator', { timeout: 60_000 }, async () => {
    const limit = { requests: 4, intervalMs: 2_000 }
    const prefix = `rate${++prefixSeq}:`
    const workers = Array.from({ length: 4 }, (_, w) =>
      startWorker({
        mode: 'generate',
        prefix,
        limits: { openai: limit },
        // Requests leave one interval plus this margin apart, so network and timer jitter between
        // the processes cannot squeeze a fifth one into a window at the provider.
        marginMs: 400,
        waitForGo: true,
        calls: Array.from({ length: 4 }, (_, i) => ({ request: { model: 'dall-e-2', prompt: `rate w${w} c${i}`, size: '256x256' } })),
      }),
    )
    // Start together once every process has loaded, connected and made one unlimited warm-up
    // call: long-running servers, not cold starts, whose first request leaves late.
    await expect.poll(() => workers.every((w) => w.messages.some((m) => m.type === 'ready')), { timeout: 20_000, interval: 20 }).toBe(true)
    emulator.log.clear() // the workers' warm-up calls
    for (const w of workers) w.child.send('go')
    const finals = await Promise.all(workers.map(done))
    expect(finals.flatMap((f) => f.results ?? [])).toHaveLength(16)

    const arrivals = submissions('/openai/v1/images/generations')
      .map((e) => e.at)
      .sort((a, b) => a - b)
    expect(arrivals).toHaveLength(16)
    // At most `requests` arrivals in any window of `intervalMs`: the arrival `requests` places
    // later is always at least one interval after.
    for (let i = 0; i + limit.requests < arrivals.length; i++) expect(arrivals[i + limit.requests]! - arrivals[i]!).toBeGreaterThanOrEqual(limit.intervalMs)
  })

  it("a 429's Retry-After seen by one process holds the others too", { timeout: 60_000 }, async () => {
    const prefix = `hold${++prefixSeq}:`
    emulator.faults.inject({ pathPrefix: '/openai/v1/images/generations', bodyIncludes: 'hold first', status: 429, headers: { 'retry-after': '2' }, body: { error: { message: 'Rate limit reached', type: 'requests' } } })
    const first = startWorker({ mode: 'generate', prefix, calls: [{ request: { model: 'dall-e-2', prompt: 'hold first', size: '256x256' } }] })
    // The hold is in Redis once the first process saw the 429.
    const state = createRedisState({ url: redis.url, prefix })
    await state.ready()
    try {
      await expect.poll(async () => (await state.redis.keys(`${prefix}rate:openai*:blocked`)).length, { timeout: 10_000, interval: 50 }).toBe(1)
    } finally {
      await state.close()
    }
    const heldAt = Date.now()
    const second = startWorker({ mode: 'generate', prefix, calls: [{ request: { model: 'dall-e-2', prompt: 'hold second', size: '256x256' } }] })
    await Promise.all([done(first), done(second)])
    const log = emulator.log.submissions()
    const rejected = log.find((e) => e.prompt === 'hold first' && e.status === 429)!
    const secondArrival = log.find((e) => e.prompt === 'hold second')!
    // The second process never saw the 429, yet it waited for the Retry-After the first one got.
    expect(secondArrival.at - rejected.at).toBeGreaterThanOrEqual(1_900)
    expect(secondArrival.at).toBeGreaterThan(heldAt)
  })

  it('a cache entry written by one process is a hit in another, its image stored once', { timeout: 60_000 }, async () => {
    const prefix = `cache${++prefixSeq}:`
    const request = { model: 'dall-e-2', prompt: 'cached fox', size: '256x256', format: 'b64_json' }
    const writer = await done(startWorker({ mode: 'generate', prefix, cache: true, calls: [{ request }] }))
    expect(submissions('/openai/v1/images/generations')).toHaveLength(1)
    const reader = await done(startWorker({ mode: 'generate', prefix, cache: true, calls: [{ request }] }))
    // No second request reached the provider: the second process was served from Redis.
    expect(submissions('/openai/v1/images/generations')).toHaveLength(1)
    expect(reader.results![0]!.images).toEqual(writer.results![0]!.images)
    expect(reader.results![0]!.images![0]!.b64!.length).toBeGreaterThan(100)
    const state = createRedisState({ url: redis.url, prefix })
    await state.ready()
    try {
      expect(await state.redis.keys(`${prefix}blob:*`)).toHaveLength(1)
    } finally {
      await state.close()
    }
  })
})

describe('one budget shared by 4 processes', () => {
  it('stops every process at the limit (within one call\'s cost), with no request sent after a refusal', { timeout: 60_000 }, async () => {
    const prefix = `budget${++prefixSeq}:`
    const request = { model: 'dall-e-2', prompt: 'budget fox', size: '256x256' }
    const pricing = new LLMKitClient({ providers: [openai()], env: emulator.env, rateLimit: false })
    const estimate = await pricing.estimateCost(request)
    expect(estimate.calls).toBe(1)
    const perCallMicros = Math.round(estimate.usd! * 1e6)
    expect(perCallMicros).toBeGreaterThan(0)
    // Thirty and a half calls' worth: the limit falls between two calls, so the last reservation
    // that would cross it must be refused rather than let through.
    const limitMicros = perCallMicros * 30 + Math.floor(perCallMicros / 2)
    const budget = { limitUsd: limitMicros / 1e6, name: 'shared-images' }
    const workers = Array.from({ length: 4 }, () =>
      // Two loops per process, so reservations race inside each process as well as across them.
      startWorker({ mode: 'until-refused', prefix, budget, request, lanes: 2, maxCalls: 200, waitForGo: true }),
    )
    await expect.poll(() => workers.every((w) => w.messages.some((m) => m.type === 'ready')), { timeout: 20_000, interval: 20 }).toBe(true)
    emulator.log.clear() // the workers' warm-up calls, made without the budget
    for (const w of workers) w.child.send('go')
    const finals = await Promise.all(workers.map(done))

    const state = createRedisState({ url: redis.url, prefix })
    await state.ready()
    let spentMicros: number
    try {
      spentMicros = Math.round((await state.budgetStore.spent(budget.name)) * 1e6)
    } finally {
      await state.close()
    }
    expect(spentMicros).toBeLessThanOrEqual(limitMicros)
    expect(spentMicros).toBeGreaterThanOrEqual(limitMicros - perCallMicros)

    const lanes = finals.flatMap((f) => f.lanes ?? [])
    expect(lanes).toHaveLength(8)
    // Every loop of every process ended refused by the budget, none by the maxCalls bound.
    for (const lane of lanes) expect(lane.error).toMatchObject({ name: 'BudgetExceededError', code: 'LLMKIT_BUDGET_EXCEEDED' })
    const images = lanes.reduce((sum, lane) => sum + lane.images, 0)
    expect(images * perCallMicros).toBe(spentMicros)
    expect(images).toBe(30)

    // The provider saw exactly the paid calls: a refused call never left its process.
    const sent = submissions('/openai/v1/images/generations')
    expect(sent).toHaveLength(images)
    expect(sent.every((e) => e.prompt === 'budget fox' && e.status === 200)).toBe(true)
  })
})

describe('job journal across processes', () => {
  it('a process killed with SIGKILL while its async jobs run leaves jobs another process finishes with zero extra submissions', { timeout: 90_000 }, async () => {
    const prefix = `jobs${++prefixSeq}:`
    // Long enough that the first process is killed while every job is still running.
    emulator.setJobTiming({ queuedMs: 3_000, runningMs: 3_000 })
    try {
      const calls = [
        { idempotencyKey: 'order-1', request: { model: 'gen4_image', prompt: 'journal one' } },
        { idempotencyKey: 'order-2', request: { model: 'gen4_image', prompt: 'journal two', n: 2 } },
        { idempotencyKey: 'order-3', request: { model: 'fal-ai/flux/dev', prompt: 'journal three' } },
      ]
      const victim = startWorker({ mode: 'generate', prefix, calls })
      // 4 jobs: order-1, order-2's two parts (Runway), order-3 (fal, polled by URLs rebuilt from its id).
      await expect.poll(() => victim.messages.filter((m) => m.type === 'submitted').length, { timeout: 20_000, interval: 20 }).toBe(4)
      victim.child.kill('SIGKILL')
      expect(await victim.finished).toEqual({ type: 'killed', signal: 'SIGKILL' })
      expect(submissions('/runway/v1/text_to_image')).toHaveLength(3)
      expect(submissions('/fal/fal-ai/flux/dev')).toHaveLength(1)

      const rescuer = await done(startWorker({ mode: 'resume', prefix }))
      const results = [...rescuer.results!].sort((a, b) => a.key!.localeCompare(b.key!))
      expect(results.map((r) => [r.key, r.error, r.images?.length])).toEqual([
        ['order-1', undefined, 1],
        ['order-2', undefined, 2],
        ['order-3', undefined, 1],
      ])
      // Zero extra submissions: the rescuer polled the recorded jobs.
      expect(submissions('/runway/v1/text_to_image')).toHaveLength(3)
      expect(submissions('/fal/fal-ai/flux/dev')).toHaveLength(1)
      expect(rescuer.pending).toBe(0)

      // The same key again returns the recorded result: still nothing submitted.
      const again = await done(startWorker({ mode: 'generate', prefix, calls: [calls[1]] }))
      expect(again.results![0]!.images).toHaveLength(2)
      expect(submissions('/runway/v1/text_to_image')).toHaveLength(3)
    } finally {
      emulator.setJobTiming({ queuedMs: 60, runningMs: 120 })
    }
  })

  it('two processes given the same key at once submit one job and both get its image', { timeout: 60_000 }, async () => {
    const prefix = `same${++prefixSeq}:`
    const call = { idempotencyKey: 'shared-key', request: { model: 'gen4_image', prompt: 'journal shared' } }
    const [a, b] = await Promise.all([done(startWorker({ mode: 'generate', prefix, calls: [call] })), done(startWorker({ mode: 'generate', prefix, calls: [call] }))])
    expect(submissions('/runway/v1/text_to_image')).toHaveLength(1)
    expect(a.results![0]!.images).toEqual(b.results![0]!.images)
  })
})

describe('Redis down', () => {
  it('image generation goes on (limiter fails open, journal warns) and the shared state works again after a restart', { timeout: 60_000 }, async () => {
    const own = await startRedisServer()
    const prefix = `down${++prefixSeq}:`
    await own.stop()
    try {
      const worker = startWorker({
        mode: 'generate',
        prefix,
        redisUrl: own.url,
        connectTimeoutMs: 300,
        commandTimeoutMs: 300,
        limits: { openai: { requests: 100, intervalMs: 1_000 } },
        calls: [
          { request: { model: 'dall-e-2', prompt: 'down sync', size: '256x256' } },
          { idempotencyKey: 'down-1', request: { model: 'gen4_image', prompt: 'down async' } },
        ],
      })
      const final = await done(worker)
      expect(final.results!.map((r) => r.images?.length)).toEqual([1, 1])
      expect(final.results![1]!.warnings).toEqual([expect.objectContaining({ type: 'other', message: expect.stringContaining('job journal could not record') })])
      const events = final.events!.map((e) => e['event'])
      expect(events).toContain('rateLimit.store_error')
      expect(events).toContain('jobJournal.error')

      await own.start()
      const back = await done(startWorker({ mode: 'generate', prefix, redisUrl: own.url, calls: [{ idempotencyKey: 'down-2', request: { model: 'gen4_image', prompt: 'back async' } }] }))
      expect(back.results![0]!.warnings).toEqual([])
      const state = createRedisState({ url: own.url, prefix })
      try {
        expect(await state.jobJournal.get('down-2')).toMatchObject({ state: 'succeeded', provider: 'runway' })
      } finally {
        await state.close()
      }
    } finally {
      await own.close()
    }
  })
})
