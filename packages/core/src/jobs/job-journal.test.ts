import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { AbortError, InvalidRequestError, ProviderError } from '../errors.js'
import { silentLogger, systemClock } from '../logger.js'
import { fakeAsyncPlugin, fakeClient, fakePlugin, remoteJobs } from '../pipeline/__fixtures__/fake.js'
import { createFileJobJournal, createMemoryJobJournal, journaledSpec, type JobJournal, type JournalIntent } from './job-journal.js'

const dir = mkdtempSync(join(tmpdir(), 'llmkit-journal-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

// remoteJobs(): a remote job service; fakeAsyncPlugin(remote): each submit is a job that succeeds
// on its second poll, through the core's job runner.

describe('job journal in a client', () => {
  it('a repeated idempotency key returns the recorded result without submitting; no key, or another key, submits', async () => {
    const remote = remoteJobs()
    const { client } = fakeClient([fakeAsyncPlugin(remote)], { clock: systemClock, jobJournal: createMemoryJobJournal() })
    const first = await client.generateImage({ model: 'one', prompt: 'a fox' }, { idempotencyKey: 'order-1' })
    let seen: unknown
    client.use(async (ctx, next) => {
      const res = await next()
      seen = ctx.metadata['jobJournal']
      return res
    })
    const again = await client.generateImage({ model: 'one', prompt: 'a fox' }, { idempotencyKey: 'order-1' })
    // Middleware counting spend can tell the replayed call paid for no new job.
    expect(seen).toMatchObject({ callKey: 'order-1', resumedKeys: ['order-1'] })
    expect(again.images.map((i) => [i.url, i.expiresAt])).toEqual(first.images.map((i) => [i.url, i.expiresAt]))
    expect(again.first()?.expiresAt).toBeInstanceOf(Date)
    expect(remote.submits).toEqual(['a fox'])
    // Two identical unseeded calls without a key stay two images.
    await client.generateImage({ model: 'one', prompt: 'a fox' })
    await client.generateImage({ model: 'one', prompt: 'a fox' })
    await client.generateImage({ model: 'one', prompt: 'a fox' }, { idempotencyKey: 'order-2' })
    expect(remote.submits).toHaveLength(4)
  })

  it('refuses a key reused for a different request, before any submit', async () => {
    const remote = remoteJobs()
    const { client } = fakeClient([fakeAsyncPlugin(remote)], { clock: systemClock, jobJournal: createMemoryJobJournal() })
    await client.generateImage({ model: 'one', prompt: 'a fox' }, { idempotencyKey: 'order-1' })
    const error = await client.generateImage({ model: 'one', prompt: 'a wolf' }, { idempotencyKey: 'order-1' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidRequestError)
    expect(error).toMatchObject({
      message: 'idempotencyKey "order-1" was already used for a different request (fake one); use a new key for a new request',
      param: 'idempotencyKey',
      retryable: false,
    })
    expect(remote.submits).toEqual(['a fox'])
  })

  it('records each part of a split request under `${key}#${part}`', async () => {
    const remote = remoteJobs()
    const journal = createMemoryJobJournal()
    const { client } = fakeClient([fakeAsyncPlugin(remote)], { clock: systemClock, jobJournal: journal })
    const response = await client.generateImage({ model: 'one', prompt: 'two foxes', n: 2 }, { idempotencyKey: 'batch-7' })
    expect(response.images).toHaveLength(2)
    expect(await journal.get('batch-7#0')).toMatchObject({ state: 'succeeded', callKey: 'batch-7', request: { model: 'one', prompt: 'two foxes', n: 2 } })
    expect(await journal.get('batch-7#1')).toMatchObject({ state: 'succeeded', callKey: 'batch-7' })
  })

  it('after a restart, resumeJobs() finishes the recorded jobs from the file journal with zero extra submissions', async () => {
    const path = join(dir, 'restart.json')
    const remote = remoteJobs()
    // The first process submits, then hangs in its first wait (its clock never moves): it "dies" there.
    const dying = fakeClient([fakeAsyncPlugin(remote, { firstPollAfterMs: 5 })], { jobJournal: createFileJobJournal(path) })
    dying.clock.hold = true
    let submitted = 0
    void dying.client.generateImage({ model: 'one', prompt: 'restart fox', n: 2 }, { idempotencyKey: 'order-9', jobTimeoutMs: 30_000, onProgress: (e) => void (e.type === 'submitted' && submitted++) })
    await expect.poll(() => submitted).toBe(2)
    await expect.poll(() => (JSON.parse(readFileSync(path, 'utf8')) as { records: { state: string }[] }).records.map((r) => r.state)).toEqual(['accepted', 'accepted'])

    const restarted = fakeClient([fakeAsyncPlugin(remote)], { clock: systemClock, jobJournal: createFileJobJournal(path) })
    const resumed = await restarted.client.resumeJobs()
    expect(resumed).toHaveLength(1)
    expect(resumed[0]!.idempotencyKey).toBe('order-9')
    expect(resumed[0]!.error).toBeUndefined()
    expect(resumed[0]!.response!.images).toHaveLength(2)
    expect(remote.submits).toEqual(['restart fox', 'restart fox'])
    expect(await createFileJobJournal(path).pending()).toEqual([])
  })

  it("resumeJobs({ action: 'cancel' }) cancels recorded jobs at the provider and submits nothing", async () => {
    const remote = remoteJobs()
    const journal = createMemoryJobJournal()
    const intent: JournalIntent = { key: 'k1', callKey: 'k1', owner: 'dead', provider: 'fake', model: 'one', request: { model: 'one', prompt: 'cancel me' } }
    await journal.claim(intent, 60_000)
    await journal.accept('k1', 'dead', 'job-41')
    const { client } = fakeClient([fakeAsyncPlugin(remote)], { clock: systemClock, jobJournal: journal })
    const [result] = await client.resumeJobs({ action: 'cancel' })
    expect(result!.error).toBeInstanceOf(AbortError)
    expect(remote.cancelled).toEqual(['job-41'])
    expect(remote.submits).toEqual([])
    expect(await journal.get('k1')).toMatchObject({ state: 'failed', error: 'cancelled by resumeJobs' })
  })

  it("waits for another owner's live intent and resumes its job instead of submitting", async () => {
    const remote = remoteJobs()
    const inner = createMemoryJobJournal()
    await inner.claim({ key: 'busy', callKey: 'busy', owner: 'other', provider: 'fake', model: 'one', request: { model: 'one', prompt: 'busy fox' } }, 60_000)
    let claims = 0
    const journal: JobJournal = {
      ...inner,
      claim: async (i, lease) => {
        // The other owner's submit is accepted while this one waits.
        if (++claims === 3) await inner.accept('busy', 'other', 'job-77')
        return inner.claim(i, lease)
      },
    }
    const { client } = fakeClient([fakeAsyncPlugin(remote)], { clock: systemClock, jobJournal: journal })
    const response = await client.generateImage({ model: 'one', prompt: 'busy fox' }, { idempotencyKey: 'busy' })
    expect(response.first()?.url).toBe('https://img.fake/job-77.png')
    expect(remote.submits).toEqual([])
    expect(claims).toBe(3)
  })

  it('a journal that cannot record never fails the generation: the job runs, with a warning and a log event', async () => {
    const remote = remoteJobs()
    const broken: JobJournal = { ...createMemoryJobJournal(), claim: () => Promise.reject(new Error('ECONNREFUSED')) }
    const { client, logger } = fakeClient([fakeAsyncPlugin(remote)], { clock: systemClock, jobJournal: broken })
    const response = await client.generateImage({ model: 'one', prompt: 'fox' }, { idempotencyKey: 'k' })
    expect(response.images).toHaveLength(1)
    expect(response.warnings).toEqual([
      { type: 'other', message: 'The job journal could not record the intent of fake job "k" (Error: ECONNREFUSED); another process cannot resume this job.' },
    ])
    expect(logger.events.find((e) => e.obj['event'] === 'jobJournal.error')?.obj).toMatchObject({ operation: 'intent', journalKey: 'k' })
  })

  it('a submit the provider refused frees the key, so a retry submits again', async () => {
    const journal = createMemoryJobJournal()
    let attempts = 0
    const plugin = fakePlugin(undefined, {
      create: (ctx) => ({
        generate: (req, options) =>
          ctx.jobs.run(
            {
              provider: 'fake',
              model: req.modelId,
              submit: () => (++attempts === 1 ? Promise.reject(new AbortError('refused before acceptance')) : Promise.resolve({ id: 'job-ok', snapshot: { state: 'succeeded', result: { images: [{ url: 'https://img.fake/ok.png' }] } } })),
              poll: () => Promise.resolve({ state: 'running' }),
            },
            options,
          ),
      }),
    })
    const { client } = fakeClient([plugin], { clock: systemClock, jobJournal: journal })
    await expect(client.generateImage({ model: 'one', prompt: 'x' }, { idempotencyKey: 'r' })).rejects.toBeInstanceOf(AbortError)
    expect(await journal.get('r')).toBeUndefined()
    expect((await client.generateImage({ model: 'one', prompt: 'x' }, { idempotencyKey: 'r' })).first()?.url).toBe('https://img.fake/ok.png')
    expect(await journal.get('r')).toMatchObject({ state: 'succeeded', jobId: 'job-ok' })
  })

  it('checks options: a bad idempotencyKey, resumeJobs without a journal, a journal missing methods', async () => {
    const plugin = fakePlugin()
    const { client } = fakeClient([plugin])
    for (const [key, got] of [
      ['', 'an empty string'],
      [42, 'number'],
      [null, 'null'],
    ] as const) {
      const error = await client.generateImage({ model: 'one', prompt: 'x' }, { idempotencyKey: key as never }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(InvalidRequestError)
      expect(error).toMatchObject({
        code: 'LLMKIT_INVALID_REQUEST',
        param: 'idempotencyKey',
        retryable: false,
        message: `Invalid idempotencyKey: expected a non-empty string that names this request, got ${got}`,
      })
    }
    expect(plugin.calls).toHaveLength(0)
    await expect(client.resumeJobs()).rejects.toThrow(new TypeError('resumeJobs() needs a client with a `jobJournal` option.'))
    expect(() => fakeClient([fakePlugin()], { jobJournal: {} as JobJournal })).toThrow(new TypeError('Expected `jobJournal` to have a claim() method (a JobJournal).'))
  })
})

describe('local journal forms', () => {
  const intent = (key: string, owner: string): JournalIntent => ({ key, callKey: key, owner, provider: 'p', model: 'm', request: { prompt: key } })

  it('claim rules: free, failed or lease-expired keys can be claimed; an accepted or succeeded one is returned', async () => {
    let now = 1_000
    const journal = createMemoryJobJournal({ now: () => now })
    expect(await journal.claim(intent('k', 'a'), 100)).toEqual({ claimed: true })
    expect(await journal.claim(intent('k', 'b'), 100)).toMatchObject({ claimed: false, record: { owner: 'a', state: 'intent' } })
    now += 100
    expect(await journal.claim(intent('k', 'b'), 100)).toEqual({ claimed: true })
    await journal.accept('k', 'a', 'stale-owner-job')
    expect(await journal.get('k')).toMatchObject({ owner: 'b', state: 'intent' })
    await journal.accept('k', 'b', 'job-1')
    expect(await journal.claim(intent('k', 'c'), 100)).toMatchObject({ claimed: false, record: { state: 'accepted', jobId: 'job-1' } })
    await journal.finish('k', { result: { ok: true } })
    await journal.finish('k', { error: 'late cancel' })
    expect(await journal.get('k')).toMatchObject({ state: 'succeeded', result: { ok: true } })
  })

  it('drops finished records after retainMs', async () => {
    let now = 0
    const journal = createMemoryJobJournal({ now: () => now, retainMs: 1_000 })
    await journal.claim(intent('old', 'a'), 100)
    await journal.finish('old', { result: 1 })
    now = 1_000
    await journal.claim(intent('new', 'a'), 100)
    expect(await journal.get('old')).toBeUndefined()
  })

  it('the file form survives a restart and rejects a file that is not a journal', async () => {
    const path = join(dir, 'sub', 'journal.json')
    const first = createFileJobJournal(path)
    await first.claim(intent('k', 'a'), 60_000)
    await first.accept('k', 'a', 'job-5')
    expect(await createFileJobJournal(path).get('k')).toMatchObject({ state: 'accepted', jobId: 'job-5', request: { prompt: 'k' } })
    const bad = join(dir, 'bad.json')
    writeFileSync(bad, '{"hello":1}')
    expect(() => createFileJobJournal(bad)).toThrow(new TypeError(`${bad} is not an llmkit job journal (expected { v: 1, records: [...] }).`))
  })
})


describe('journaled status streams', () => {
  it("records the outcome a status stream delivers (fal's COMPLETED then its result), so resumeJobs finds nothing pending", async () => {
    const journal = createMemoryJobJournal()
    const binding = { journal, key: 'k', callKey: 'k', request: { model: 'one', prompt: 'p' }, jobTimeoutMs: undefined, mode: 'run' as const, warnings: [] }
    const spec = journaledSpec<string>(
      {
        provider: 'fake',
        model: 'one',
        submit: () => Promise.resolve({ id: 'job-1' }),
        poll: () => Promise.resolve({ state: 'running' }),
        statusStream: {
          url: (id) => `https://fake.invalid/${id}/stream`,
          parse: (event) => (event.data === 'done' ? 'ended' : { state: 'failed', error: new ProviderError('boom') }),
          outcome: () => Promise.resolve({ state: 'succeeded', result: 'image' }),
        },
      },
      binding,
      { clock: systemClock, logger: silentLogger },
    )
    await spec.submit(new AbortController().signal)
    expect(await journal.pending()).toHaveLength(1)
    expect(spec.statusStream?.url('job-1')).toBe('https://fake.invalid/job-1/stream')
    expect(spec.statusStream?.parse({ data: 'done' } as never)).toBe('ended')
    await spec.statusStream?.outcome?.('job-1', new AbortController().signal)
    expect(await journal.get('k')).toMatchObject({ state: 'succeeded', jobId: 'job-1' })
    expect(await journal.pending()).toEqual([])
  })
})
