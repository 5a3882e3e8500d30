import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BatchStatus } from '@llmkit/batch'
import { startEmulator, type RunningEmulator } from '@llmkit/emulator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RedisServer, startRedis } from '../../batch/test/helpers.js'
import { formatDuration, statusBar, statusLine } from './batch-progress.js'
import { cliContext } from './__fixtures__/cli-context.js'
import { run } from './program.js'

let emulator: RunningEmulator
let redis: RedisServer
let cwd: string

beforeAll(async () => {
  emulator = await startEmulator({ jobTiming: { queuedMs: 20, runningMs: 40 } })
  redis = await startRedis()
  cwd = mkdtempSync(join(tmpdir(), 'llmkit-cli-batch-'))
})
afterAll(async () => {
  await emulator?.close()
  await redis?.stop()
  rmSync(cwd, { recursive: true, force: true })
})

const context = () => cliContext({ env: emulator.env, cwd })

const llmkit = (...args: string[]) => ['node', 'llmkit', ...args]

function writeJsonl(name: string, lines: string[]): string {
  writeFileSync(join(cwd, name), lines.join('\n'))
  return name
}

describe('llmkit batch run', () => {
  it('reports a bad line with its number and skips it with --on-bad-line skip; the manifest has one line per good request', async () => {
    const file = writeJsonl('skip.jsonl', ['{"model":"dall-e-2","prompt":"cli run one"}', '{"model":"dall-e-2","prompt":', '{"model":"dall-e-2","prompt":"cli run two"}'])
    const c = context()
    const code = await run(llmkit('batch', 'run', file, '--out', 'run-out', '--on-bad-line', 'skip'), c.ctx)
    expect(code, c.stderr()).toBe(0)
    expect(c.stderr()).toMatch(/^skip\.jsonl:2: skipped: not JSON/m)
    // Items run at once, so either may finish first: each is reported once, as 1/2 or 2/2.
    expect(c.stderr()).toMatch(/\[[12]\/2\] item 0 ok images\/000000-0\.png/)
    expect(c.stderr()).toMatch(/\[[12]\/2\] item 1 ok images\/000001-0\.png/)
    expect(c.stderr().match(/\[\d\/2\] item \d ok/g)).toHaveLength(2)
    expect(c.stdout()).toBe(`${join(cwd, 'run-out', 'manifest.jsonl')}\n`)
    const lines = readFileSync(join(cwd, 'run-out', 'manifest.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { index: number; prompt: string })
    expect(lines.map((l) => [l.index, l.prompt]).toSorted()).toEqual([
      [0, 'cli run one'],
      [1, 'cli run two'],
    ])
  })

  it('stops on a bad line by default, naming it, before generating anything (exit 2)', async () => {
    const file = writeJsonl('fail.jsonl', ['{"model":"dall-e-2","prompt":"cli fail one"}', '{"model":"dall-e-2","prompt":"x","n":99}'])
    const c = context()
    const code = await run(llmkit('batch', 'run', file, '--out', 'fail-out'), c.ctx)
    expect(code).toBe(2)
    expect(c.stderr()).toMatch(/fail\.jsonl:2: Invalid n/)
    expect(c.stderr()).toMatch(/--on-bad-line skip/)
  })

  it('pauses at --budget-usd with exit 4, and goes on with a higher limit', async () => {
    const file = writeJsonl('budget.jsonl', ['{"model":"dall-e-2","prompt":"cli budget 1","size":"256x256"}', '{"model":"dall-e-2","prompt":"cli budget 2","size":"256x256"}', '{"model":"dall-e-2","prompt":"cli budget 3","size":"256x256"}'])
    const first = context()
    expect(await run(llmkit('batch', 'run', file, '--out', 'budget-out', '-c', '1', '--budget-usd', '0.033', '--json'), first.ctx)).toBe(4)
    const paused = JSON.parse(first.stdout()) as { state: string; done: number; reason: string }
    expect(paused).toMatchObject({ state: 'paused', done: 2 })
    expect(paused.reason).toMatch(/^budget: /)
    expect(first.stderr()).toMatch(/higher --budget-usd/)
    const second = context()
    expect(await run(llmkit('batch', 'run', file, '--out', 'budget-out', '-c', '1', '--budget-usd', '1', '--json'), second.ctx)).toBe(0)
    expect(JSON.parse(second.stdout())).toMatchObject({ state: 'done', done: 3, resumed: 2 })
  })
})

describe('llmkit batch submit / status / cancel (real redis-server)', () => {
  it('submits with a stable id, shows status as JSON and plain lines, and cancels', async () => {
    const file = writeJsonl('queue.jsonl', ['{"model":"dall-e-2","prompt":"cli queue 1"}', '{"model":"dall-e-2","prompt":"cli queue 2"}', '{"model":"dall-e-2","prompt":"cli queue 3"}'])
    const submit = context()
    expect(await run(llmkit('batch', 'submit', file, '--redis', redis.url, '--out', 'queue-out', '--prefix', 'clitest'), submit.ctx)).toBe(0)
    const id = submit.stdout().trim()
    expect(id).toMatch(/^b-[0-9a-f]{12}$/)
    expect(submit.stderr()).toContain(`llmkit batch work --redis ${redis.url}`)
    const again = context()
    expect(await run(llmkit('batch', 'submit', file, '--redis', redis.url, '--out', 'queue-out', '--prefix', 'clitest'), again.ctx)).toBe(0)
    expect(again.stdout().trim()).toBe(id)

    const json = context()
    expect(await run(llmkit('batch', 'status', id, '--redis', redis.url, '--prefix', 'clitest', '--json'), json.ctx)).toBe(0)
    expect(JSON.parse(json.stdout())).toMatchObject({ batchId: id, state: 'running', total: 3, done: 0, failed: 0, inFlight: 0, remaining: 3, costUsd: 0, outDir: join(cwd, 'queue-out') })
    const plain = context()
    expect(await run(llmkit('batch', 'status', id, '--redis', redis.url, '--prefix', 'clitest'), plain.ctx)).toBe(0)
    expect(plain.stdout()).toBe(`batch ${id}: running, 0/3, done 0, failed 0, in flight 0, cost $0\n`)

    const cancel = context()
    expect(await run(llmkit('batch', 'cancel', id, '--redis', redis.url, '--prefix', 'clitest'), cancel.ctx)).toBe(0)
    expect(cancel.stderr()).toMatch(/cancelled; 3 queued items removed/)
    const after = context()
    await run(llmkit('batch', 'status', id, '--redis', redis.url, '--prefix', 'clitest', '--json'), after.ctx)
    expect(JSON.parse(after.stdout())).toMatchObject({ state: 'cancelled', reason: 'cancelled by the user' })
  })

  it('works a submitted batch until Ctrl-C: every item in the manifest, the status done with its cost', async () => {
    const file = writeJsonl('work.jsonl', ['{"model":"dall-e-2","prompt":"cli work 1","size":"256x256"}', '{"model":"gen4_image","prompt":"cli work 2"}'])
    const submit = context()
    expect(await run(llmkit('batch', 'submit', file, '--redis', redis.url, '--out', 'work-out', '--batch', 'cli-work', '--prefix', 'cliwork'), submit.ctx)).toBe(0)
    const work = context()
    const exit = run(llmkit('batch', 'work', '--redis', redis.url, '--prefix', 'cliwork', '--concurrency', '2'), work.ctx)
    const status = async () => {
      const c = context()
      await run(llmkit('batch', 'status', 'cli-work', '--redis', redis.url, '--prefix', 'cliwork', '--json'), c.ctx)
      return JSON.parse(c.stdout()) as BatchStatus
    }
    for (let i = 0; i < 400 && (await status()).state !== 'done'; i++) await new Promise((r) => setTimeout(r, 100))
    const done = await status()
    expect(done).toMatchObject({ state: 'done', done: 2, failed: 0, inFlight: 0 })
    expect(done.costUsd).toBeGreaterThan(0)
    expect(work.interruptible()).toBe(true)
    work.interrupt()
    expect(await exit).toBe(0)
    expect(work.stderr()).toMatch(/cli-work item \d ok/)
    const lines = readFileSync(join(cwd, 'work-out', 'manifest.jsonl'), 'utf8').trim().split('\n')
    expect(lines).toHaveLength(2)
  })

  it('names an unknown batch (exit 2)', async () => {
    const c = context()
    expect(await run(llmkit('batch', 'status', 'nope', '--redis', redis.url), c.ctx)).toBe(2)
    expect(c.stderr()).toMatch(/No batch "nope"/)
  })
})

describe('batch progress rendering', () => {
  const status: BatchStatus = { batchId: 'b1', state: 'running', total: 200, done: 90, failed: 10, inFlight: 8, remaining: 100, costUsd: 3.5, outDir: '/o', etaMs: 252_000 }
  it('draws a bar with done, failed, in flight, cost and ETA', () => {
    expect(statusBar(status)).toBe(`b1 ${'█'.repeat(15)}${'░'.repeat(15)} 50% 100/200 | ok 90 failed 10 in flight 8 | $3.5 ETA 4m12s [running]`)
  })
  it('prints a plain line, with why a batch is paused', () => {
    expect(statusLine({ ...status, state: 'paused', reason: 'budget: limit reached', etaMs: undefined })).toBe('batch b1: paused, 100/200, done 90, failed 10, in flight 8, cost $3.5 (budget: limit reached)')
    expect([formatDuration(45_000), formatDuration(3_725_000)]).toEqual(['45s', '1h02m'])
  })
})
