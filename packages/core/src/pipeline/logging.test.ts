import { Writable } from 'node:stream'
import pino from 'pino'
import { describe, expect, it } from 'vitest'
import { ProviderError, RateLimitError } from '../errors.js'
import { fakeClient, fakePlugin, recordingLogger } from './__fixtures__/fake.js'
import { consoleLogger, logging, redactFields } from './logging.js'

describe('logging', () => {
  it('logs start, retry, warning and success (duration, image count) as structured events', async () => {
    const plugin = fakePlugin(async (req, _o, call) => {
      if (call === 1) throw new ProviderError('flaky', { status: 502 })
      return { images: [{ url: 'https://img.fake/a.png' }], warnings: [{ type: 'other', message: 'provider notice' }] }
    })
    const { client, logger, clock } = fakeClient([plugin])
    await client.generateImage({ model: 'one', prompt: 'cat', quality: 'hd' })
    expect(logger.events.map((e) => [e.level, e.obj['event']])).toEqual([
      ['info', 'generation.start'],
      ['warn', 'generation.retry'],
      ['warn', 'generation.warning'],
      ['warn', 'generation.warning'],
      ['info', 'generation.success'],
    ])
    const success = logger.events.at(-1)!.obj
    expect(success).toMatchObject({ provider: 'fake', model: 'one', images: 1, warnings: 2, durationMs: clock.sleeps[0] })
  })

  it('logs a failure with its error code', async () => {
    const plugin = fakePlugin(async () => {
      throw new RateLimitError('fake one: quota exhausted (429)', { status: 429, retryable: false })
    })
    const { client, logger } = fakeClient([plugin])
    await expect(client.generateImage({ model: 'one', prompt: 'cat' })).rejects.toThrow('quota')
    expect(logger.events.at(-1)).toMatchObject({ level: 'error', obj: { event: 'generation.failure', code: 'LLMKIT_RATE_LIMIT', status: 429, retryable: false } })
  })

  it('redacts keys, bearer tokens and data URLs in everything logged below it', async () => {
    const plugin = fakePlugin(async (_req, _o, call) => {
      if (call === 1) throw new ProviderError('rejected Bearer sk-secret-fake-0123456789 for data:image/png;base64,iVBORw0KGgoAAAA', { status: 500 })
      return { images: [{ url: 'data:image/png;base64,iVBORw0KGgoAAAA' }] }
    })
    const { client, logger } = fakeClient([plugin])
    await client.generateImage({ model: 'one', prompt: 'cat' })
    const text = JSON.stringify(logger.events)
    expect(text).not.toContain('sk-secret')
    expect(text).not.toContain('iVBORw0KGgo')
    expect(redactFields({ apiKey: 'abc', nested: { authorization: 'x', note: 'key-0123456789abcdef' } })).toEqual({ apiKey: '<redacted>', nested: { authorization: '<redacted>', note: '<redacted>' } })
  })

  it('writes to a pino logger as is', async () => {
    const lines: Record<string, unknown>[] = []
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>)
        done()
      },
    })
    const { client } = fakeClient([fakePlugin()], { logger: pino({ level: 'debug' }, stream) })
    await client.generateImage({ model: 'one', prompt: 'cat' })
    expect(lines.map((l) => l['event'])).toEqual(['generation.start', 'generation.success'])
    expect(lines[1]).toMatchObject({ level: 30, images: 1, msg: 'one: 1 image(s) in 0 ms' })
  })

  it('can be removed, and a logging() middleware can target its own logger', async () => {
    const own = recordingLogger()
    const { client, logger } = fakeClient([fakePlugin()], { logging: false, middleware: [logging({ logger: own })] })
    await client.generateImage({ model: 'one', prompt: 'cat' })
    expect(logger.events).toEqual([])
    expect(own.events.map((e) => e.obj['event'])).toEqual(['generation.start', 'generation.success'])
  })

  it('has a minimal console logger, warn and above by default', () => {
    const logger = consoleLogger()
    expect(typeof logger.info).toBe('function')
    expect(() => consoleLogger({ level: 'loud' as never })).toThrow(new TypeError("Expected `level` to be one of 'debug', 'info', 'warn', 'error', got loud."))
  })
})
