import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { batchStatus, submitBatch } from '@llmkit/batch'
import { type RunningEmulator, startEmulator } from '@llmkit/emulator'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { captureOutput, freshDir, readManifest, type RedisServer, startRedis, stopChild, submissions, submissionsByPrompt, waitFor } from './helpers.js'

const workerScript = fileURLToPath(new URL('./fixtures/worker-child.mjs', import.meta.url))
let emulator: RunningEmulator
let redis: RedisServer
const children: ChildProcess[] = []

beforeAll(async () => {
  redis = await startRedis()
  // Jobs run long enough that a kill lands while accepted jobs are still running.
  emulator = await startEmulator({ jobTiming: { queuedMs: 100, runningMs: 1500 } })
})
afterEach(async () => {
  await Promise.all(children.splice(0).map((c) => stopChild(c)))
})
afterAll(async () => {
  await emulator?.close()
  await redis?.stop()
})

function startWorkerProcess(concurrency: number) {
  const proc = spawn(process.execPath, [workerScript, redis.url, String(concurrency)], { env: { ...process.env, ...emulator.env }, stdio: ['ignore', 'pipe', 'pipe'] })
  children.push(proc)
  const output = captureOutput(proc)
  const exited = new Promise<void>((resolve) => proc.on('exit', () => resolve()))
  return { proc, output, exited }
}

describe('batch on BullMQ with real worker processes', () => {
  it('a worker SIGKILLed mid-batch: its items are taken over and resumed; one manifest line per item, every image, zero duplicate submissions', async () => {
    const outDir = freshDir('fleet')
    const prompts = Array.from({ length: 12 }, (_, i) => `fleet-crash ${i}`)
    const requests = prompts.map((prompt) => ({ model: 'gen4_image', prompt }))
    const submitted = await submitBatch({ connection: redis.url, batchId: 'fleet-crash', requests, outDir, prefix: 'batch-test' })
    expect(submitted).toEqual({ batchId: 'fleet-crash', total: 12, alreadyDone: 0, outDir })

    const a = startWorkerProcess(4)
    await waitFor(() => `four accepted submissions; worker said: ${a.output.text()}`, async () => {
      const subs = await submissions(emulator.url)
      return subs.length === 4 && subs.every((s) => s.complete) && Date.now() - Math.max(...subs.map((s) => s.at)) > 300
    })
    a.proc.kill('SIGKILL')
    await a.exited
    expect(readManifest(outDir)).toEqual([])

    // Another worker takes the killed worker's items over (stalled-job recovery), and the killed one comes back.
    const b = startWorkerProcess(3)
    const again = startWorkerProcess(3)
    await waitFor(
      () => `the batch to finish; workers said: ${b.output.text()} / ${again.output.text()}`,
      async () => (await batchStatus({ connection: redis.url, batchId: 'fleet-crash', prefix: 'batch-test' })).state === 'done',
      60_000,
    )

    const lines = readManifest(outDir)
    expect(lines.map((l) => l.index).toSorted((x, y) => x - y)).toEqual(prompts.map((_, i) => i))
    for (const line of lines) {
      expect(line.status, JSON.stringify(line)).toBe('ok')
      expect(line.images).toHaveLength(1)
      expect(existsSync(join(outDir, line.images[0]!.file))).toBe(true)
    }
    expect(Object.fromEntries(await submissionsByPrompt(emulator.url))).toEqual(Object.fromEntries(prompts.map((p) => [p, 1])))
    const status = await batchStatus({ connection: redis.url, batchId: 'fleet-crash', prefix: 'batch-test' })
    expect(status).toMatchObject({ state: 'done', total: 12, done: 12, failed: 0, inFlight: 0, remaining: 0 })
    expect(status.costUsd).toBeGreaterThan(0)

    // The same batch submitted again adds nothing: every item is done.
    expect(await submitBatch({ connection: redis.url, batchId: 'fleet-crash', requests, outDir, prefix: 'batch-test' })).toMatchObject({ alreadyDone: 12 })
    await new Promise((r) => setTimeout(r, 500))
    expect(readManifest(outDir)).toHaveLength(12)
    expect(Object.fromEntries(await submissionsByPrompt(emulator.url))).toEqual(Object.fromEntries(prompts.map((p) => [p, 1])))
  })
})
