import { readFileSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import nock from 'nock'
import {
  AuthenticationError,
  ContentPolicyError,
  ImageFormat,
  ImageGenerationRequest,
  ImageSize,
  InvalidRequestError,
  KNOWN_PROVIDER_PACKAGES,
  LLMKitClient,
  LLMKitError,
  ProviderError,
  RateLimitError,
  modelCapabilitiesSchema,
} from '@llmkit/core'
import { describe, expect, it } from 'vitest'
import { headersOf, useNock } from '../../../test/nock.js'
import { recraft, recraftModels } from './index.js'

const BASE = 'https://external.api.recraft.test'
const KEY = 'rc-test-0123456789abcdef'
const fixture = (name: string) => JSON.parse(readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8')) as unknown

function client(options: { env?: Record<string, string>; unsupported?: 'warn' | 'error' } = {}) {
  return new LLMKitClient({
    providers: [recraft()],
    env: { RECRAFT_API_KEY: KEY, RECRAFT_BASE_URL: `${BASE}/v1`, ...options.env },
    unsupported: options.unsupported,
    // One nock reply per call: a retried 429/5xx would hit no interceptor.
    retry: false,
  })
}

interface Seen {
  body?: Record<string, unknown>
  headers?: Record<string, string | string[]>
}

/** Captures the body and headers of each request nock sees, one reply per entry. */
function expectCalls(...replies: { status: number; body: unknown; headers?: Record<string, string> }[]): Seen[] {
  const seen: Seen[] = []
  for (const reply of replies) {
    const entry: Seen = {}
    seen.push(entry)
    const scope = nock(BASE)
      .post('/v1/images/generations')
      .reply(reply.status, reply.body as nock.Body, { 'x-request-id': 'req_rc_1', ...reply.headers })
    scope.on('request', (req: { headers: Record<string, string> | Headers }, _interceptor: unknown, body: string) => {
      const h = req.headers
      entry.headers = headersOf(h)
      entry.body = JSON.parse(body) as Record<string, unknown>
    })
  }
  return seen
}
const expectCall = (reply: { status: number; body: unknown; headers?: Record<string, string> }) => expectCalls(reply)[0]!

/** A reply that must never be used: asserts a request was refused before the network. */
function forbidCall() {
  return nock(BASE).post('/v1/images/generations').reply(200, fixture('recraftv3-url.json') as nock.Body)
}

useNock()

describe('capability table', () => {
  it('parses every row with the ModelCapabilities schema and has unique ids owned by recraft alone', () => {
    for (const row of recraftModels) expect(modelCapabilitiesSchema.safeParse(row).success).toBe(true)
    const ids = recraftModels.map((m) => m.id)
    expect(new Set(ids).size).toBe(ids.length)
    for (const id of ids) expect(KNOWN_PROVIDER_PACKAGES.filter((p) => p.pattern.test(id)).map((p) => p.id)).toStrictEqual(['recraft'])
  })

  it('declares 1-6 images, no seed, SVG for vector models and negative prompts on V2/V3 only', () => {
    for (const m of recraftModels) {
      expect(m.maxImagesPerCall).toBe(6)
      expect(m.seed).toBeNull()
      expect(m.outputMimeTypes).toStrictEqual(m.wireId.endsWith('_vector') ? ['image/svg+xml'] : ['image/png'])
      expect(m.sizes.kind).toBe(m.wireId.endsWith('_vector') ? 'aspect' : 'list')
      expect(m.negativePrompt).toBe(!m.wireId.startsWith('recraftv4'))
    }
  })

  it('uses Recraft wire ids and resolves them with the recraft: prefix', async () => {
    expect(recraftModels.find((m) => m.id === 'recraft-v3')?.wireId).toBe('recraftv3')
    const seen = expectCall({ status: 200, body: fixture('recraftv3-url.json') })
    const response = await client().generateImage({ model: 'recraft:recraftv3', prompt: 'p' })
    expect(seen.body?.['model']).toBe('recraftv3')
    expect(response.model).toBe('recraft-v3')
  })
})

describe('request mapping', () => {
  it('sends the exact recraft-v3 body and auth header for the seed builder', async () => {
    const seen = expectCall({ status: 200, body: fixture('recraftv3-url.json') })
    const request = new ImageGenerationRequest('recraft-v3', 'A serene mountain landscape').with_n(1).with_size(ImageSize.Square1024).with_format(ImageFormat.Url)
    const response = await client().generateImage(request)
    expect(seen.body).toStrictEqual({ model: 'recraftv3', prompt: 'A serene mountain landscape', n: 1, size: '1024x1024', response_format: 'url' })
    expect(seen.headers?.['authorization']).toBe(`Bearer ${KEY}`)
    expect(seen.headers?.['content-type']).toBe('application/json')
    expect(response.first()?.url).toMatch(/^https:\/\/img\.recraft\.ai\//)
    expect(response.first()?.mimeType).toBe('image/png')
    expect(response.first()?.expiresAt).toBeInstanceOf(Date)
    expect(response.usage?.credits).toBe(40)
    expect(response.warnings).toStrictEqual([])
    expect(response.provider).toBe('recraft')
    expect(response.requestIds).toStrictEqual(['req_rc_1'])
  })

  it('sends no size when none is asked, so Recraft picks the model default', async () => {
    const seen = expectCall({ status: 200, body: { created: 1, data: [{ b64_json: 'iVBORw0KGgo=' }] } })
    await client().generateImage({ model: 'recraft-v4-pro', prompt: 'p', format: 'b64_json' })
    expect(seen.body).toStrictEqual({ model: 'recraftv4_pro', prompt: 'p', n: 1, response_format: 'b64_json' })
  })

  it('sends an aspect ratio to vector models and returns SVG with its MIME type and byte count', async () => {
    const seen = expectCall({ status: 200, body: fixture('recraftv3-vector-b64.json') })
    const response = await client().generateImage({ model: 'recraft-v3-vector', prompt: 'a fox logo', size: '1024x1024', format: 'b64_json' })
    expect(seen.body).toStrictEqual({ model: 'recraftv3_vector', prompt: 'a fox logo', n: 1, size: '1:1', response_format: 'b64_json' })
    const image = response.first()!
    expect(image.mimeType).toBe('image/svg+xml')
    expect(response.total_size).toBe(169)
    expect((await image.bytes()).toString('utf8')).toMatch(/^<svg /)
    const dir = await mkdtemp(join(tmpdir(), 'recraft-'))
    try {
      expect(await image.save(join(dir, 'fox'))).toBe(join(dir, 'fox.svg'))
      // An explicit extension is kept as given, even when it does not match the SVG inside.
      expect(await image.save(join(dir, 'fox.png'))).toBe(join(dir, 'fox.png'))
      expect(await readFile(join(dir, 'fox.svg'), 'utf8')).toMatch(/<\/svg>$/)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('gives a vector image asked as a URL an SVG data URL when Recraft answers base64', async () => {
    expectCall({ status: 200, body: fixture('recraftv3-vector-b64.json') })
    const response = await client().generateImage({ model: 'recraft-v4-vector', prompt: 'p', size: '1820x1024' })
    expect(response.first()?.mimeType).toBe('image/svg+xml')
  })

  it('maps 1792x1024 to 16:9 on a vector model and warns', async () => {
    const seen = expectCall({ status: 200, body: fixture('recraftv3-vector-b64.json') })
    const response = await client().generateImage({ model: 'recraft-v3-vector', prompt: 'p', size: '1792x1024' })
    expect(seen.body?.['size']).toBe('16:9')
    expect(response.warnings).toMatchInlineSnapshot(`
      [
        {
          "message": "recraft-v3-vector takes aspect ratios only (1:1, 2:1, 1:2, 3:2, 2:3, 4:3, 3:4, 5:4, 4:5, 6:10, 14:10, 10:14, 16:9, 9:16): used 16:9 instead of 1792x1024",
          "requested": "1792x1024",
          "setting": "size",
          "type": "mapped",
          "used": "16:9",
        },
      ]
    `)
  })

  it('maps a wrong size to the nearest listed size of the model and warns', async () => {
    const seen = expectCall({ status: 200, body: fixture('recraftv3-url.json') })
    const response = await client().generateImage({ model: 'recraft-v3', prompt: 'p', size: '1792x1024' })
    expect(seen.body?.['size']).toBe('1820x1024')
    expect(response.warnings[0]).toMatchObject({ type: 'mapped', setting: 'size', requested: '1792x1024', used: '1820x1024' })
  })

  it("rejects a wrong size before any call under unsupported: 'error'", async () => {
    const scope = forbidCall()
    await expect(client({ unsupported: 'error' }).generateImage({ model: 'recraft-v4', prompt: 'p', size: '1024x1792' })).rejects.toMatchObject({
      code: 'LLMKIT_UNSUPPORTED_CAPABILITY',
      param: 'size',
    })
    expect(scope.isDone()).toBe(false)
  })

  it('sends Recraft style, substyle, controls and the negative prompt on recraft-v3', async () => {
    const seen = expectCall({ status: 200, body: { created: 1, data: [1, 2, 3].map(() => ({ b64_json: 'iVBORw0KGgo=' })) } })
    const controls = { artistic_level: 2, colors: [{ rgb: [255, 0, 0] }], background_color: { rgb: [0, 0, 0] }, no_text: true }
    const text_layout = [{ text: 'HELLO', bbox: [[0.1, 0.1], [0.9, 0.1], [0.9, 0.3], [0.1, 0.3]] }]
    const response = await client().generateImage(
      new ImageGenerationRequest('recraft-v3', 'portrait')
        .with_n(3)
        .with_size(ImageSize.Square1024)
        .with_negative_prompt('blurry')
        .with_format(ImageFormat.B64Json)
        .with_provider_options({ style: 'realistic_image', substyle: 'hard_flash', controls, text_layout }),
    )
    expect(seen.body).toStrictEqual({
      model: 'recraftv3',
      prompt: 'portrait',
      n: 3,
      size: '1024x1024',
      response_format: 'b64_json',
      negative_prompt: 'blurry',
      style: 'realistic_image',
      substyle: 'hard_flash',
      controls,
      text_layout,
    })
    expect(response.warnings).toStrictEqual([])
  })

  it('sends style_id alone', async () => {
    const seen = expectCall({ status: 200, body: fixture('recraftv3-url.json') })
    await client().generateImage({ model: 'recraft-v2', prompt: 'p', provider_options: { style_id: '229b2a75-05e4-4580-85f9-b47ee521a00d' } })
    expect(seen.body).toStrictEqual({ model: 'recraftv2', prompt: 'p', n: 1, response_format: 'url', style_id: '229b2a75-05e4-4580-85f9-b47ee521a00d' })
  })

  it('sends a V4 Styles model its style_id', async () => {
    const seen = expectCall({ status: 200, body: fixture('recraftv3-url.json') })
    const response = await client().generateImage({ model: 'recraft-v4-styles-pro', prompt: 'p', size: '2560x1664', provider_options: { style_id: '229b2a75-05e4-4580-85f9-b47ee521a00d' } })
    expect(seen.body).toStrictEqual({ model: 'recraftv4_styles_pro', prompt: 'p', n: 1, response_format: 'url', size: '2560x1664', style_id: '229b2a75-05e4-4580-85f9-b47ee521a00d' })
    expect(response.warnings).toStrictEqual([])
  })

  it('sends V4.1 and V4.1 Pro Vector by their wire ids', async () => {
    const raster = expectCall({ status: 200, body: fixture('recraftv3-url.json') })
    await client().generateImage({ model: 'recraft-v4-1', prompt: 'p', size: '1344x768' })
    expect(raster.body).toStrictEqual({ model: 'recraftv4_1', prompt: 'p', n: 1, response_format: 'url', size: '1344x768' })
    const vector = expectCall({ status: 200, body: fixture('recraftv3-url.json') })
    await client().generateImage({ model: 'recraft-v4-1-pro-vector', prompt: 'p', aspect_ratio: '16:9' })
    expect(vector.body).toStrictEqual({ model: 'recraftv4_1_pro_vector', prompt: 'p', n: 1, response_format: 'url', size: '16:9' })
  })

  it('refuses a V4 Styles call without style_id before any call', async () => {
    const scope = forbidCall()
    const error = await client()
      .generateImage({ model: 'recraft-v4-styles', prompt: 'p' })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidRequestError)
    expect((error as Error).message).toMatch(/style_id/)
    expect(scope.isDone()).toBe(false)
  })

  it('drops text_layout on recraft-v2 with a warning (recraftv3 only)', async () => {
    const seen = expectCall({ status: 200, body: fixture('recraftv3-url.json') })
    const response = await client().generateImage({ model: 'recraft-v2', prompt: 'p', provider_options: { text_layout: [] } })
    expect(seen.body).not.toHaveProperty('text_layout')
    expect(response.warnings[0]).toMatchObject({ type: 'unsupported', setting: 'provider_options.text_layout' })
  })

  it.each([
    ['a style on V4', 'recraft-v4', { style: 'realistic_image' }, 'provider_options.style', /recraftv4 takes no styles/],
    ['a style_id on V4 Pro vector', 'recraft-v4-pro-vector', { style_id: '229b2a75-05e4-4580-85f9-b47ee521a00d' }, 'provider_options.style_id', /takes no styles/],
    ['style with style_id', 'recraft-v3', { style: 'digital_illustration', style_id: '229b2a75-05e4-4580-85f9-b47ee521a00d' }, 'provider_options.style_id', /exclude each other/],
    ['a substyle of another family', 'recraft-v3', { style: 'realistic_image', substyle: 'pixel_art' }, 'provider_options.substyle', /belongs to digital_illustration/],
    ['a family-prefixed substyle of another family', 'recraft-v2', { style: 'vector_illustration', substyle: 'digital_illustration_pixel_art' }, 'provider_options.substyle', /belongs to digital_illustration/],
    ['a substyle without style', 'recraft-v3', { substyle: 'hard_flash' }, 'provider_options.substyle', /needs style/],
    ['icon on V3 (V2 only)', 'recraft-v3', { style: 'icon' }, 'provider_options.style', /does not take style "icon"/],
    ['logo_raster on V2 (V3 only)', 'recraft-v2', { style: 'logo_raster' }, 'provider_options.style', /does not take style "logo_raster"/],
    ['a style_id on V4.1', 'recraft-v4-1', { style_id: '229b2a75-05e4-4580-85f9-b47ee521a00d' }, 'provider_options.style_id', /recraftv4_1 takes no styles/],
    ['a style_id that is not a UUID', 'recraft-v3', { style_id: 'my-style' }, 'provider_options.style_id', /must be a style UUID/],
    ['a style on V4 Styles', 'recraft-v4-styles', { style: 'realistic_image', style_id: '229b2a75-05e4-4580-85f9-b47ee521a00d' }, 'provider_options.style', /takes only a style_id/],
    ['an artistic level above 5', 'recraft-v3', { controls: { artistic_level: 9 } }, 'provider_options.controls.artistic_level', /invalid/],
  ])('rejects %s with InvalidRequestError before any call', async (_name, model, provider_options, param, message) => {
    const scope = forbidCall()
    const error = await client()
      .generateImage({ model, prompt: 'p', provider_options })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidRequestError)
    expect(error).toMatchObject({ param, provider: 'recraft', model })
    expect((error as Error).message).toMatch(message)
    expect(scope.isDone()).toBe(false)
  })

  it('drops a seed with the unsupported warning: Recraft has no seed', async () => {
    const seen = expectCall({ status: 200, body: fixture('recraftv3-url.json') })
    const response = await client().generateImage({ model: 'recraft-v3', prompt: 'p', seed: 42 })
    expect(seen.body).not.toHaveProperty('seed')
    expect(response.warnings).toMatchInlineSnapshot(`
      [
        {
          "message": "recraft-v3 has no seed, so results are not reproducible; seed was not sent",
          "requested": 42,
          "setting": "seed",
          "type": "unsupported",
        },
      ]
    `)
  })

  it("rejects a seed under unsupported: 'error' and a seed outside any range under either policy", async () => {
    await expect(client({ unsupported: 'error' }).generateImage({ model: 'recraft-v3', prompt: 'p', seed: 42 })).rejects.toMatchObject({ code: 'LLMKIT_UNSUPPORTED_CAPABILITY', param: 'seed' })
    await expect(client().generateImage({ model: 'recraft-v3', prompt: 'p', seed: -1 })).rejects.toMatchObject({ code: 'LLMKIT_INVALID_REQUEST', param: 'seed' })
  })

  it('drops a negative prompt on recraft-v4, which ignores it, with a warning', async () => {
    const seen = expectCall({ status: 200, body: fixture('recraftv3-url.json') })
    const response = await client().generateImage({ model: 'recraft-v4', prompt: 'p', negative_prompt: 'blurry' })
    expect(seen.body).not.toHaveProperty('negative_prompt')
    expect(response.warnings[0]).toMatchObject({ type: 'unsupported', setting: 'negative_prompt', message: 'recraft-v4 ignores negative prompts; negative_prompt was not sent' })
  })

  it('rejects n above 10 before any call', async () => {
    expect(() => new ImageGenerationRequest('recraft-v3', 'p').with_n(11)).toThrow(InvalidRequestError)
    await expect(client().generateImage({ model: 'recraft-v3', prompt: 'p', n: 0 })).rejects.toMatchObject({ code: 'LLMKIT_INVALID_REQUEST', param: 'n' })
  })

  it('sends n=6, the per-call maximum, in one call', async () => {
    const seen = expectCall({ status: 200, body: { created: 1, data: Array.from({ length: 6 }, () => ({ url: 'https://img.recraft.ai/x.png' })) } })
    const response = await client().generateImage({ model: 'recraft-v4', prompt: 'p', n: 6 })
    expect(seen.body?.['n']).toBe(6)
    expect(response.count).toBe(6)
  })

  it('rejects a prompt over the 1000 characters of V3 but sends 10000 to V4', async () => {
    await expect(client().generateImage({ model: 'recraft-v3', prompt: 'x'.repeat(1001) })).rejects.toMatchObject({ code: 'LLMKIT_INVALID_REQUEST', param: 'prompt' })
    const seen = expectCall({ status: 200, body: fixture('recraftv3-url.json') })
    await client().generateImage({ model: 'recraft-v4', prompt: 'x'.repeat(10_000) })
    expect((seen.body?.['prompt'] as string).length).toBe(10_000)
  })

  it('reads the key from RECRAFT_API_TOKEN too', async () => {
    const seen = expectCall({ status: 200, body: fixture('recraftv3-url.json') })
    await new LLMKitClient({ providers: [recraft()], env: { RECRAFT_API_TOKEN: 'tok-123456', RECRAFT_BASE_URL: `${BASE}/v1` } }).generateImage({ model: 'recraft-v3', prompt: 'p' })
    expect(seen.headers?.['authorization']).toBe('Bearer tok-123456')
  })
})

const TEXT = { 'content-type': 'text/plain; charset=utf-8' }
const JSON_CT = { 'content-type': 'application/json' }

describe('error mapping', () => {
  it.each([
    [401, 'request unauthorized', TEXT, AuthenticationError, 'LLMKIT_AUTHENTICATION', false, undefined],
    [404, '404 page not found', TEXT, InvalidRequestError, 'LLMKIT_INVALID_REQUEST', false, undefined],
    [400, { code: 'invalid_size', message: 'size 999x999 is not supported by recraftv3' }, JSON_CT, InvalidRequestError, 'LLMKIT_INVALID_REQUEST', false, 'invalid_size'],
    [400, { code: 'style_not_supported', message: 'style is not supported for model recraftv4' }, JSON_CT, InvalidRequestError, 'LLMKIT_INVALID_REQUEST', false, 'style_not_supported'],
    [422, { detail: [{ loc: ['body', 'n'], msg: 'Input should be less than or equal to 6', type: 'less_than_equal' }] }, JSON_CT, InvalidRequestError, 'LLMKIT_INVALID_REQUEST', false, undefined],
    [400, { error: { code: 'bad_substyle', message: 'substyle does not match style' } }, JSON_CT, InvalidRequestError, 'LLMKIT_INVALID_REQUEST', false, 'bad_substyle'],
    [400, 'prompt is too long', TEXT, InvalidRequestError, 'LLMKIT_INVALID_REQUEST', false, undefined],
    [402, { code: 'not_enough_credits', message: 'insufficient API units balance: top up to continue' }, JSON_CT, RateLimitError, 'LLMKIT_RATE_LIMIT', false, 'not_enough_credits'],
    [400, { code: 'balance', message: 'Not enough units to generate the image' }, JSON_CT, RateLimitError, 'LLMKIT_RATE_LIMIT', false, 'balance'],
    [400, { code: 'inappropriate_content', message: 'the prompt contains inappropriate content' }, JSON_CT, ContentPolicyError, 'LLMKIT_CONTENT_POLICY', false, 'inappropriate_content'],
    [429, 'Too Many Requests', TEXT, RateLimitError, 'LLMKIT_RATE_LIMIT', true, undefined],
    [500, 'internal server error', TEXT, ProviderError, 'LLMKIT_PROVIDER', true, undefined],
    [503, { code: 'unavailable', message: 'service unavailable' }, JSON_CT, ProviderError, 'LLMKIT_PROVIDER', true, 'unavailable'],
  ] as const)('maps %i %j to %o', async (status, body, headers, errorClass, code, retryable, providerCode) => {
    expectCall({ status, body: typeof body === 'string' ? body : JSON.stringify(body), headers })
    const error = await client()
      .generateImage({ model: 'recraft-v3', prompt: 'p' })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(errorClass)
    expect(error).toMatchObject({ code, retryable, status, provider: 'recraft', model: 'recraft-v3', requestId: 'req_rc_1', providerCode })
    expect(LLMKitError.isInstance(error)).toBe(true)
    expect((error as Error).message).toMatch(/^recraft recraft-v3: /)
    expect((error as Error).message).not.toContain(KEY)
  })

  it('keeps the plain-text body as the message of a 401 and names both key variables to check', async () => {
    expectCall({ status: 401, body: 'request unauthorized', headers: TEXT })
    const error = (await client()
      .generateImage({ model: 'recraft-v3', prompt: 'p' })
      .catch((e: unknown) => e)) as LLMKitError
    expect(error.message).toContain('request unauthorized')
    expect(error.message).toContain('RECRAFT_API_KEY')
  })

  it('parses JSON only when the answer says JSON', async () => {
    expectCall({ status: 400, body: '{"code":"invalid_size","message":"bad size"}', headers: TEXT })
    await expect(client().generateImage({ model: 'recraft-v3', prompt: 'p' })).rejects.toMatchObject({ providerCode: undefined, message: expect.stringContaining('{"code":"invalid_size"') })
  })

  it('says "quota" in rate-limit and balance messages, as the seed error example expects', async () => {
    expectCall({ status: 429, body: 'Too Many Requests', headers: TEXT })
    await expect(client().generateImage({ model: 'recraft-v3', prompt: 'p' })).rejects.toThrow(/quota/)
    expectCall({ status: 402, body: JSON.stringify({ code: 'not_enough_credits', message: 'insufficient API units balance' }), headers: JSON_CT })
    await expect(client().generateImage({ model: 'recraft-v3', prompt: 'p' })).rejects.toThrow(/quota/)
  })

  it('never puts the key in an error, even when the provider echoes it', async () => {
    expectCall({ status: 401, body: `request unauthorized: token ${KEY}`, headers: TEXT })
    const error = (await client()
      .generateImage({ model: 'recraft-v3', prompt: 'p' })
      .catch((e: unknown) => e)) as LLMKitError
    expect(error.message).not.toContain(KEY)
    expect(error.body).not.toContain(KEY)
    expect(JSON.stringify(error)).not.toContain(KEY)
  })

  it('an unexpected 200 shape is a non-retryable ProviderError (the work was paid), never blamed on the caller, and not sent again', async () => {
    const seen = expectCalls({ status: 200, body: { images: [] } }, { status: 200, body: { images: [] } })
    const error = (await client()
      .generateImage({ model: 'recraft-v3', prompt: 'p' })
      .catch((e: unknown) => e)) as LLMKitError
    expect(error).toBeInstanceOf(ProviderError)
    expect(error.retryable).toBe(false)
    expect(error.mayHaveBeenCharged).toBe(true)
    expect(error.message).toMatch(/recraft recraft-v3: the provider answered 2xx with an unexpected response shape .*data: .*not retry/)
    expect(seen[0]?.body).toBeDefined()
    expect(seen[1]?.body).toBeUndefined()
  })
})
