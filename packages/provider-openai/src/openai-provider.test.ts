import { readFileSync } from 'node:fs'
import nock from 'nock'
import {
  AuthenticationError,
  ContentPolicyError,
  ImageFormat,
  ImageGenerationRequest,
  ImageQuality,
  ImageSize,
  ImageStyle,
  InvalidRequestError,
  LLMKitClient,
  LLMKitError,
  ModelNotFoundError,
  PermissionDeniedError,
  ProviderError,
  RateLimitError,
  modelCapabilitiesSchema,
} from '@llmkit/core'
import { describe, expect, it } from 'vitest'
import { headersOf, useNock } from '../../../test/nock.js'
import { openai, openaiModels } from './index.js'

const BASE = 'https://api.openai.test'
const KEY = 'sk-test-0123456789abcdef'
const fixture = (name: string) => JSON.parse(readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8')) as unknown

function client(options: { env?: Record<string, string>; unsupported?: 'warn' | 'error' } = {}) {
  return new LLMKitClient({
    providers: [openai()],
    env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${BASE}/v1`, ...options.env },
    unsupported: options.unsupported,
    // One nock reply per test: the mapping is under test here, retries are the retry middleware's.
    retry: false,
  })
}

/** Captures the body and headers of the one request nock sees. */
function expectCall(reply: { status: number; body: unknown; headers?: Record<string, string> }) {
  const seen: { body?: unknown; headers?: Record<string, string | string[]> } = {}
  const scope = nock(BASE)
    .post('/v1/images/generations')
    .reply(reply.status, reply.body as nock.Body, { 'x-request-id': 'req_123', ...reply.headers })
  scope.on('request', (req: { headers: Record<string, string> | Headers }, _interceptor: unknown, body: string) => {
    const h = req.headers
    seen.headers = headersOf(h)
    seen.body = JSON.parse(body)
  })
  return seen
}

useNock()

describe('capability table', () => {
  it('parses every row with the ModelCapabilities schema and has unique ids', () => {
    for (const row of openaiModels) expect(modelCapabilitiesSchema.safeParse(row).success).toBe(true)
    const ids = openaiModels.map((m) => m.id)
    expect(new Set(ids).size).toBe(ids.length)
  })

  it('declares the true per-call limits: dall-e-3 one image, dall-e-2 ten', () => {
    expect(openaiModels.find((m) => m.id === 'dall-e-3')?.maxImagesPerCall).toBe(1)
    expect(openaiModels.find((m) => m.id === 'dall-e-2')?.maxImagesPerCall).toBe(10)
    for (const m of openaiModels.filter((m) => m.id.startsWith('gpt-image'))) expect(m.formats).toStrictEqual(['b64_json'])
  })
})

describe('request mapping', () => {
  it('sends the exact dall-e-3 body and auth header of the seed builder example', async () => {
    const seen = expectCall({ status: 200, body: fixture('dall-e-3-url.json') })
    const request = new ImageGenerationRequest('dall-e-3', 'A Renaissance painting style portrait')
      .with_n(1)
      .with_size(ImageSize.Landscape1792x1024)
      .with_quality(ImageQuality.Hd)
      .with_style(ImageStyle.Vivid)
      .with_format(ImageFormat.Url)
    const response = await client().generateImage(request)
    expect(seen.body).toStrictEqual({
      model: 'dall-e-3',
      prompt: 'A Renaissance painting style portrait',
      n: 1,
      size: '1792x1024',
      quality: 'hd',
      style: 'vivid',
      response_format: 'url',
    })
    expect(seen.headers?.['authorization']).toBe(`Bearer ${KEY}`)
    expect(seen.headers?.['content-type']).toBe('application/json')
    expect(response.first()?.url).toMatch(/^https:\/\/oaidalleapiprodscus/)
    expect(response.first()?.revised_prompt).toBe('A serene mountain landscape at dawn, mist in the valleys')
    expect(response.first()?.expiresAt).toBeInstanceOf(Date)
    expect(response.warnings).toStrictEqual([])
    expect(response.provider).toBe('openai')
    expect(response.model).toBe('dall-e-3')
    expect(response.requestIds).toStrictEqual(['req_123'])
  })

  it('sends dall-e-2 with n=4 in one call and response_format b64_json', async () => {
    const seen = expectCall({ status: 200, body: { created: 1, data: [1, 2, 3, 4].map(() => ({ b64_json: 'iVBORw0KGgo=' })) } })
    const response = await client().generateImage({ model: 'dall-e-2', prompt: 'p', n: 4, size: '512x512', format: 'b64_json' })
    expect(seen.body).toStrictEqual({ model: 'dall-e-2', prompt: 'p', n: 4, size: '512x512', response_format: 'b64_json' })
    expect(response.count).toBe(4)
    expect(response.total_size).toBe(32)
  })

  it('never sends response_format to gpt-image-1 and returns a data URL when a URL is asked for', async () => {
    const seen = expectCall({ status: 200, body: fixture('gpt-image-1-b64.json') })
    const response = await client().generateImage({ model: 'gpt-image-1', prompt: 'p', quality: 'high', provider_options: { background: 'transparent' } })
    expect(seen.body).toStrictEqual({ model: 'gpt-image-1', prompt: 'p', n: 1, quality: 'high', background: 'transparent' })
    expect(response.first()?.url).toMatch(/^data:image\/png;base64,iVBOR/)
    expect(response.first()?.mimeType).toBe('image/png')
    expect(response.usage).toMatchObject({ inputTokens: 50, outputTokens: 1056, totalTokens: 1106 })
  })

  it('maps hd to high on gpt-image-1 and warns', async () => {
    const seen = expectCall({ status: 200, body: fixture('gpt-image-1-b64.json') })
    const response = await client().generateImage({ model: 'gpt-image-1', prompt: 'p', quality: 'hd' })
    expect((seen.body as Record<string, unknown>)['quality']).toBe('high')
    expect(response.warnings).toMatchInlineSnapshot(`
      [
        {
          "message": "gpt-image-1 has no quality "hd": used high instead of hd",
          "requested": "hd",
          "setting": "quality",
          "type": "mapped",
          "used": "high",
        },
      ]
    `)
  })

  it('drops a seed on dall-e-3 with a warning', async () => {
    const seen = expectCall({ status: 200, body: fixture('dall-e-3-url.json') })
    const response = await client().generateImage({ model: 'dall-e-3', prompt: 'p', seed: 7 })
    expect(seen.body).not.toHaveProperty('seed')
    expect(response.warnings).toMatchInlineSnapshot(`
      [
        {
          "message": "dall-e-3 has no seed, so results are not reproducible; seed was not sent",
          "requested": 7,
          "setting": "seed",
          "type": "unsupported",
        },
      ]
    `)
  })

  it('maps 1536x1024 to the nearest dall-e-3 size and warns', async () => {
    const seen = expectCall({ status: 200, body: fixture('dall-e-3-url.json') })
    const response = await client().generateImage({ model: 'dall-e-3', prompt: 'p', size: '1536x1024' })
    expect((seen.body as Record<string, unknown>)['size']).toBe('1792x1024')
    expect(response.warnings[0]).toMatchObject({ type: 'mapped', setting: 'size', used: '1792x1024' })
  })

  it("rejects a negative prompt before any call under unsupported: 'error'", async () => {
    await expect(client({ unsupported: 'error' }).generateImage({ model: 'dall-e-3', prompt: 'p', negative_prompt: 'blurry' })).rejects.toMatchObject({
      name: 'UnsupportedCapabilityError',
      code: 'LLMKIT_UNSUPPORTED_CAPABILITY',
      param: 'negative_prompt',
    })
    expect(nock.pendingMocks()).toStrictEqual([])
  })

  it('sends the organization and project headers when set', async () => {
    const seen = expectCall({ status: 200, body: fixture('dall-e-3-url.json') })
    await client({ env: { OPENAI_ORG_ID: 'org-1', OPENAI_PROJECT_ID: 'proj-1' } }).generateImage({ model: 'dall-e-3', prompt: 'p' })
    expect(seen.headers?.['openai-organization']).toBe('org-1')
    expect(seen.headers?.['openai-project']).toBe('proj-1')
  })

  it('rejects a prompt over dall-e-3 limit of 4000 characters before sending', async () => {
    await expect(client().generateImage({ model: 'dall-e-3', prompt: 'x'.repeat(4001) })).rejects.toBeInstanceOf(InvalidRequestError)
  })
})

const envelope = (message: string | null, type: string | null, code: string | null, param: string | null = null) => ({ error: { message, type, param, code } })

describe('unexpected 200 answers', () => {
  it.each([
    ['an empty object', {}],
    ['data that is not a list', { created: 1, data: 'nope' }],
    ['an HTML page', '<html><body>Bad gateway</body></html>'],
    ['images without data', { created: 1, data: [{}] }],
    ['more images than asked', { created: 1, data: [{ b64_json: 'iVBORw0KGgo=' }, { b64_json: 'iVBORw0KGgo=' }] }],
  ])('%s is a non-retryable ProviderError (the work was paid), sent once even with retries on', async (_name, body) => {
    const scope = nock(BASE).post('/v1/images/generations').once().reply(200, body as nock.Body, { 'x-request-id': 'req_garbled' })
    const retrying = new LLMKitClient({ providers: [openai()], env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${BASE}/v1` }, retry: { maxRetries: 3, initialDelayMs: 1 } })
    const error = (await retrying.generateImage({ model: 'dall-e-3', prompt: 'p', format: 'b64_json' }).catch((e: unknown) => e)) as LLMKitError
    expect(error).toBeInstanceOf(ProviderError)
    expect(error).not.toBeInstanceOf(InvalidRequestError)
    expect(error.retryable).toBe(false)
    expect(error.requestId).toBe('req_garbled')
    expect(error.message).toMatch(/^openai dall-e-3: /)
    expect(scope.isDone()).toBe(true)
  })
})

describe('error mapping', () => {
  it.each([
    [400, envelope('Your request was rejected as a result of our safety system.', 'invalid_request_error', 'content_policy_violation'), ContentPolicyError, 'LLMKIT_CONTENT_POLICY', false],
    [400, envelope(null, 'image_generation_user_error', 'moderation_blocked'), ContentPolicyError, 'LLMKIT_CONTENT_POLICY', false],
    [400, envelope("Invalid value: '999x999'.", 'invalid_request_error', 'invalid_size', 'size'), InvalidRequestError, 'LLMKIT_INVALID_REQUEST', false],
    [401, envelope('Incorrect API key provided: sk-***ef.', 'invalid_request_error', 'invalid_api_key'), AuthenticationError, 'LLMKIT_AUTHENTICATION', false],
    [403, envelope('Your organization must be verified to use gpt-image-1.', 'invalid_request_error', null), PermissionDeniedError, 'LLMKIT_PERMISSION_DENIED', false],
    [404, envelope('The model `dall-e-9` does not exist.', 'invalid_request_error', 'model_not_found'), ModelNotFoundError, 'LLMKIT_MODEL_NOT_FOUND', false],
    [429, envelope('Rate limit reached for images per minute.', 'requests', 'rate_limit_exceeded'), RateLimitError, 'LLMKIT_RATE_LIMIT', true],
    [429, envelope('You exceeded your current quota, please check your plan and billing details.', 'insufficient_quota', 'insufficient_quota'), RateLimitError, 'LLMKIT_RATE_LIMIT', false],
    [500, envelope('The server had an error while processing your request.', 'server_error', null), ProviderError, 'LLMKIT_PROVIDER', true],
    [503, 'upstream connect error', ProviderError, 'LLMKIT_PROVIDER', true],
  ] as const)('maps %i %j to %o', async (status, body, errorClass, code, retryable) => {
    expectCall({ status, body })
    const error = await client()
      .generateImage({ model: 'dall-e-3', prompt: 'p' })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(errorClass)
    expect(error).toMatchObject({ code, retryable, status, provider: 'openai', model: 'dall-e-3', requestId: 'req_123' })
    expect(LLMKitError.isInstance(error)).toBe(true)
    expect((error as Error).message).toMatch(/^openai dall-e-3: /)
    expect((error as Error).message).not.toContain(KEY)
  })

  it('keeps the offending param of an invalid request', async () => {
    expectCall({ status: 400, body: envelope("Invalid value: '999x999'.", 'invalid_request_error', 'invalid_size', 'size') })
    await expect(client().generateImage({ model: 'dall-e-3', prompt: 'p' })).rejects.toMatchObject({ param: 'size', providerCode: 'invalid_size' })
  })

  it('says "quota" in every rate-limit message, as the seed error example expects', async () => {
    expectCall({ status: 429, body: envelope('Rate limit reached for images per minute.', 'requests', 'rate_limit_exceeded') })
    await expect(client().generateImage({ model: 'dall-e-3', prompt: 'p' })).rejects.toThrow(/quota/)
  })

  it('never puts the key in an error, even when the provider echoes it', async () => {
    expectCall({ status: 401, body: envelope(`Incorrect API key provided: ${KEY}.`, 'invalid_request_error', 'invalid_api_key') })
    const error = (await client()
      .generateImage({ model: 'dall-e-3', prompt: 'p' })
      .catch((e: unknown) => e)) as LLMKitError
    expect(error.message).not.toContain(KEY)
    expect(error.body).not.toContain(KEY)
    expect(JSON.stringify(error)).not.toContain(KEY)
    expect(error.message).toContain('OPENAI_API_KEY')
  })
})
