import { batchStatus, type BatchWorker, resumeBatch, startWorker, submitBatch } from '@llmkit/batch'
import { type RunningEmulator, startEmulator } from '@llmkit/emulator'
import { createRedisState, type RedisState } from '@llmkit/redis'
import { LLMKitClient } from '@llmkit/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freshDir, readManifest, type RedisServer, startRedis, submissionsByPrompt, waitFor } from './helpers.js'

let emulator: RunningEmulator
let redis: RedisServer
let state: RedisState
const workers: BatchWorker[] = []

beforeAll(async () => {
  redis = await startRedis()
  emulator = await startEmulator()
  state = createRedisState({ url: redis.url, prefix: 'budget-test:' })
})
afterAll(async () => {
  await Promise.all(workers.map((w) => w.close()))
  await state?.close()
  await emulator?.close()
  await redis?.stop()
})

/** A worker whose client shares the fleet's journal and a budget of `limitUsd` on Redis. */
function worker(limitUsd: number): BatchWorker {
  const client = LLMKitClient.fromEnv({ env: emulator.env, jobJournal: state.jobJournal, budget: { limitUsd, store: state.budgetStore, name: 'fleet' } })
  const w = startWorker({ connection: redis.url, prefix: 'budget-test', client, concurrency: 1, pausedRetryMs: 100 })
  workers.push(w)
  return w
}

const status = () => batchStatus({ connection: redis.url, batchId: 'budget', prefix: 'budget-test' })

describe('a budget stop across the fleet', () => {
  it('pauses the batch with a clear status, and it resumes once the limit was raised', async () => {
    const outDir = freshDir('budget')
    // dall-e-2 at 256x256 costs $0.016 an image: a $0.033 budget pays for two.
    const prompts = ['budget 1', 'budget 2', 'budget 3', 'budget 4']
    await submitBatch({ connection: redis.url, prefix: 'budget-test', batchId: 'budget', outDir, requests: prompts.map((prompt) => ({ model: 'dall-e-2', prompt, size: '256x256' })) })

    const first = worker(0.033)
    await waitFor('the budget stop', async () => (await status()).state === 'paused')
    const paused = await status()
    expect(paused).toMatchObject({ state: 'paused', done: 2, failed: 0, remaining: 2, costUsd: 0.032 })
    expect(paused.reason).toMatch(/^budget: .*\$0\.033/)
    expect(readManifest(outDir)).toHaveLength(2)

    // The limit is raised: workers restart with it; the batch stays paused until resumed.
    await first.close()
    worker(1)
    await new Promise((r) => setTimeout(r, 400))
    expect(await status()).toMatchObject({ state: 'paused', done: 2 })
    expect(await resumeBatch({ connection: redis.url, batchId: 'budget', prefix: 'budget-test' })).toMatchObject({ state: 'running', reason: undefined })
    await waitFor('the batch to finish', async () => (await status()).state === 'done')

    expect(await status()).toMatchObject({ state: 'done', done: 4, failed: 0, costUsd: 0.064 })
    const lines = readManifest(outDir)
    expect(lines.map((l) => l.index).toSorted()).toEqual([0, 1, 2, 3])
    expect(Object.fromEntries(await submissionsByPrompt(emulator.url))).toEqual(Object.fromEntries(prompts.map((p) => [p, 1])))
  })
})
