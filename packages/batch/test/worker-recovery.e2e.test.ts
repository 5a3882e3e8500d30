import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { batchStatus, type BatchWorker, type ManifestLine, startWorker, submitBatch } from '@llmkit/batch'
import { type RunningEmulator, startEmulator } from '@llmkit/emulator'
import { Redis } from 'ioredis'
import { LLMKitClient } from '@llmkit/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freshDir, readManifest, type RedisServer, startRedis, submissionsByPrompt, waitFor } from './helpers.js'

let emulator: RunningEmulator
let redis: RedisServer
let worker: BatchWorker | undefined

beforeAll(async () => {
  redis = await startRedis()
  emulator = await startEmulator()
})
afterAll(async () => {
  await worker?.close()
  await emulator?.close()
  await redis?.stop()
})

describe('a worker that died after writing an item’s manifest line', () => {
  it('is followed by no second generation of that item: the line is counted once, the others run', async () => {
    const outDir = freshDir('recover')
    const prompts = ['recover 0', 'recover 1']
    await submitBatch({ connection: redis.url, prefix: 'recover-test', batchId: 'recover', outDir, requests: prompts.map((prompt) => ({ model: 'dall-e-2', prompt, size: '256x256' })) })
    // What a worker killed between its append and its count leaves: item 0 started, its line written.
    const written: ManifestLine = { batchId: 'recover', index: 0, status: 'ok', prompt: 'recover 0', model: 'dall-e-2', provider: 'openai', images: [{ file: 'images/000000-0.png', bytes: 1 }], cost: { usd: 0.016, estimated: true, basis: 'table' }, warnings: [], finishedAt: new Date().toISOString() }
    mkdirSync(outDir, { recursive: true })
    appendFileSync(join(outDir, 'manifest.jsonl'), `${JSON.stringify(written)}\n`)
    const conn = new Redis(redis.url)
    await conn.sadd('recover-test:batch:recover:started', '0')
    await conn.quit()

    const client = LLMKitClient.fromEnv({ env: emulator.env })
    worker = startWorker({ connection: redis.url, prefix: 'recover-test', client, concurrency: 2 })
    await waitFor('the batch to finish', async () => (await batchStatus({ connection: redis.url, prefix: 'recover-test', batchId: 'recover' })).state === 'done')

    expect(readManifest(outDir).map((l) => l.index).toSorted()).toEqual([0, 1])
    expect(Object.fromEntries(await submissionsByPrompt(emulator.url))).toEqual({ 'recover 1': 1 })
    expect(await batchStatus({ connection: redis.url, prefix: 'recover-test', batchId: 'recover' })).toMatchObject({ done: 2, failed: 0, costUsd: 0.032 })
  })
})

describe('an item that cannot be finished for a reason that is not its outcome', () => {
  it('gets a failed line after its last try, so the batch still ends with one line per item', async () => {
    const outDir = freshDir('abandon')
    // A file where the images folder should be: writing any image fails.
    mkdirSync(outDir, { recursive: true })
    writeFileSync(join(outDir, 'images'), 'not a folder')
    await submitBatch({ connection: redis.url, prefix: 'abandon-test', batchId: 'abandon', outDir, attempts: 1, requests: [{ model: 'dall-e-2', prompt: 'abandon 0', size: '256x256' }] })
    const client = LLMKitClient.fromEnv({ env: emulator.env })
    const abandoning = startWorker({ connection: redis.url, prefix: 'abandon-test', client })
    try {
      await waitFor('the batch to finish', async () => (await batchStatus({ connection: redis.url, prefix: 'abandon-test', batchId: 'abandon' })).state === 'done')
    } finally {
      await abandoning.close()
    }
    const [line] = readManifest(outDir)
    expect(line).toMatchObject({ index: 0, status: 'failed', error: { code: 'LLMKIT_BATCH_ITEM_ABANDONED', message: expect.stringMatching(/EEXIST|ENOTDIR/) } })
    expect(await batchStatus({ connection: redis.url, prefix: 'abandon-test', batchId: 'abandon' })).toMatchObject({ done: 0, failed: 1 })
  })
})
