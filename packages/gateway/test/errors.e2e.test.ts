import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hashGatewayKey } from '../src/index.js'
import { GATEWAY_KEY, leakedKeys, post, PROVIDER_KEYS, SECOND_KEY, type Stack, startStack } from './helpers.js'

const BROKE_KEY = 'gw-test-key-broke-00000000000000'
const SMALL_BUDGET_KEY = 'gw-test-key-small-budget-1111111111'
const FAL_ONLY_KEY = 'gw-test-key-fal-only-22222222222222'

let stack: Stack

beforeAll(async () => {
  stack = await startStack({
    keys: [
      { id: 'broke', sha256: hashGatewayKey(BROKE_KEY), budgetUsd: 0 },
      // dall-e-2 at 1024x1024 is $0.02: one call fits, the second would pass $0.03.
      { id: 'small-budget', sha256: hashGatewayKey(SMALL_BUDGET_KEY), budgetUsd: 0.03 },
      { id: 'fal-only', sha256: hashGatewayKey(FAL_ONLY_KEY), models: ['fal-ai/*'] },
    ],
    limits: { bodyBytes: 4096, promptChars: 1000, uploadBytes: 1_000_000, maxImages: 4 },
    timeouts: { requestMs: 1000, headersMs: 1000, keepAliveMs: 1000, generationMs: 30_000, shutdownMs: 10_000 },
  })
})
afterAll(async () => {
  await stack.close()
})

/** Submissions the emulator saw whose prompt is `prompt`: proof of (no) provider work. */
const submissionsOf = (prompt: string) => stack.emulator.log.submissions().filter((e) => e.prompt === prompt)

/** The OpenAI error envelope, exactly: four fields (plus llmkit's details when from llmkit). */
async function errorOf(res: Response) {
  const body = (await res.json()) as { error: Record<string, unknown> }
  expect(Object.keys(body)).toEqual(['error'])
  expect(body.error).toHaveProperty('message')
  expect(body.error).toHaveProperty('type')
  expect(body.error).toHaveProperty('param')
  expect(body.error).toHaveProperty('code')
  return body.error
}

describe('authentication', () => {
  it('a missing key is a 401 in OpenAI shape, before any provider work', async () => {
    const res = await post(stack, '/v1/images/generations', { model: 'dall-e-2', prompt: 'no key at all' }, null)
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toBe('Bearer')
    expect(await errorOf(res)).toMatchObject({ type: 'invalid_request_error', param: null, code: null })
    expect(submissionsOf('no key at all')).toEqual([])
  })

  it('a wrong key is a 401 invalid_api_key, before any provider work', async () => {
    const res = await post(stack, '/v1/images/generations', { model: 'dall-e-2', prompt: 'wrong key' }, 'gw-test-key-0123456789abcdeX')
    expect(res.status).toBe(401)
    expect(await errorOf(res)).toMatchObject({ message: 'Incorrect API key provided.', type: 'invalid_request_error', code: 'invalid_api_key' })
    expect(submissionsOf('wrong key')).toEqual([])
  })

  it('a provider key is not a gateway key', async () => {
    const res = await post(stack, '/v1/images/generations', { model: 'dall-e-2', prompt: 'provider key as gateway key' }, PROVIDER_KEYS['openai'])
    expect(res.status).toBe(401)
    expect(submissionsOf('provider key as gateway key')).toEqual([])
  })

  it('authenticates before reading the body: an oversized body without a key is a 401', async () => {
    const res = await post(stack, '/v1/images/generations', { model: 'dall-e-2', prompt: 'x'.repeat(10_000) }, null)
    expect(res.status).toBe(401)
  })

  it('GET /v1/models needs a key too', async () => {
    expect((await stack.fetch(`${stack.url}/v1/models`)).status).toBe(401)
  })
})

describe('limits', () => {
  it('an exhausted budget is a 429 insufficient_quota with no provider call', async () => {
    const res = await post(stack, '/v1/images/generations', { model: 'dall-e-2', prompt: 'over budget' }, BROKE_KEY)
    expect(res.status).toBe(429)
    expect(await errorOf(res)).toMatchObject({ type: 'insufficient_quota', code: 'insufficient_quota' })
    expect(submissionsOf('over budget')).toEqual([])
  })

  it('a budget pays for what fits and refuses the call past it (llmkit budget, per key)', async () => {
    const first = await post(stack, '/v1/images/generations', { model: 'dall-e-2', prompt: 'within budget', size: '1024x1024' }, SMALL_BUDGET_KEY)
    expect(first.status).toBe(200)
    const second = await post(stack, '/v1/images/generations', { model: 'dall-e-2', prompt: 'past budget', size: '1024x1024' }, SMALL_BUDGET_KEY)
    expect(second.status).toBe(429)
    expect(submissionsOf('within budget')).toHaveLength(1)
    expect(submissionsOf('past budget')).toEqual([])
    // Another key's budget is its own.
    expect((await post(stack, '/v1/images/generations', { model: 'dall-e-2', prompt: 'another key pays' })).status).toBe(200)
  })

  it('an oversized body is a 413 in OpenAI shape with no provider call', async () => {
    const res = await post(stack, '/v1/images/generations', { model: 'dall-e-2', prompt: `oversized ${'x'.repeat(8000)}` })
    expect(res.status).toBe(413)
    expect(await errorOf(res)).toMatchObject({ type: 'invalid_request_error', code: 'request_too_large' })
    expect(stack.emulator.log.submissions().filter((e) => e.prompt?.startsWith('oversized'))).toEqual([])
  })

  it('a prompt over the limit is a 400 naming prompt', async () => {
    const res = await post(stack, '/v1/images/generations', { model: 'dall-e-2', prompt: 'p'.repeat(1001) })
    expect(res.status).toBe(400)
    expect(await errorOf(res)).toMatchObject({ param: 'prompt', code: 'string_above_max_length' })
  })

  it('n over the limit is a 400 naming n', async () => {
    const res = await post(stack, '/v1/images/generations', { model: 'dall-e-2', prompt: 'many', n: 5 })
    expect(res.status).toBe(400)
    expect(await errorOf(res)).toMatchObject({ param: 'n', code: 'integer_above_max_value' })
  })

  it('a slow client that never finishes its body is cut off with a 408 and nothing reaches a provider', async () => {
    const port = Number(new URL(stack.url).port)
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(
          `POST /v1/images/generations HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${GATEWAY_KEY}\r\ncontent-type: application/json\r\ncontent-length: 200\r\n\r\n{"model":"dall-e-2","prompt":"slow client`,
        )
      })
      let text = ''
      socket.on('data', (d) => (text += d.toString()))
      socket.on('close', () => resolve(text))
      socket.on('error', reject)
      setTimeout(() => reject(new Error('the gateway kept the slow connection open')), 10_000).unref()
    })
    expect(answer).toMatch(/^HTTP\/1\.1 408/)
    expect(submissionsOf('slow client')).toEqual([])
  })

  it('a generation longer than the request timeout still finishes (the timeout covers receiving the request only)', async () => {
    stack.emulator.setJobTiming({ queuedMs: 200, runningMs: 1500 })
    try {
      const res = await post(stack, '/v1/images/generations', { model: 'gen4_image', prompt: 'a long job', response_format: 'b64_json' })
      expect(res.status).toBe(200)
    } finally {
      stack.emulator.setJobTiming({ queuedMs: 20, runningMs: 40 })
    }
  })
})

describe('models and request checks', () => {
  it('an unknown model is a 404 model_not_found naming model, with no provider call', async () => {
    const res = await post(stack, '/v1/images/generations', { model: 'no-such-model-anywhere', prompt: 'unknown model' })
    expect(res.status).toBe(404)
    expect(await errorOf(res)).toMatchObject({ type: 'invalid_request_error', code: 'model_not_found' })
    expect(submissionsOf('unknown model')).toEqual([])
  })

  it("a model outside the key's list is a 404 as if it did not exist; models it may use work", async () => {
    const refused = await post(stack, '/v1/images/generations', { model: 'dall-e-2', prompt: 'not allowed' }, FAL_ONLY_KEY)
    expect(refused.status).toBe(404)
    expect(await errorOf(refused)).toMatchObject({ code: 'model_not_found', param: 'model' })
    expect(submissionsOf('not allowed')).toEqual([])
    expect((await post(stack, '/v1/images/generations', { model: 'fal-ai/flux/schnell', prompt: 'allowed' }, FAL_ONLY_KEY)).status).toBe(200)
    const list = (await (await stack.fetch(`${stack.url}/v1/models`, { headers: { authorization: `Bearer ${FAL_ONLY_KEY}` } })).json()) as { data: { id: string }[] }
    expect(list.data.length).toBeGreaterThan(0)
    expect(list.data.every((m) => m.id.startsWith('fal-ai/'))).toBe(true)
  })

  it('an unknown field is a 400 naming it (never silently dropped)', async () => {
    const res = await post(stack, '/v1/images/generations', { model: 'dall-e-2', prompt: 'x', moderation: 'low' })
    expect(res.status).toBe(400)
    expect(await errorOf(res)).toMatchObject({ code: 'unknown_parameter', param: 'moderation' })
  })

  it("a value the model cannot take is llmkit's InvalidRequestError as a 400 with its param", async () => {
    const res = await post(stack, '/v1/images/generations', { model: 'dall-e-2', prompt: 'x', size: 'huge' })
    expect(res.status).toBe(400)
    expect(await errorOf(res)).toMatchObject({ type: 'invalid_request_error', param: 'size' })
  })

  it('malformed JSON is a 400 invalid_json', async () => {
    const res = await post(stack, '/v1/images/generations', '{"model": "dall-e-2", ')
    expect(res.status).toBe(400)
    expect(await errorOf(res)).toMatchObject({ code: 'invalid_json' })
  })

  it('an unknown route is a 404 in OpenAI shape', async () => {
    const res = await stack.fetch(`${stack.url}/v1/chat/completions`, { method: 'POST' })
    expect(res.status).toBe(404)
    expect(await errorOf(res)).toMatchObject({ code: 'unknown_url' })
  })
})

describe('provider failures', () => {
  it('a provider echoing its key in an error: the answer carries no key', async () => {
    stack.emulator.faults.inject({ pathPrefix: '/openai', bodyIncludes: 'echo the key', status: 400, body: { error: { message: `Bad request for key ${PROVIDER_KEYS['openai']}`, type: 'invalid_request_error' } } })
    const res = await post(stack, '/v1/images/generations', { model: 'dall-e-2', prompt: 'echo the key' })
    expect(res.status).toBe(400)
    const text = await res.text()
    expect(text).not.toContain(PROVIDER_KEYS['openai'])
  })

  it("the provider refusing the gateway's own key is a 502 for the operator, never a 401 for the caller", async () => {
    stack.emulator.faults.inject({ pathPrefix: '/openai', bodyIncludes: 'upstream auth', status: 401, body: { error: { message: `Incorrect API key provided: ${PROVIDER_KEYS['openai']}`, type: 'invalid_request_error', code: 'invalid_api_key' } } })
    const res = await post(stack, '/v1/images/generations', { model: 'dall-e-2', prompt: 'upstream auth' })
    expect(res.status).toBe(502)
    const error = await errorOf(res)
    expect(error).toMatchObject({ type: 'server_error', code: 'upstream_authentication_failed' })
    expect(String(error['message'])).toMatch(/contact the gateway operator/)
  })

  it('a provider rate limit that outlasts retries is a 429 rate_limit_exceeded', async () => {
    stack.emulator.faults.inject({ pathPrefix: '/fal', bodyIncludes: 'provider 429', count: 10, status: 429, body: { detail: 'Rate limit exceeded' } })
    const res = await post(stack, '/v1/images/generations', { model: 'fal-ai/flux/schnell', prompt: 'provider 429' })
    expect(res.status).toBe(429)
    expect(await errorOf(res)).toMatchObject({ code: 'rate_limit_exceeded' })
  })
})

describe('operations', () => {
  it('healthz and readyz answer; every response carries a request id', async () => {
    const health = await stack.fetch(`${stack.url}/healthz`)
    expect(health.status).toBe(200)
    expect(health.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
    const ready = await stack.fetch(`${stack.url}/readyz`)
    expect(ready.status).toBe(200)
    expect(((await ready.json()) as { providers: string[] }).providers).toEqual(expect.arrayContaining(['openai', 'fal', 'stability', 'recraft', 'runway', 'replicate']))
  })

  it('metrics count requests, images, cost and errors by class, per key id (never the key)', async () => {
    const text = await (await stack.fetch(`${stack.url}/metrics`)).text()
    expect(text).toMatch(/llmkit_gateway_requests_total\{route="\/v1\/images\/generations",status="200",key="env-[0-9a-f]{8}"\} \d+/)
    expect(text).toMatch(/llmkit_gateway_images_total\{key="small-budget",provider="openai",model="dall-e-2"\} 1/)
    expect(text).toMatch(/llmkit_gateway_cost_usd_total\{key="small-budget",provider="openai"\} 0\.02/)
    expect(text).toMatch(/llmkit_gateway_errors_total\{class="LLMKIT_BUDGET_EXCEEDED",key="broke"\} 1/)
    expect(text).toMatch(/llmkit_gateway_errors_total\{class="invalid_api_key",key="none"\} \d+/)
    expect(text).toMatch(/llmkit_gateway_request_duration_seconds_bucket\{le="[^"]+",route="\/v1\/images\/generations",key="broke"\}/)
    for (const key of [GATEWAY_KEY, SECOND_KEY, BROKE_KEY]) expect(text).not.toContain(key)
  })

  it('logs are JSON lines with request ids; no authorization header and no gateway key is logged', () => {
    const lines = stack.capture.logs.map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(lines.some((l) => typeof l['reqId'] === 'string' && l['msg'] === 'generation done')).toBe(true)
    const all = stack.capture.logs.join('\n')
    for (const key of [GATEWAY_KEY, SECOND_KEY, BROKE_KEY, SMALL_BUDGET_KEY, FAL_ONLY_KEY]) expect(all).not.toContain(key)
    expect(all.toLowerCase()).not.toContain('bearer ')
  })

  it('no provider key appears in any response (body or header) or log line of this file', () => {
    expect(stack.capture.responses.length).toBeGreaterThan(20)
    expect(leakedKeys(stack.capture)).toEqual([])
  })
})
