import { STABILITY_TRIGGERS, pngSize } from '@llmkit/emulator'
import { describe, expect, inject, it } from 'vitest'

/**
 * The emulated Stability wire itself (no llmkit): both APIs' validation errors, multipart
 * parsing, and JSON and byte answers, so the provider's unit tests rest on a faithful emulator.
 */
const base = () => `${inject('emulatorEnv')['STABILITY_BASE_URL']}`
const key = () => inject('emulatorEnv')['STABILITY_API_KEY']!
const SDXL = '/v1/generation/stable-diffusion-xl-1024-v1-0/text-to-image'

function v1(body: unknown, accept = 'application/json', auth = `Bearer ${key()}`): Promise<Response> {
  return fetch(`${base()}${SDXL}`, { method: 'POST', headers: { authorization: auth, accept, 'content-type': 'application/json' }, body: JSON.stringify(body) })
}

function v2(endpoint: string, fields: Record<string, string>, accept = 'application/json'): Promise<Response> {
  const form = new FormData()
  for (const [k, v] of Object.entries(fields)) form.append(k, v)
  return fetch(`${base()}/v2beta/stable-image/generate/${endpoint}`, { method: 'POST', headers: { authorization: `Bearer ${key()}`, accept }, body: form })
}

const prompt = (text: string) => ({ text_prompts: [{ text, weight: 1 }], width: 1024, height: 1024 })

describe('emulated v1 text-to-image', () => {
  it('answers artifacts with base64 PNG, seed and finishReason', async () => {
    const res = await v1({ ...prompt('a fox'), samples: 2, seed: 10 })
    expect(res.status).toBe(200)
    const body = (await res.json()) as { artifacts: Array<{ base64: string; seed: number; finishReason: string }> }
    expect(body.artifacts.map((a) => [a.seed, a.finishReason])).toStrictEqual([
      [10, 'SUCCESS'],
      [11, 'SUCCESS'],
    ])
    expect(pngSize(Buffer.from(body.artifacts[0]!.base64, 'base64'))).toStrictEqual({ width: 1024, height: 1024 })
  })

  it('answers PNG bytes with Finish-Reason and Seed headers for Accept: image/png', async () => {
    const res = await v1({ ...prompt(`a fox ${STABILITY_TRIGGERS.filtered}`), seed: 3 }, 'image/png')
    expect(res.headers.get('content-type')).toBe('image/png')
    expect(res.headers.get('finish-reason')).toBe('CONTENT_FILTERED')
    expect(res.headers.get('seed')).toBe('3')
    expect(Buffer.from(await res.arrayBuffer()).subarray(1, 4).toString()).toBe('PNG')
  })

  it.each([
    [{ ...prompt('x'), width: 512, height: 512 }, 'application/json', 400, 'invalid_height_or_width'],
    [{ text_prompts: [{ text: 'x' }] }, 'application/json', 400, 'invalid_height_or_width'],
    [{ ...prompt('x'), samples: 11 }, 'application/json', 400, 'invalid_samples'],
    [{ ...prompt('x'), samples: 2 }, 'image/png', 400, 'invalid_samples'],
    [{ ...prompt('x'), seed: 4_294_967_296 }, 'application/json', 400, 'bad_request'],
    [{ ...prompt('x'), sampler: 'K_NOPE' }, 'application/json', 400, 'bad_request'],
    [{ ...prompt('x'), size: '1024x1024' }, 'application/json', 400, 'bad_request'],
    [{ text_prompts: [] }, 'application/json', 400, 'bad_request'],
    [prompt(STABILITY_TRIGGERS.moderation), 'application/json', 400, 'invalid_prompts'],
    [prompt(STABILITY_TRIGGERS.credits), 'application/json', 402, 'payment_required'],
  ])('rejects %j (Accept %s) with %i %s in the v1 envelope', async (body, accept, status, name) => {
    const res = await v1(body, accept)
    expect(res.status).toBe(status)
    const error = (await res.json()) as Record<string, unknown>
    expect(error).toMatchObject({ name })
    expect(Object.keys(error).sort()).toStrictEqual(['id', 'message', 'name'])
  })

  it('answers 401 without a key and 404 for an unknown engine', async () => {
    expect((await v1(prompt('x'), 'application/json', '')).status).toBe(401)
    const res = await fetch(`${base()}/v1/generation/nope-v1/text-to-image`, { method: 'POST', headers: { authorization: `Bearer ${key()}`, 'content-type': 'application/json' }, body: '{}' })
    expect(res.status).toBe(404)
    expect(await res.json()).toMatchObject({ name: 'not_found' })
  })
})

describe('emulated v2beta Stable Image', () => {
  it('parses multipart fields and answers JSON { image, finish_reason, seed } sized from the aspect ratio', async () => {
    const res = await v2('sd3', { model: 'sd3.5-large-turbo', prompt: 'a fox', aspect_ratio: '9:16', seed: '42', output_format: 'png', cfg_scale: '1' })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/json; type=image/png')
    const body = (await res.json()) as { image: string; finish_reason: string; seed: number }
    expect([body.finish_reason, body.seed]).toStrictEqual(['SUCCESS', 42])
    expect(pngSize(Buffer.from(body.image, 'base64'))).toStrictEqual({ width: 768, height: 1344 })
  })

  it('answers image bytes with finish-reason and seed headers for Accept: image/*', async () => {
    const res = await v2('ultra', { prompt: `a fox ${STABILITY_TRIGGERS.filtered}`, seed: '9' }, 'image/*')
    expect(res.headers.get('content-type')).toBe('image/png')
    expect(res.headers.get('finish-reason')).toBe('CONTENT_FILTERED')
    expect(res.headers.get('seed')).toBe('9')
  })

  it('labels a jpeg request honestly: PNG bytes, image/png, and a note', async () => {
    const res = await v2('core', { prompt: 'a fox', output_format: 'jpeg' }, 'image/*')
    expect(res.headers.get('content-type')).toBe('image/png')
    expect(res.headers.get('x-emulator-note')).toContain('png')
  })

  it('rejects a JSON body like the real API: multipart only', async () => {
    const res = await fetch(`${base()}/v2beta/stable-image/generate/core`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key()}`, 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'a fox' }),
    })
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({ name: 'bad_request', errors: ['content-type: must be multipart/form-data'] })
  })

  it.each([
    ['core', {}, 400, 'bad_request', 'prompt'],
    ['core', { prompt: 'x', aspect_ratio: '4:3' }, 400, 'bad_request', 'aspect_ratio'],
    ['core', { prompt: 'x', seed: '4294967295' }, 400, 'bad_request', 'seed'],
    ['core', { prompt: 'x', output_format: 'gif' }, 400, 'bad_request', 'output_format'],
    ['core', { prompt: 'x', model: 'sd3.5-large' }, 400, 'bad_request', 'model'],
    ['sd3', { prompt: 'x', model: 'sd3-large' }, 400, 'bad_request', 'model'],
    ['sd3', { prompt: 'x', cfg_scale: '20' }, 400, 'bad_request', 'cfg_scale'],
    ['ultra', { prompt: 'x', style_preset: 'oil' }, 400, 'bad_request', 'style_preset'],
    ['ultra', { prompt: STABILITY_TRIGGERS.moderation }, 403, 'content_moderation', 'Your request was flagged'],
    ['core', { prompt: STABILITY_TRIGGERS.credits }, 402, 'payment_required', 'You lack sufficient credits'],
  ])('/generate/%s %j gives %i %s', async (endpoint, fields, status, name, first) => {
    const res = await v2(endpoint, fields)
    expect(res.status).toBe(status)
    const body = (await res.json()) as { id: string; name: string; errors: string[] }
    expect(Object.keys(body).sort()).toStrictEqual(['errors', 'id', 'name'])
    expect(body.name).toBe(name)
    expect(body.errors[0]).toMatch(new RegExp(`^${first}`))
  })

  it('answers 404 for an unknown endpoint', async () => {
    const res = await v2('turbo', { prompt: 'x' })
    expect(res.status).toBe(404)
    expect(await res.json()).toMatchObject({ name: 'not_found' })
  })
})
