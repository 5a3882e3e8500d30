import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { localJournalPath, readRequests, runBatch, STATE_DIR } from '@llmkit/batch'
import { OPENAI_TRIGGERS, type RunningEmulator, startEmulator } from '@llmkit/emulator'
import { createFileJobJournal, InvalidRequestError } from '@llmkit/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freshDir, readManifest, submissionsByPrompt } from './helpers.js'

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47])
let emulator: RunningEmulator

beforeAll(async () => {
  emulator = await startEmulator({ jobTiming: { queuedMs: 20, runningMs: 40 } })
})
afterAll(async () => {
  await emulator.close()
})

/** The emulator's log of image file downloads, in order. */
async function fileRequests(): Promise<{ path: string; status?: number }[]> {
  const res = await fetch(`${emulator.url}/__emulator/log`)
  const { entries } = (await res.json()) as { entries: { method: string; path: string; status?: number }[] }
  return entries.filter((e) => e.method === 'GET' && e.path.startsWith('/files/'))
}

describe('runBatch (one process, no Redis)', () => {
  it('writes every image and one manifest line per item, then a second run submits nothing', async () => {
    const outDir = freshDir('local')
    const requests = [
      { model: 'fal-ai/flux/schnell', prompt: 'local-a fox', seed: 7 },
      { model: 'fal-ai/flux/schnell', prompt: 'local-b owl', n: 2, seed: 100 },
      { model: 'dall-e-2', prompt: 'local-c cat', size: '256x256' },
      { model: 'dall-e-2', prompt: `local-d ${OPENAI_TRIGGERS.contentPolicy}` },
    ]
    const seen: number[] = []
    const result = await runBatch({ requests, outDir, concurrency: 2, batchId: 'local-one', clientOptions: { env: emulator.env }, onItem: (line) => seen.push(line.index) })
    expect(result).toMatchObject({ batchId: 'local-one', state: 'done', total: 4, done: 3, failed: 1, inFlight: 0, resumed: 0 })
    expect(seen.toSorted()).toEqual([0, 1, 2, 3])

    const lines = readManifest(outDir).toSorted((a, b) => a.index - b.index)
    expect(lines.map((l) => [l.index, l.status, l.prompt, l.model, l.provider])).toEqual([
      [0, 'ok', 'local-a fox', 'fal-ai/flux/schnell', 'fal'],
      [1, 'ok', 'local-b owl', 'fal-ai/flux/schnell', 'fal'],
      [2, 'ok', 'local-c cat', 'dall-e-2', 'openai'],
      [3, 'failed', `local-d ${OPENAI_TRIGGERS.contentPolicy}`, 'dall-e-2', 'openai'],
    ])
    expect(lines[0]!.images).toEqual([expect.objectContaining({ file: 'images/000000-0.png', seed: 7, mimeType: 'image/png' })])
    expect(lines[1]!.images.map((i) => [i.file, i.seed])).toEqual([
      ['images/000001-0.png', 100],
      // fal reports one seed per call, for every image of it.
      ['images/000001-1.png', 100],
    ])
    for (const line of lines.slice(0, 3)) {
      expect(line.cost).toEqual(expect.objectContaining({ usd: expect.any(Number), estimated: expect.any(Boolean) }))
      expect(line.timings?.totalMs).toBeGreaterThanOrEqual(0)
      expect(line.attempts).toBe(1)
      for (const image of line.images) {
        const bytes = readFileSync(join(outDir, image.file))
        expect(bytes.subarray(0, 4)).toEqual(PNG)
        expect(bytes.length).toBe(image.bytes)
      }
    }
    expect(lines[3]!.error).toEqual(expect.objectContaining({ code: 'LLMKIT_CONTENT_POLICY' }))
    expect(lines[3]!.images).toEqual([])

    const before = await submissionsByPrompt(emulator.url)
    const again = await runBatch({ requests, outDir, concurrency: 2, clientOptions: { env: emulator.env } })
    expect(again).toMatchObject({ batchId: 'local-one', state: 'done', done: 3, failed: 1, resumed: 4 })
    expect(await submissionsByPrompt(emulator.url)).toEqual(before)
    expect(readManifest(outDir)).toHaveLength(4)
  })

  it('after a dead run, resubmits at once what it had under way, and flags what it may have sent', async () => {
    const outDir = freshDir('intent')
    const requests = [
      { model: 'gen4_image', prompt: 'intent-left 0' },
      { model: 'gen4_image', prompt: 'intent-left 1' },
      { model: 'dall-e-2', prompt: 'intent-left 2', size: '256x256' },
    ]
    // What a run killed in the middle of item 0's submit and item 2's (sync) call leaves: both in
    // the started log, and an intent with a 2-minute lease for item 0.
    mkdirSync(join(outDir, STATE_DIR), { recursive: true })
    writeFileSync(join(outDir, STATE_DIR, 'started.log'), '0\n2\n')
    const journal = createFileJobJournal(localJournalPath(outDir))
    await journal.claim({ key: 'batch:intent:0', callKey: 'batch:intent:0', owner: 'dead-run', provider: 'runway', model: 'gen4_image', request: requests[0] }, 120_000)
    // Without the release this run would wait out the lease, past the test's timeout.
    const result = await runBatch({ requests, outDir, batchId: 'intent', clientOptions: { env: emulator.env } })
    expect(result).toMatchObject({ state: 'done', done: 3 })
    const lines = readManifest(outDir).toSorted((a, b) => a.index - b.index)
    expect(lines.map((l) => l.mayHaveBeenCharged)).toEqual([true, undefined, true])
    expect(lines[0]!.warnings).toEqual([expect.objectContaining({ message: expect.stringMatching(/submitted again, and the provider may have charged for both/) })])
  })

  it('asks for URLs and streams each image to disk (b64_json replaced, with a warning), trying a failed download again', async () => {
    const outDir = freshDir('stream')
    const before = await fileRequests()
    emulator.faults.inject({ kind: 'unavailable', pathPrefix: '/files/', count: 1 })
    const result = await runBatch({ requests: [{ model: 'dall-e-2', prompt: 'stream-a cat', size: '256x256', format: 'b64_json' }], outDir, batchId: 'stream', clientOptions: { env: emulator.env } })
    expect(result).toMatchObject({ state: 'done', done: 1, failed: 0 })
    const [line] = readManifest(outDir)
    expect(line).toMatchObject({ status: 'ok', provider: 'openai', images: [{ file: 'images/000000-0.png', mimeType: 'image/png' }] })
    expect(line!.warnings).toEqual([expect.objectContaining({ message: expect.stringMatching(/"b64_json" was replaced by "url"/) })])
    const bytes = readFileSync(join(outDir, line!.images[0]!.file))
    expect(bytes.subarray(0, 4)).toEqual(PNG)
    expect(bytes.length).toBe(line!.images[0]!.bytes)
    expect(readdirSync(join(outDir, 'images'))).toEqual(['000000-0.png'])
    // The image came from its URL (a 503, then the file), not as base64 in the answer; one submission.
    expect((await fileRequests()).slice(before.length).map((e) => e.status)).toEqual([503, 200])
    expect((await submissionsByPrompt(emulator.url)).get('stream-a cat')).toBe(1)
  })

  it('a byte-only model (base64 answers, no URL) still gets its images written', async () => {
    const outDir = freshDir('bytes')
    const before = await fileRequests()
    const result = await runBatch({ requests: [{ model: 'gpt-image-1', prompt: 'bytes-a cat', size: '1024x1024' }], outDir, batchId: 'bytes', clientOptions: { env: emulator.env } })
    expect(result).toMatchObject({ state: 'done', done: 1 })
    const [line] = readManifest(outDir)
    expect(line).toMatchObject({ status: 'ok', images: [{ file: 'images/000000-0.png', mimeType: 'image/png' }], warnings: [] })
    const bytes = readFileSync(join(outDir, line!.images[0]!.file))
    expect(bytes.subarray(0, 4)).toEqual(PNG)
    expect(bytes.length).toBe(line!.images[0]!.bytes)
    expect(await fileRequests()).toHaveLength(before.length)
  })

  it('a paid image whose URL serves HTML fails the item with its URL, leaves no file, and is never submitted again', async () => {
    const outDir = freshDir('html')
    emulator.faults.inject({ kind: 'html-image', pathPrefix: '/files/', count: 1 })
    const requests = [{ model: 'dall-e-2', prompt: 'html-a cat', size: '256x256' }]
    const result = await runBatch({ requests, outDir, batchId: 'html', clientOptions: { env: emulator.env } })
    expect(result).toMatchObject({ state: 'done', done: 0, failed: 1 })
    const [line] = readManifest(outDir)
    expect(line).toMatchObject({ status: 'failed', provider: 'openai', images: [], error: { code: 'LLMKIT_DELIVERY', message: expect.stringMatching(/did not serve an image/) } })
    expect(line!.error!.paid?.images[0]?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/files\//)
    expect(readdirSync(join(outDir, 'images'))).toEqual([])
    const again = await runBatch({ requests, outDir, clientOptions: { env: emulator.env } })
    expect(again).toMatchObject({ state: 'done', failed: 1, resumed: 1 })
    expect((await submissionsByPrompt(emulator.url)).get('html-a cat')).toBe(1)
  })

  it('stops every lane and throws when it cannot write (not an item outcome), leaving no line for the item', async () => {
    const outDir = freshDir('nowrite')
    mkdirSync(outDir, { recursive: true })
    writeFileSync(join(outDir, 'images'), 'not a folder')
    await expect(runBatch({ requests: [{ model: 'dall-e-2', prompt: 'nowrite 0', size: '256x256' }], outDir, clientOptions: { env: emulator.env } })).rejects.toThrow(/EEXIST|ENOTDIR/)
    expect(readManifest(outDir)).toEqual([])
  })

  it('refuses a folder that holds a different batch, before generating anything', async () => {
    const outDir = freshDir('other')
    await runBatch({ requests: [{ model: 'dall-e-2', prompt: 'other-a' }], outDir, clientOptions: { env: emulator.env } })
    await expect(runBatch({ requests: [{ model: 'dall-e-2', prompt: 'other-b' }], outDir, clientOptions: { env: emulator.env } })).rejects.toThrow(/holds batch .* different requests.*another --out/)
  })

  it('checks every request first and names the bad one', async () => {
    const outDir = freshDir('bad')
    const error = await runBatch({ requests: [{ model: 'dall-e-2', prompt: 'fine' }, { model: 'dall-e-2', prompt: 'x', n: 99 }], outDir, clientOptions: { env: emulator.env } }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidRequestError)
    expect((error as Error).message).toMatch(/^Request 1: /)
    expect(existsSync(join(outDir, 'manifest.jsonl'))).toBe(false)
  })

  it('reads JSONL with line numbers: a bad line is fatal by default, or skipped and reported', async () => {
    const path = join(freshDir('jsonl'), 'prompts.jsonl')
    writeFileSync(path, ['{"model":"dall-e-2","prompt":"one"}', '', '{"model":"dall-e-2",', '{"model":"dall-e-2","prompt":"two","colour":"red"}', '{"model":"dall-e-2","prompt":"three"}'].join('\n'))
    await expect(readRequests(path)).rejects.toThrow(new RegExp(`${path}:3: not JSON`))
    const { requests, lines, badLines } = await readRequests(path, { onBadLine: 'skip' })
    expect(requests.map((r) => r.prompt)).toEqual(['one', 'three'])
    expect(lines).toEqual([1, 5])
    expect(badLines.map((b) => b.line)).toEqual([3, 4])
    expect(badLines[1]!.message).toMatch(/colour/)
  })
})
