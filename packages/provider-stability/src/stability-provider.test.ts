import { readFileSync } from 'node:fs'
import nock from 'nock'
import {
  AuthenticationError,
  ContentPolicyError,
  ImageFormat,
  ImageGenerationRequest,
  ImageSize,
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
import { fromStabilityResponse, stability, stabilityModels } from './index.js'

const BASE = 'https://api.stability.test'
const KEY = 'sk-stability-test-0123456789'
const SDXL_PATH = '/v1/generation/stable-diffusion-xl-1024-v1-0/text-to-image'
const SD3_PATH = '/v2beta/stable-image/generate/sd3'
const CORE_PATH = '/v2beta/stable-image/generate/core'
const ULTRA_PATH = '/v2beta/stable-image/generate/ultra'
const fixture = (name: string) => JSON.parse(readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8')) as Record<string, unknown>

function client(options: { unsupported?: 'warn' | 'error'; contentFilter?: 'warn' | 'error' } = {}) {
  return new LLMKitClient({
    providers: [stability()],
    env: { STABILITY_API_KEY: KEY, STABILITY_BASE_URL: BASE },
    unsupported: options.unsupported,
    contentFilter: options.contentFilter,
    // These tests check one exchange each; the core's retry has its own tests.
    retry: false,
  })
}

interface Seen {
  headers?: Record<string, string>
  raw?: string
  /** The JSON body (v1). */
  json?: unknown
  /** The multipart fields in wire order (v2beta), parsed from the raw body. */
  fields?: Array<[string, string]>
}

/** Captures headers and body of the one request nock sees at `path`. */
function expectCall(path: string, reply: { status: number; body: unknown; headers?: Record<string, string> }) {
  const seen: Seen = {}
  let parsing: Promise<void> = Promise.resolve()
  const scope = nock(BASE)
    .post(path)
    .reply(reply.status, reply.body as nock.Body, { 'x-request-id': 'req_stab_1', 'content-type': 'application/json', ...reply.headers })
  scope.on('request', (req: { headers: Record<string, string> | Headers }, _interceptor: unknown, body: string) => {
    const h = req.headers
    seen.headers = headersOf(h)
    seen.raw = body
    const contentType = seen.headers['content-type'] ?? ''
    if (contentType.startsWith('application/json')) seen.json = JSON.parse(body)
    if (contentType.startsWith('multipart/form-data')) {
      // Parse the raw wire bytes with the platform's multipart parser, as the service would.
      parsing = new Response(body, { headers: { 'content-type': contentType } }).formData().then((form) => {
        seen.fields = [...form.entries()].map(([k, v]) => [k, String(v)])
      })
    }
  })
  return { seen, parsed: () => parsing }
}

useNock()

describe('plugin and capability table', () => {
  it('parses every row with the ModelCapabilities schema and has unique ids and aliases', () => {
    for (const row of stabilityModels) expect(modelCapabilitiesSchema.safeParse(row).success).toBe(true)
    const ids = stabilityModels.flatMap((m) => [m.id, ...(('aliases' in m ? m.aliases : undefined) ?? [])])
    expect(new Set(ids).size).toBe(ids.length)
    for (const id of ids) expect(id).toMatch(/^stability-ai\//)
  })

  it('declares the plugin contract: env, base URL and the documented 150 per 10 s rate limit', () => {
    expect(stability()).toMatchObject({
      id: 'stability',
      envKeys: ['STABILITY_API_KEY'],
      baseUrlEnv: ['STABILITY_BASE_URL'],
      defaultBaseUrl: 'https://api.stability.ai',
      rateLimit: { requests: 150, intervalMs: 10_000 },
    })
  })

  it('declares the true per-call limits: SDXL ten samples, every v2beta model one image', () => {
    const [sdxl, ...v2beta] = stabilityModels
    expect(sdxl).toMatchObject({ maxImagesPerCall: 10, seed: { min: 0, max: 4_294_967_295 }, sizes: { kind: 'list' } })
    expect(sdxl.sizes.values).toHaveLength(9)
    for (const row of v2beta) {
      expect(row).toMatchObject({ maxImagesPerCall: 1, seed: { min: 0, max: 4_294_967_294 }, sizes: { kind: 'aspect' }, formats: ['b64_json'] })
      expect(row.sizes).toStrictEqual({ kind: 'aspect', values: ['16:9', '1:1', '21:9', '2:3', '3:2', '4:5', '5:4', '9:16', '9:21'] })
    }
  })

  it('resolves both seed ids', async () => {
    const c = client()
    expect((await c.capabilities('stability-ai/stable-diffusion-xl')).wireId).toBe('stable-diffusion-xl-1024-v1-0')
    expect((await c.capabilities('stability-ai/stable-diffusion-3')).wireId).toBe('sd3.5-large')
  })
})

describe('v1 SDXL request mapping', () => {
  it('sends the exact JSON body: weighted prompts, a negative weight, samples, seed and the nearest allowed size', async () => {
    const call = expectCall(SDXL_PATH, { status: 200, body: fixture('sdxl-artifacts.json') })
    const request = new ImageGenerationRequest('stability-ai/stable-diffusion-xl', 'A lighthouse at dusk')
      .with_n(2)
      .with_size(ImageSize.Landscape1792x1024)
      .with_negative_prompt('blurry, watermark')
      .with_seed(42)
      .with_format(ImageFormat.B64Json)
    const response = await client().generateImage(request)
    expect(call.seen.json).toStrictEqual({
      text_prompts: [
        { text: 'A lighthouse at dusk', weight: 1 },
        { text: 'blurry, watermark', weight: -1 },
      ],
      width: 1344,
      height: 768,
      samples: 2,
      seed: 42,
    })
    expect(call.seen.headers?.['authorization']).toBe(`Bearer ${KEY}`)
    expect(call.seen.headers?.['accept']).toBe('application/json')
    expect(call.seen.headers?.['content-type']).toBe('application/json')
    expect(response.count).toBe(2)
    expect(response.images.map((i) => i.seed)).toStrictEqual([42, 43])
    expect(response.first()?.b64_json).toMatch(/^iVBOR/)
    expect(response.first()?.mimeType).toBe('image/png')
    expect(response.requestIds).toStrictEqual(['req_stab_1'])
    expect(response.warnings).toMatchInlineSnapshot(`
      [
        {
          "message": "stability-ai/stable-diffusion-xl does not take size 1792x1024 (sizes: 1024x1024, 1152x896, 896x1152, 1216x832, 832x1216, 1344x768, 768x1344, 1536x640, 640x1536): used 1344x768 instead of 1792x1024",
          "requested": "1792x1024",
          "setting": "size",
          "type": "mapped",
          "used": "1344x768",
        },
      ]
    `)
  })

  it('sends 1024x1024 when no size is asked (v1 would default to 512x512, which SDXL rejects)', async () => {
    const call = expectCall(SDXL_PATH, { status: 200, body: { artifacts: [fixture('sdxl-artifacts.json')['artifacts'] as unknown[]][0]!.slice(0, 1) } })
    await client().generateImage({ model: 'stability-ai/stable-diffusion-xl', prompt: 'p' })
    expect(call.seen.json).toStrictEqual({ text_prompts: [{ text: 'p', weight: 1 }], width: 1024, height: 1024, samples: 1 })
  })

  it('passes the known provider options through as JSON fields', async () => {
    const call = expectCall(SDXL_PATH, { status: 200, body: { artifacts: [{ base64: 'iVBORw0KGgo=', seed: 1, finishReason: 'SUCCESS' }] } })
    await client().generateImage({
      model: 'stability-ai/stable-diffusion-xl',
      prompt: 'p',
      size: '832x1216',
      provider_options: { cfg_scale: 9, steps: 30, sampler: 'K_EULER', clip_guidance_preset: 'FAST_BLUE', style_preset: 'anime' },
    })
    expect(call.seen.json).toStrictEqual({
      text_prompts: [{ text: 'p', weight: 1 }],
      width: 832,
      height: 1216,
      samples: 1,
      cfg_scale: 9,
      steps: 30,
      sampler: 'K_EULER',
      clip_guidance_preset: 'FAST_BLUE',
      style_preset: 'anime',
    })
  })

  it("rejects a wrong size under unsupported: 'error' before any call", async () => {
    await expect(client({ unsupported: 'error' }).generateImage({ model: 'stability-ai/stable-diffusion-xl', prompt: 'p', size: '512x512' })).rejects.toMatchObject({
      name: 'UnsupportedCapabilityError',
      param: 'size',
    })
  })

  it('rejects n above ten, the most the seed API allows, before any call', async () => {
    await expect(client().generateImage({ model: 'stability-ai/stable-diffusion-xl', prompt: 'p', n: 11 })).rejects.toThrow(/n must be at most 10/)
  })

  it('throws a ProviderError when an artifact finished with ERROR', async () => {
    expectCall(SDXL_PATH, { status: 200, body: { artifacts: [{ base64: null, seed: 1, finishReason: 'ERROR' }] } })
    await expect(client().generateImage({ model: 'stability-ai/stable-diffusion-xl', prompt: 'p' })).rejects.toBeInstanceOf(ProviderError)
  })
})

describe('v2beta Stable Image request mapping', () => {
  it('sends the exact multipart fields to /generate/sd3 for the seed id stable-diffusion-3', async () => {
    const call = expectCall(SD3_PATH, { status: 200, body: fixture('stable-image.json'), headers: { 'content-type': 'application/json; type=image/jpeg' } })
    const response = await client().generateImage({
      model: 'stability-ai/stable-diffusion-3',
      prompt: 'A lighthouse at dusk',
      size: '1792x1024',
      negative_prompt: 'blurry',
      seed: 1234,
      provider_options: { output_format: 'jpeg', style_preset: 'cinematic', cfg_scale: 4.5 },
    })
    await call.parsed()
    expect(call.seen.fields).toStrictEqual([
      ['model', 'sd3.5-large'],
      ['prompt', 'A lighthouse at dusk'],
      ['negative_prompt', 'blurry'],
      ['aspect_ratio', '16:9'],
      ['seed', '1234'],
      ['output_format', 'jpeg'],
      ['style_preset', 'cinematic'],
      ['cfg_scale', '4.5'],
    ])
    expect(call.seen.headers?.['content-type']).toMatch(/^multipart\/form-data; boundary=/)
    expect(call.seen.raw).toContain('Content-Disposition: form-data; name="prompt"')
    expect(call.seen.headers?.['authorization']).toBe(`Bearer ${KEY}`)
    expect(call.seen.headers?.['accept']).toBe('application/json')
    expect(response.model).toBe('stability-ai/sd3.5-large')
    expect(response.first()?.seed).toBe(1234)
    // The fixture's bytes are PNG: the core trusts the bytes over the announced `type=image/jpeg`.
    expect(response.first()?.mimeType).toBe('image/png')
    // Bytes only: a URL request gets a data: URL made by the core.
    expect(response.first()?.url).toMatch(/^data:image\/png;base64,iVBOR/)
    expect(response.warnings).toMatchObject([{ type: 'mapped', setting: 'size', requested: '1792x1024', used: '16:9' }])
  })

  it('sends only prompt to /generate/core when nothing else is asked (no model field)', async () => {
    const call = expectCall(CORE_PATH, { status: 200, body: fixture('stable-image.json'), headers: { 'content-type': 'application/json; type=image/png' } })
    const response = await client().generateImage({ model: 'stability-ai/stable-image-core', prompt: 'p' })
    await call.parsed()
    expect(call.seen.fields).toStrictEqual([['prompt', 'p']])
    expect(response.first()?.mimeType).toBe('image/png')
  })

  it('maps a square size to 1:1 without a warning on /generate/ultra', async () => {
    const call = expectCall(ULTRA_PATH, { status: 200, body: fixture('stable-image.json') })
    const response = await client().generateImage({ model: 'stability-ai/stable-image-ultra', prompt: 'p', size: '1024x1024', seed: 7 })
    await call.parsed()
    expect(call.seen.fields).toStrictEqual([
      ['prompt', 'p'],
      ['aspect_ratio', '1:1'],
      ['seed', '7'],
    ])
    expect(response.warnings).toStrictEqual([])
  })

  it('drops a negative prompt on sd3.5-large-turbo, which ignores it, with a warning', async () => {
    const call = expectCall(SD3_PATH, { status: 200, body: fixture('stable-image.json') })
    const response = await client().generateImage({ model: 'stability-ai/sd3.5-large-turbo', prompt: 'p', negative_prompt: 'blurry' })
    await call.parsed()
    expect(call.seen.fields).toStrictEqual([
      ['model', 'sd3.5-large-turbo'],
      ['prompt', 'p'],
    ])
    expect(response.warnings).toMatchInlineSnapshot(`
      [
        {
          "message": "stability-ai/sd3.5-large-turbo ignores negative prompts; negative_prompt was not sent",
          "requested": "blurry",
          "setting": "negative_prompt",
          "type": "unsupported",
        },
      ]
    `)
  })

  it('rejects a seed above 4294967294 on v2beta before any call', async () => {
    await expect(client().generateImage({ model: 'stability-ai/sd3.5-medium', prompt: 'p', seed: 4_294_967_295 })).rejects.toMatchObject({
      name: 'InvalidRequestError',
      param: 'seed',
    })
  })

  it('splits n=3 into three one-image calls through the core, part i seeded seed + i', async () => {
    const seeds: number[] = []
    const scope = nock(BASE).post(CORE_PATH).times(3).reply(200, fixture('stable-image.json'), { 'content-type': 'application/json; type=image/png' })
    scope.on('request', (_req: unknown, _interceptor: unknown, body: string) => {
      seeds.push(Number(/name="seed"\r\n\r\n(\d+)\r\n/.exec(body)?.[1]))
    })
    const response = await client().generateImage({ model: 'stability-ai/stable-image-core', prompt: 'p', n: 3, seed: 100 })
    expect(seeds.sort()).toStrictEqual([100, 101, 102])
    expect(response.count).toBe(3)
  })

  it('warns about an unknown provider option instead of sending it', async () => {
    const call = expectCall(CORE_PATH, { status: 200, body: fixture('stable-image.json') })
    const response = await client().generateImage({ model: 'stability-ai/stable-image-core', prompt: 'p', provider_options: { cfg_scale: 5 } })
    await call.parsed()
    expect(call.seen.fields).toStrictEqual([['prompt', 'p']])
    expect(response.warnings).toMatchObject([{ type: 'unsupported', setting: 'provider_options.cfg_scale' }])
  })

  it('keeps a style it cannot honor out of the request, with a warning', async () => {
    const call = expectCall(CORE_PATH, { status: 200, body: fixture('stable-image.json') })
    const response = await client().generateImage({ model: 'stability-ai/stable-image-core', prompt: 'p', style: 'vivid' })
    await call.parsed()
    expect(call.seen.fields).toStrictEqual([['prompt', 'p']])
    expect(response.warnings).toMatchObject([{ type: 'unsupported', setting: 'style' }])
  })
})

describe('content filtering', () => {
  it('turns a CONTENT_FILTERED image into a ContentPolicyError by default, never a silent blurred image', async () => {
    expectCall(CORE_PATH, { status: 200, body: { ...fixture('stable-image.json'), finish_reason: 'CONTENT_FILTERED' } })
    await expect(client().generateImage({ model: 'stability-ai/stable-image-core', prompt: 'p' })).rejects.toBeInstanceOf(ContentPolicyError)
  })

  it("returns a CONTENT_FILTERED SDXL sample with a warning under contentFilter: 'warn'", async () => {
    expectCall(SDXL_PATH, { status: 200, body: { artifacts: [{ base64: 'iVBORw0KGgo=', seed: 5, finishReason: 'CONTENT_FILTERED' }] } })
    const response = await client({ contentFilter: 'warn' }).generateImage({ model: 'stability-ai/stable-diffusion-xl', prompt: 'p' })
    expect(response.count).toBe(1)
    expect(response.warnings).toMatchObject([{ type: 'content' }])
  })

  it('reads image bytes with finish-reason and seed headers (Accept: image/*)', () => {
    const png = Buffer.from(fixture('stable-image.json')['image'] as string, 'base64')
    const result = fromStabilityResponse(
      { headers: { 'content-type': 'image/webp', 'finish-reason': 'CONTENT_FILTERED', seed: '99', 'x-request-id': 'r1' }, body: png, json: () => undefined },
      'stability-ai/stable-image-core',
    )
    expect(result).toStrictEqual({ requestId: 'r1', images: [{ b64: png.toString('base64'), mimeType: 'image/webp', seed: 99, contentFiltered: true }] })
  })
})

const v2 = (name: string, ...errors: string[]) => ({ id: 'a1b2c3', name, errors })
const v1 = (name: string, message: string) => ({ id: 'd4e5f6', name, message })
const CREDITS = 'You lack sufficient credits to make this request. Please purchase more credits at https://platform.stability.ai/account/credits and try again.'

describe('error mapping', () => {
  it.each([
    [CORE_PATH, 400, v2('bad_request', 'aspect_ratio: must be one of 16:9, 1:1'), InvalidRequestError, 'LLMKIT_INVALID_REQUEST', false],
    [CORE_PATH, 401, v2('unauthorized', 'authorization: invalid API key'), AuthenticationError, 'LLMKIT_AUTHENTICATION', false],
    [CORE_PATH, 402, v2('payment_required', CREDITS), RateLimitError, 'LLMKIT_RATE_LIMIT', false],
    [CORE_PATH, 400, v2('bad_request', CREDITS), RateLimitError, 'LLMKIT_RATE_LIMIT', false],
    [CORE_PATH, 403, v2('content_moderation', 'Your request was flagged by our content moderation system.'), ContentPolicyError, 'LLMKIT_CONTENT_POLICY', false],
    [CORE_PATH, 404, v2('not_found', 'no such endpoint'), InvalidRequestError, 'LLMKIT_INVALID_REQUEST', false],
    [CORE_PATH, 413, v2('payload_too_large', 'body: larger than 10MiB'), InvalidRequestError, 'LLMKIT_INVALID_REQUEST', false],
    [CORE_PATH, 422, v2('invalid_language', 'English is the only supported language for this service.'), InvalidRequestError, 'LLMKIT_INVALID_REQUEST', false],
    [CORE_PATH, 429, v2('rate_limit_exceeded', 'You have exceeded the rate limit of 150 requests within a 10 second period.'), RateLimitError, 'LLMKIT_RATE_LIMIT', true],
    [CORE_PATH, 500, v2('internal_error', 'An unexpected server error has occurred.'), ProviderError, 'LLMKIT_PROVIDER', true],
    [CORE_PATH, 503, 'upstream connect error', ProviderError, 'LLMKIT_PROVIDER', true],
    [SDXL_PATH, 400, v1('invalid_height_or_width', 'for the stable-diffusion-xl-1024-v1-0 engine the allowed dimensions are ...'), InvalidRequestError, 'LLMKIT_INVALID_REQUEST', false],
    [SDXL_PATH, 400, v1('invalid_prompts', 'One or more prompts contains filtered words.'), ContentPolicyError, 'LLMKIT_CONTENT_POLICY', false],
    [SDXL_PATH, 401, v1('unauthorized', 'Missing API key'), AuthenticationError, 'LLMKIT_AUTHENTICATION', false],
    [SDXL_PATH, 403, v1('permission_denied', 'You do not have permission to access this engine'), PermissionDeniedError, 'LLMKIT_PERMISSION_DENIED', false],
    [SDXL_PATH, 404, v1('not_found', 'engine not found: stable-diffusion-xl-1024-v1-0'), ModelNotFoundError, 'LLMKIT_MODEL_NOT_FOUND', false],
    [SDXL_PATH, 429, v1('rate_limit_exceeded', 'Too many requests'), RateLimitError, 'LLMKIT_RATE_LIMIT', true],
    [SDXL_PATH, 500, v1('server_error', 'An unexpected server error occurred'), ProviderError, 'LLMKIT_PROVIDER', true],
  ] as const)('maps %s %i %j to %o', async (path, status, body, errorClass, code, retryable) => {
    expectCall(path, { status, body, headers: typeof body === 'string' ? { 'content-type': 'text/plain' } : {} })
    const model = path === SDXL_PATH ? 'stability-ai/stable-diffusion-xl' : 'stability-ai/stable-image-core'
    const error = await client()
      .generateImage({ model, prompt: 'p' })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(errorClass)
    expect(error).toMatchObject({ code, retryable, status, provider: 'stability', model, requestId: 'req_stab_1' })
    if (typeof body !== 'string') expect(error).toMatchObject({ providerCode: body.name })
    expect(LLMKitError.isInstance(error)).toBe(true)
    expect((error as Error).message).toMatch(new RegExp(`^stability ${model}: `))
  })

  it('keeps the field a v2beta error blames as param and joins every message', async () => {
    expectCall(SD3_PATH, { status: 400, body: v2('bad_request', 'aspect_ratio: must be one of 16:9, 1:1', 'seed: must be an integer') })
    const error = (await client()
      .generateImage({ model: 'stability-ai/sd3.5-large', prompt: 'p' })
      .catch((e: unknown) => e)) as LLMKitError
    expect(error).toMatchObject({ param: 'aspect_ratio', providerCode: 'bad_request' })
    expect(error.message).toContain('aspect_ratio: must be one of 16:9, 1:1; seed: must be an integer')
  })

  it('says "quota" in rate-limit and credit messages, as the seed error example expects', async () => {
    expectCall(CORE_PATH, { status: 429, body: v2('rate_limit_exceeded', 'slow down') })
    await expect(client().generateImage({ model: 'stability-ai/stable-image-core', prompt: 'p' })).rejects.toThrow(/quota/)
    expectCall(CORE_PATH, { status: 402, body: v2('payment_required', CREDITS) })
    await expect(client().generateImage({ model: 'stability-ai/stable-image-core', prompt: 'p' })).rejects.toThrow(/quota/)
  })

  it('never puts the key in an error, and names STABILITY_API_KEY on a 401', async () => {
    expectCall(CORE_PATH, { status: 401, body: v2('unauthorized', `invalid key ${KEY}`) })
    const error = (await client()
      .generateImage({ model: 'stability-ai/stable-image-core', prompt: 'p' })
      .catch((e: unknown) => e)) as LLMKitError
    expect(error.message).not.toContain(KEY)
    expect(JSON.stringify(error)).not.toContain(KEY)
    expect(error.message).toContain('STABILITY_API_KEY')
  })
})
