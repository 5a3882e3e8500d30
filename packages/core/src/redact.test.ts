import nock from 'nock'
import { describe, expect, it } from 'vitest'
import { useNock } from '../../../test/nock.js'
import { LLMKitClient } from './client.js'
import { InvalidRequestError, LLMKitError, NetworkError, ProviderError } from './errors.js'
import { FakeClock, fakeModels, fakePlugin, recordingLogger } from './pipeline/__fixtures__/fake.js'
import { logging } from './pipeline/logging.js'
import { REDACTED, SecretRedactor } from './redact.js'
import type { ProviderPlugin } from './registry/plugin.js'

/** Like a Recraft key: no prefix, nothing a pattern could recognise. */
const KEY = 'Zq81mT4vXc0pLr7wNb3k'
const ORIGIN = 'https://echo.test'

/** A provider whose one call goes through the core's HTTP, to a server nock plays. */
function echoPlugin(): ProviderPlugin {
  return {
    id: 'echo',
    envKeys: ['ECHO_API_KEY'],
    defaultBaseUrl: `${ORIGIN}/v1`,
    models: [{ ...fakeModels[0]!, id: 'echo-1', wireId: 'echo-1' }],
    create: (ctx) => ({
      generate: async (req) => {
        const res = await ctx.http.request({
          method: 'POST',
          path: '/generate',
          model: req.modelId,
          headers: { authorization: `Bearer ${ctx.apiKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ prompt: req.prompt }),
        })
        const body = res.json() as { url: string }
        return { images: [{ url: body.url }], requestId: res.headers['x-request-id'] }
      },
    }),
  }
}

function echoClient(extra: ConstructorParameters<typeof LLMKitClient>[0] = {}) {
  const logger = recordingLogger()
  const client = new LLMKitClient({ providers: [echoPlugin()], env: { ECHO_API_KEY: KEY }, clock: new FakeClock(), logger, retry: false, ...extra })
  return { client, logger }
}

/** Everything an error exposes, as one text: fields, JSON, string form, stack and cause chain. */
function everything(error: unknown): string {
  const parts: string[] = []
  let current: unknown = error
  for (let depth = 0; current !== undefined && depth < 10; depth++) {
    const e = current as Record<string, unknown> & Error
    parts.push(String(e), e.stack ?? '', JSON.stringify(e), ...Object.values(e).map((v) => (typeof v === 'string' ? v : JSON.stringify(v) ?? '')))
    current = e.cause
  }
  return parts.join('\n')
}

describe('SecretRedactor', () => {
  const redactor = new SecretRedactor(() => [KEY, 'short', undefined])

  it('replaces a key by value, also percent-encoded and JSON-escaped, and leaves short values alone', () => {
    const odd = 'k3y/with+odd"chars\\x'
    const both = new SecretRedactor(() => [KEY, odd])
    expect(redactor.text(`a ${KEY} b ${KEY}`)).toBe(`a ${REDACTED} b ${REDACTED}`)
    expect(both.text(`?key=${encodeURIComponent(odd)}`)).toBe(`?key=${REDACTED}`)
    expect(both.text(JSON.stringify({ key: odd }))).toBe(`{"key":"${REDACTED}"}`)
    expect(redactor.text('a short word')).toBe('a short word')
  })

  it('returns clean values and errors as they are', () => {
    const error = new ProviderError('nothing secret', { status: 500 })
    const data = { a: ['x', { b: 1 }] }
    expect(redactor.error(error)).toBe(error)
    expect(redactor.value(data)).toBe(data)
  })

  it('copies an error with the same class and fields, redacting every field and the cause chain', () => {
    const root = new TypeError(`socket closed for ${KEY}`)
    const middle = new NetworkError(`reset while sending ${KEY}`, { cause: root })
    const error = new InvalidRequestError(`bad ${KEY}`, {
      provider: 'echo',
      status: 400,
      requestId: KEY,
      providerCode: `code-${KEY}`,
      param: KEY,
      body: `{"echo":"${KEY}"}`,
      cause: middle,
      paid: { provider: 'echo', model: 'm', images: [{ url: `https://cdn.test/a.png?token=${KEY}` }] },
    })
    const copy = redactor.error(error)
    expect(copy).not.toBe(error)
    expect(copy).toBeInstanceOf(InvalidRequestError)
    expect(LLMKitError.isInstance(copy)).toBe(true)
    expect(copy).toMatchObject({ name: 'InvalidRequestError', code: 'LLMKIT_INVALID_REQUEST', status: 400, provider: 'echo', requestId: REDACTED, param: REDACTED, message: `bad ${REDACTED}` })
    expect(copy.cause).toBeInstanceOf(NetworkError)
    expect((copy.cause as Error).cause).toBeInstanceOf(TypeError)
    expect(everything(copy)).not.toContain(KEY)
    // The original is untouched: whoever else holds it keeps what it had.
    expect(error.requestId).toBe(KEY)
  })

  it('does not loop on a circular cause', () => {
    const a = new ProviderError(`a ${KEY}`)
    const b = new ProviderError('b', { cause: a })
    Object.defineProperty(a, 'cause', { value: b })
    const copy = redactor.error(a)
    expect(copy.message).toBe(`a ${REDACTED}`)
  })
})

describe('client key redaction', () => {
  useNock()

  it('redacts a key a server echoes into x-request-id, the error message, code, param and body', async () => {
    // The key really was sent: the interceptor only matches a request that carries it.
    const scope = nock(ORIGIN, { reqheaders: { authorization: `Bearer ${KEY}` } })
      .post('/v1/generate')
      .reply(400, { error: { message: `key ${KEY} is not valid here`, code: KEY, param: KEY } }, { 'x-request-id': KEY, 'content-type': 'application/json' })
    const { client, logger } = echoClient({
      providers: [{ ...echoPlugin(), parseError: (res) => (res.json() as { error: { message: string; code: string; param: string } }).error }],
    })
    const error = await client.generateImage({ model: 'echo-1', prompt: 'p' }).catch((e: unknown) => e)
    expect(scope.isDone()).toBe(true)
    expect(error).toBeInstanceOf(InvalidRequestError)
    expect(error).toMatchObject({ status: 400, requestId: REDACTED, providerCode: REDACTED, param: REDACTED })
    expect(everything(error)).not.toContain(KEY)
    expect(JSON.stringify(logger.events)).not.toContain(KEY)
    expect(logger.events.at(-1)?.obj).toMatchObject({ event: 'generation.failure' })
  })

  it('scrubs a key from provider HTTP errors before any hook below the client sees them (onRetry)', async () => {
    nock(ORIGIN).post('/v1/generate').times(2).reply(503, `overloaded, key ${KEY}`, { 'x-request-id': KEY })
    const hooked: unknown[] = []
    const { client } = echoClient({ retry: { maxRetries: 1, random: () => 0, onRetry: ({ error }) => void hooked.push(error) } })
    const error = await client.generateImage({ model: 'echo-1', prompt: 'p' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ProviderError)
    expect(hooked).toHaveLength(1)
    expect(everything(hooked[0])).not.toContain(KEY)
    expect(everything(error)).not.toContain(KEY)
  })

  it('redacts a key echoed into the request id of a successful response', async () => {
    nock(ORIGIN).post('/v1/generate').reply(200, { url: 'https://cdn.test/a.png' }, { 'x-request-id': `req-${KEY}` })
    const { client, logger } = echoClient()
    const response = await client.generateImage({ model: 'echo-1', prompt: 'p' })
    expect(response.requestIds).toStrictEqual([`req-${REDACTED}`])
    expect(JSON.stringify(logger.events)).not.toContain(KEY)
  })

  it('redacts errors and causes a provider or middleware throws, keeping their class', async () => {
    const plugin = fakePlugin(async () => {
      throw new ProviderError(`upstream said ${KEY}`, { cause: new Error(`connect to https://x.test/?k=${KEY}`), retryable: false })
    })
    const client = new LLMKitClient({ providers: [plugin], env: { FAKE_API_KEY: KEY }, clock: new FakeClock(), retry: false })
    const error = await client.generateImage({ model: 'one', prompt: 'p' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ProviderError)
    expect(everything(error)).not.toContain(KEY)

    const foreign = new LLMKitClient({ providers: [fakePlugin()], env: { FAKE_API_KEY: KEY }, middleware: [async () => Promise.reject(new RangeError(`boom ${KEY}`))] })
    const thrown = await foreign.generateImage({ model: 'one', prompt: 'p' }).catch((e: unknown) => e)
    expect(thrown).toBeInstanceOf(RangeError)
    expect((thrown as Error).message).toBe(`boom ${REDACTED}`)
  })

  it('knows every key it holds: explicit apiKeys and every plugin key variable, in use or not, emulator placeholders included', async () => {
    const other = 'emulator-openai-key'
    const plugin = fakePlugin(async () => {
      throw new ProviderError(`${KEY} / ${other} / explicit-key-0001`, { retryable: false })
    })
    const second: ProviderPlugin = { ...fakePlugin(), id: 'second', envKeys: ['OPENAI_API_KEY'], models: [] }
    const client = new LLMKitClient({
      providers: [plugin, second],
      env: { FAKE_API_KEY: KEY, OPENAI_API_KEY: other },
      apiKeys: { unused: 'explicit-key-0001' },
      retry: false,
    })
    const error = (await client.generateImage({ model: 'one', prompt: 'p' }).catch((e: unknown) => e)) as Error
    expect(error.message).toBe(`${REDACTED} / ${REDACTED} / ${REDACTED}`)
  })

  it('redacts a key a server put into a job id before progress listeners see it', async () => {
    const plugin = fakePlugin(async (req, options) => {
      options.onProgress?.({ type: 'submitted', provider: 'fake', model: req.modelId, jobId: `job-${KEY}`, elapsedMs: 0 })
      return { images: [{ url: 'https://img.fake/a.png' }] }
    })
    const client = new LLMKitClient({ providers: [plugin], env: { FAKE_API_KEY: KEY }, retry: false })
    const events: unknown[] = []
    await client.generateImage({ model: 'one', prompt: 'p' }, { onProgress: (event) => void events.push(event) })
    expect(events).toMatchObject([{ type: 'submitted', jobId: `job-${REDACTED}` }])
  })

  it('redacts by value in the events of a logging() middleware that writes to its own logger', async () => {
    const own = recordingLogger()
    const plugin = fakePlugin(async () => {
      throw new ProviderError(`no ${KEY}`, { retryable: false })
    })
    const client = new LLMKitClient({ providers: [plugin], env: { FAKE_API_KEY: KEY }, logging: false, middleware: [logging({ logger: own })], retry: false })
    await expect(client.generateImage({ model: 'one', prompt: 'p' })).rejects.toThrow(ProviderError)
    expect(own.events.map((e) => e.obj['event'])).toStrictEqual(['generation.start', 'generation.failure'])
    expect(JSON.stringify(own.events)).not.toContain(KEY)
  })
})
