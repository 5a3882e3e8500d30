import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { pngSize } from './png.js'
import { startEmulator } from './server.js'
import type { RunningEmulator } from './types.js'

let emulator: RunningEmulator
const KEY = 'emulator-openai-key'

async function generate(body: unknown, key = KEY) {
  const res = await fetch(`${emulator.url}/openai/v1/images/generations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  return { status: res.status, headers: res.headers, json: (await res.json()) as Record<string, unknown> }
}

beforeAll(async () => {
  emulator = await startEmulator()
})
afterEach(() => emulator.faults.clear())
afterAll(() => emulator.close())

describe('startEmulator', () => {
  it('binds 127.0.0.1 and exposes every provider base URL with a placeholder key', () => {
    expect(emulator.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(emulator.env).toMatchObject({
      OPENAI_BASE_URL: `${emulator.url}/openai/v1`,
      OPENAI_API_KEY: KEY,
      FAL_BASE_URL: `${emulator.url}/fal`,
      STABILITY_BASE_URL: `${emulator.url}/stability`,
      RECRAFT_BASE_URL: expect.stringMatching(/\/recraft/),
      RUNWAYML_BASE_URL: expect.stringMatching(/\/runway/),
      REPLICATE_BASE_URL: expect.stringMatching(/\/replicate/),
    })
  })
})

describe('OpenAI images endpoint', () => {
  it('answers dall-e-3 with a URL it serves, a real PNG of the requested size, and a revised prompt', async () => {
    const res = await generate({ model: 'dall-e-3', prompt: 'A cat', size: '1792x1024' })
    expect(res.status).toBe(200)
    expect(res.headers.get('x-request-id')).toMatch(/^req_/)
    const data = res.json['data'] as { url: string; revised_prompt: string }[]
    expect(data).toHaveLength(1)
    expect(data[0]!.revised_prompt).toContain('A cat')
    const image = await fetch(data[0]!.url)
    expect(image.headers.get('content-type')).toBe('image/png')
    expect(pngSize(new Uint8Array(await image.arrayBuffer()))).toStrictEqual({ width: 1792, height: 1024 })
  })

  it('answers gpt-image-1 in base64 with usage, and dall-e-2 with n images', async () => {
    const gpt = await generate({ model: 'gpt-image-1', prompt: 'p', size: '1024x1536' })
    const b64 = (gpt.json['data'] as { b64_json: string }[])[0]!.b64_json
    expect(pngSize(Buffer.from(b64, 'base64'))).toStrictEqual({ width: 1024, height: 1536 })
    expect(gpt.json['usage']).toMatchObject({ input_tokens: 50 })
    const two = await generate({ model: 'dall-e-2', prompt: 'p', n: 3, size: '256x256', response_format: 'b64_json' })
    expect(two.json['data']).toHaveLength(3)
  })

  it('draws new pictures when the same prompt comes again (no seed in this API), as the real one does', async () => {
    const a = await generate({ model: 'dall-e-2', prompt: 'same', response_format: 'b64_json' })
    const b = await generate({ model: 'dall-e-2', prompt: 'same', response_format: 'b64_json' })
    expect((a.json['data'] as unknown[]).length).toBe(1)
    expect(a.json['data']).not.toStrictEqual(b.json['data'])
  })

  it.each([
    [{ model: 'dall-e-3', prompt: 'p' }, 'wrong-key', 401, 'invalid_api_key', null],
    [{ model: 'dall-e-9', prompt: 'p' }, KEY, 404, 'model_not_found', null],
    [{ model: 'dall-e-3', prompt: '' }, KEY, 400, 'missing_required_parameter', 'prompt'],
    [{ model: 'dall-e-3', prompt: 'p', n: 2 }, KEY, 400, null, 'n'],
    [{ model: 'dall-e-2', prompt: 'p', n: 11 }, KEY, 400, 'integer_out_of_range', 'n'],
    [{ model: 'dall-e-3', prompt: 'p', size: '512x512' }, KEY, 400, 'invalid_size', 'size'],
    [{ model: 'dall-e-2', prompt: 'p', quality: 'hd' }, KEY, 400, 'invalid_value', 'quality'],
    [{ model: 'dall-e-2', prompt: 'p', style: 'vivid' }, KEY, 400, 'unknown_parameter', 'style'],
    [{ model: 'gpt-image-1', prompt: 'p', response_format: 'url' }, KEY, 400, 'unknown_parameter', 'response_format'],
    [{ model: 'dall-e-3', prompt: 'p', background: 'transparent' }, KEY, 400, 'unknown_parameter', 'background'],
    [{ model: 'dall-e-3', prompt: 'p', seed: 1 }, KEY, 400, 'unknown_parameter', 'seed'],
    [{ model: 'dall-e-3', prompt: 'emulator:content-policy' }, KEY, 400, 'content_policy_violation', null],
    [{ model: 'gpt-image-1', prompt: 'emulator:content-policy' }, KEY, 400, 'moderation_blocked', null],
    [{ model: 'dall-e-3', prompt: 'emulator:quota' }, KEY, 429, 'insufficient_quota', null],
  ])('rejects %j (key %s) with %i code %s param %s in OpenAI\'s envelope', async (body, key, status, code, param) => {
    const res = await generate(body, key)
    expect(res.status).toBe(status)
    expect(res.json['error']).toMatchObject({ code, param })
    expect(Object.keys(res.json['error'] as object).sort()).toStrictEqual(['code', 'message', 'param', 'type'])
  })

  it('takes gpt-image-2 custom sizes divisible by 16 and rejects others', async () => {
    expect((await generate({ model: 'gpt-image-2', prompt: 'p', size: '1280x720' })).status).toBe(200)
    expect((await generate({ model: 'gpt-image-2', prompt: 'p', size: '1000x720' })).status).toBe(400)
  })
})

describe('fault injection', () => {
  it('plays an injected status with headers and body, then answers normally', async () => {
    emulator.faults.inject({ pathPrefix: '/openai/', status: 429, headers: { 'retry-after': '1' }, body: { error: { message: 'slow down', type: 'requests', param: null, code: 'rate_limit_exceeded' } } })
    const first = await generate({ model: 'dall-e-2', prompt: 'p' })
    expect(first.status).toBe(429)
    expect(first.headers.get('retry-after')).toBe('1')
    expect((await generate({ model: 'dall-e-2', prompt: 'p' })).status).toBe(200)
  })

  it('resets the connection', async () => {
    emulator.faults.inject({ pathPrefix: '/openai/', reset: true })
    await expect(generate({ model: 'dall-e-2', prompt: 'p' })).rejects.toThrow()
  })

  it('hangs until the client gives up', async () => {
    emulator.faults.inject({ pathPrefix: '/openai/', hang: true })
    const controller = new AbortController()
    const pending = fetch(`${emulator.url}/openai/v1/images/generations`, { method: 'POST', body: '{}', signal: controller.signal })
    // Abort only once the server holds the request, so a slow machine cannot leave the fault unused.
    for (let i = 0; i < 200 && emulator.faults.pending > 0; i++) await new Promise((r) => setTimeout(r, 10))
    expect(emulator.faults.pending).toBe(0)
    controller.abort()
    await expect(pending).rejects.toThrow()
  })

  it('takes faults over HTTP and counts requests', async () => {
    const res = await fetch(`${emulator.url}/__emulator/faults`, { method: 'POST', body: JSON.stringify({ status: 503, count: 2 }) })
    expect(await res.json()).toStrictEqual({ pending: 2 })
    await fetch(`${emulator.url}/__emulator/faults`, { method: 'DELETE' })
    expect(emulator.faults.pending).toBe(0)
    expect(emulator.requests.get('POST /openai/v1/images/generations')).toBeGreaterThan(0)
  })
})
