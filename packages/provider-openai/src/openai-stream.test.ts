import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { PassThrough } from 'node:stream'
import nock from 'nock'
import {
  AbortError,
  ContentPolicyError,
  InvalidRequestError,
  LLMKitClient,
  NetworkError,
  type ProgressEvent,
  ProviderError,
  TimeoutError,
} from '@llmkit/core'
import { describe, expect, it } from 'vitest'
import { headersOf, useNock } from '../../../test/nock.js'
import { openai } from './index.js'
import { failure } from '../../../test/failure.js'

const BASE = 'https://api.openai.test'
const KEY = 'sk-test-0123456789abcdef'
/** A 1x1 PNG: the final image passes the core's output checks. */
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC'
const PREVIEW_0 = Buffer.from('preview 0').toString('base64')
const PREVIEW_1 = Buffer.from('preview 1').toString('base64')
const USAGE = { total_tokens: 1266, input_tokens: 50, output_tokens: 1216, input_tokens_details: { text_tokens: 50, image_tokens: 0 } }

function client(options: { streamIdleTimeoutMs?: number } = {}) {
  return new LLMKitClient({
    providers: [openai({ streamIdleTimeoutMs: options.streamIdleTimeoutMs })],
    env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${BASE}/v1` },
    // One nock reply per test: the stream is under test here, retries are the retry middleware's.
    retry: false,
  })
}

/** One server-sent event as OpenAI writes it: the `event:` name equals `data.type`. */
function sse(data: Record<string, unknown>): string {
  return `event: ${String(data['type'])}\ndata: ${JSON.stringify(data)}\n\n`
}

const COMMON = { created_at: 1764000000, size: '1024x1024', quality: 'medium', background: 'opaque', output_format: 'png' }
const partial = (index: number, b64: string) => sse({ type: 'image_generation.partial_image', b64_json: b64, partial_image_index: index, ...COMMON })
const completed = (b64 = PNG) => sse({ type: 'image_generation.completed', b64_json: b64, usage: USAGE, ...COMMON })

/** Captures the body and headers of the one request nock sees. */
function expectStream(reply: string | (() => PassThrough), status = 200) {
  const seen: { body?: unknown; headers?: Record<string, string> } = {}
  const scope = nock(BASE)
    .post('/v1/images/generations')
    .reply(status, typeof reply === 'string' ? reply : () => reply(), { 'content-type': 'text/event-stream', 'x-request-id': 'req_stream' })
  scope.on('request', (req: { headers: Record<string, string> | Headers }, _interceptor: unknown, body: string) => {
    seen.headers = headersOf(req.headers)
    seen.body = JSON.parse(body)
  })
  return seen
}

const streamed = { model: 'gpt-image-1', prompt: 'A lighthouse at dusk', format: 'b64_json', provider_options: { partial_images: 2 } } as const

useNock()

describe('GPT image streaming (partial_images with onProgress)', () => {
  it('sends stream: true with partial_images, delivers each preview to onProgress, then the final image with its usage', async () => {
    const seen = expectStream(partial(0, PREVIEW_0) + partial(1, PREVIEW_1) + completed())
    const events: ProgressEvent[] = []
    const response = await client().generateImage(streamed, { onProgress: (event) => events.push(event) })

    expect(seen.body).toStrictEqual({ model: 'gpt-image-1', prompt: 'A lighthouse at dusk', n: 1, partial_images: 2, stream: true })
    expect(seen.headers?.['accept']).toBe('text/event-stream')
    expect(seen.headers?.['authorization']).toBe(`Bearer ${KEY}`)
    const previews = events.filter((e) => e.type === 'partial_image')
    expect(previews.map(({ index, partialImageIndex, image, provider, model }) => ({ index, partialImageIndex, image, provider, model }))).toStrictEqual([
      { index: 0, partialImageIndex: 0, image: { b64: PREVIEW_0, mimeType: 'image/png' }, provider: 'openai', model: 'gpt-image-1' },
      { index: 0, partialImageIndex: 1, image: { b64: PREVIEW_1, mimeType: 'image/png' }, provider: 'openai', model: 'gpt-image-1' },
    ])
    for (const event of previews) expect(event.elapsedMs).toBeGreaterThanOrEqual(0)
    expect(response.images).toHaveLength(1)
    expect(response.first()?.b64_json).toBe(PNG)
    expect(response.first()?.mimeType).toBe('image/png')
    expect(response.usage).toMatchObject({ inputTokens: 50, outputTokens: 1216, totalTokens: 1266, raw: USAGE })
    expect(response.requestIds).toStrictEqual(['req_stream'])
    expect(response.created).toBe(1764000000)
    expect(response.warnings).toStrictEqual([])
  })

  it('reads the stream to its end when the final image comes before every asked-for preview, and stops at [DONE]', async () => {
    expectStream(partial(0, PREVIEW_0) + completed() + 'data: [DONE]\n\n' + partial(1, PREVIEW_1))
    const events: ProgressEvent[] = []
    const response = await client().generateImage(streamed, { onProgress: (event) => events.push(event) })
    expect(events.filter((e) => e.type === 'partial_image').map((e) => e.partialImageIndex)).toStrictEqual([0])
    expect(response.first()?.b64_json).toBe(PNG)
  })

  it('checks the final image like a JSON answer: bytes that are not an image are refused, marked as paid work', async () => {
    expectStream(partial(0, PREVIEW_0) + completed(Buffer.from('<html>not an image</html>').toString('base64')))
    const error = await failure(client().generateImage(streamed, { onProgress: () => {} }))
    expect(error.message).toMatch(/not a PNG, JPEG, WebP, GIF or SVG image/)
    expect(error.retryable).toBe(false)
  })

  it('a stream that ends without image_generation.completed is an unexpected answer, not retried, may have been charged', async () => {
    expectStream(partial(0, PREVIEW_0))
    const error = await failure(client().generateImage(streamed, { onProgress: () => {} }))
    expect(error).toBeInstanceOf(ProviderError)
    expect(error).toMatchObject({ providerCode: 'unexpected_response', retryable: false, mayHaveBeenCharged: true, requestId: 'req_stream' })
    expect(error.message).toMatch(/without an image_generation\.completed event/)
  })

  it('maps an error event in a 200 stream (output moderation) to ContentPolicyError, may have been charged', async () => {
    expectStream(partial(0, PREVIEW_0) + `event: error\ndata: ${JSON.stringify({ error: { message: 'Your request was rejected by the safety system.', type: 'image_generation_user_error', code: 'moderation_blocked', param: null } })}\n\n`)
    const error = await failure(client().generateImage(streamed, { onProgress: () => {} }))
    expect(error).toBeInstanceOf(ContentPolicyError)
    expect(error).toMatchObject({ providerCode: 'moderation_blocked', mayHaveBeenCharged: true, requestId: 'req_stream' })
  })

  it('maps a non-2xx answer to a streaming request like any other (not ambiguous: nothing was accepted)', async () => {
    nock(BASE)
      .post('/v1/images/generations')
      .reply(400, { error: { message: 'Your request was rejected by the safety system.', type: 'image_generation_user_error', param: null, code: 'moderation_blocked' } }, { 'x-request-id': 'req_400' })
    const error = await failure(client().generateImage(streamed, { onProgress: () => {} }))
    expect(error).toBeInstanceOf(ContentPolicyError)
    expect(error).toMatchObject({ status: 400, requestId: 'req_400', mayHaveBeenCharged: false })
  })

  it('a stream that goes silent between events fails after streamIdleTimeoutMs with a TimeoutError marked mayHaveBeenCharged', async () => {
    // A real socket: the stall is the server's silence on an open connection.
    const server = createServer((req, res) => {
      req.resume()
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'x-request-id': 'req_stall' })
        res.write(partial(0, PREVIEW_0))
        // A trickle of bytes that never completes an event does not reset the wait.
        const trickle = setInterval(() => res.write('data: {"type":'), 20)
        res.on('close', () => clearInterval(trickle))
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    nock.enableNetConnect('127.0.0.1')
    try {
      const local = new LLMKitClient({
        providers: [openai({ streamIdleTimeoutMs: 150 })],
        env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1` },
        retry: false,
      })
      const events: ProgressEvent[] = []
      const error = await failure(local.generateImage(streamed, { onProgress: (event) => events.push(event) }))
      expect(error).toBeInstanceOf(TimeoutError)
      expect(error.mayHaveBeenCharged).toBe(true)
      expect(error.message).toMatch(/no image stream event for 150 ms/)
      expect(events.map((e) => e.type)).toStrictEqual(['partial_image'])
    } finally {
      nock.disableNetConnect()
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    }
  })

  it('honors an abort in the middle of the stream: AbortError, mayHaveBeenCharged', async () => {
    expectStream(() => {
      const body = new PassThrough()
      body.write(partial(0, PREVIEW_0))
      return body
    })
    const controller = new AbortController()
    const error = await failure(client().generateImage(streamed, { signal: controller.signal, onProgress: (event) => event.type === 'partial_image' && controller.abort() }))
    expect(error).toBeInstanceOf(AbortError)
    expect(error.mayHaveBeenCharged).toBe(true)
  })

  it('a listener that throws does not fail the generation', async () => {
    expectStream(partial(0, PREVIEW_0) + completed())
    const response = await client().generateImage(streamed, {
      onProgress: () => {
        throw new Error('listener bug')
      },
    })
    expect(response.first()?.b64_json).toBe(PNG)
  })
})

describe('when partial_images is not streamed', () => {
  /** A JSON answer with `n` images for the plain call, capturing its body. */
  function expectJson(n = 1) {
    const seen: { body?: unknown } = {}
    const scope = nock(BASE)
      .post('/v1/images/generations')
      .reply(200, { created: 1764000000, output_format: 'png', data: Array.from({ length: n }, () => ({ b64_json: PNG })), usage: USAGE }, { 'x-request-id': 'req_json' })
    scope.on('request', (_req: unknown, _interceptor: unknown, body: string) => {
      seen.body = JSON.parse(body)
    })
    return seen
  }

  it('sends the plain JSON call without partial_images when there is no onProgress, and says why', async () => {
    const seen = expectJson()
    const response = await client().generateImage(streamed)
    expect(seen.body).toStrictEqual({ model: 'gpt-image-1', prompt: 'A lighthouse at dusk', n: 1 })
    expect(response.warnings).toStrictEqual([
      { type: 'unsupported', setting: 'provider_options.partial_images', message: 'partial_images was not sent: previews are delivered through onProgress, and this call has no onProgress listener', requested: 2 },
    ])
  })

  it('sends the plain JSON call for n > 1 (preview events do not name their image), with a warning', async () => {
    const seen = expectJson(2)
    const response = await client().generateImage({ ...streamed, n: 2 }, { onProgress: () => {} })
    expect(seen.body).toStrictEqual({ model: 'gpt-image-1', prompt: 'A lighthouse at dusk', n: 2 })
    expect(response.images).toHaveLength(2)
    expect(response.warnings).toHaveLength(1)
    expect(response.warnings[0]?.message).toMatch(/calls of one image.*asks for 2/)
  })

  it('partial_images: 0 asks for no previews: the plain call, no warning', async () => {
    const seen = expectJson()
    const response = await client().generateImage({ ...streamed, provider_options: { partial_images: 0 } }, { onProgress: () => {} })
    expect(seen.body).toStrictEqual({ model: 'gpt-image-1', prompt: 'A lighthouse at dusk', n: 1 })
    expect(response.warnings).toStrictEqual([])
  })

  it.each([4, -1])('refuses partial_images %j before any network call', async (value) => {
    const error = await failure(client().generateImage({ ...streamed, provider_options: { partial_images: value } }, { onProgress: () => {} }))
    expect(error).toBeInstanceOf(InvalidRequestError)
    expect(error).toMatchObject({ param: 'provider_options.partial_images' })
    expect(error.message).toMatch(/0 to 3/)
    expect(nock.pendingMocks()).toStrictEqual([])
  })

  it('drops partial_images on DALL·E (not in its options) with the usual unknown-option warning', async () => {
    const seen = expectJson()
    const response = await client().generateImage({ model: 'dall-e-3', prompt: 'p', format: 'b64_json', provider_options: { partial_images: 2 } }, { onProgress: () => {} })
    expect(seen.body).toStrictEqual({ model: 'dall-e-3', prompt: 'p', n: 1, response_format: 'b64_json' })
    expect(response.warnings.some((w) => w.setting?.includes('partial_images'))).toBe(true)
  })
})
