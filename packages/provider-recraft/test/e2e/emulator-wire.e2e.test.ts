import { describe, expect, inject, it } from 'vitest'

/**
 * The emulated Recraft wire itself, spoken raw: these checks keep the emulator as strict as the
 * real service, so the end-to-end tests above it prove the provider sends only what Recraft takes.
 */
const base = `${inject('emulatorUrl')}/recraft/v1`
const key = inject('emulatorEnv')['RECRAFT_API_KEY']!

async function post(body: unknown, options: { path?: string; auth?: string | null } = {}) {
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (options.auth !== null) headers['authorization'] = options.auth ?? `Bearer ${key}`
  const res = await fetch(`${base}${options.path ?? '/images/generations'}`, { method: 'POST', headers, body: JSON.stringify(body) })
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() }
}

describe('emulated Recraft API', () => {
  it('answers a missing or wrong token with a plain-text 401', async () => {
    for (const auth of [null, 'Bearer nope']) {
      expect(await post({ model: 'recraftv3', prompt: 'p' }, { auth })).toMatchObject({ status: 401, type: expect.stringMatching(/^text\/plain/), text: 'request unauthorized' })
    }
  })

  it('answers an unknown path with a plain-text 404', async () => {
    expect(await post({}, { path: '/images/generate' })).toMatchObject({ status: 404, type: expect.stringMatching(/^text\/plain/), text: '404 page not found' })
  })

  it.each([
    ['a size the model does not list', { model: 'recraftv4', prompt: 'p', size: '1024x1792' }, 'invalid_size'],
    ['a pixel size on a vector model outside its family', { model: 'recraftv4_vector', prompt: 'p', size: '1820x1024' }, 'invalid_size'],
    ['n above 6', { model: 'recraftv3', prompt: 'p', n: 7 }, 'invalid_n'],
    ['n of 0', { model: 'recraftv3', prompt: 'p', n: 0 }, 'invalid_n'],
    ['a style on V4', { model: 'recraftv4', prompt: 'p', style: 'realistic_image' }, 'style_not_supported'],
    ['style with style_id', { model: 'recraftv3', prompt: 'p', style: 'any', style_id: '229b2a75-05e4-4580-85f9-b47ee521a00d' }, 'invalid_style'],
    ['icon on V3', { model: 'recraftv3', prompt: 'p', style: 'icon' }, 'invalid_style'],
    ['a substyle of another family', { model: 'recraftv3', prompt: 'p', style: 'realistic_image', substyle: 'pixel_art' }, 'invalid_substyle'],
    ['a negative prompt on V4', { model: 'recraftv4', prompt: 'p', negative_prompt: 'x' }, 'unsupported_parameter'],
    ['text_layout outside recraftv3', { model: 'recraftv2', prompt: 'p', text_layout: [] }, 'unsupported_parameter'],
    ['a prompt over 1000 characters on V3', { model: 'recraftv3', prompt: 'x'.repeat(1001) }, 'prompt_too_long'],
    ['a V4 Styles call without style_id', { model: 'recraftv4_styles', prompt: 'p' }, 'invalid_style_id'],
    ['a style on V4 Styles', { model: 'recraftv4_styles_pro', prompt: 'p', style: 'any', style_id: '229b2a75-05e4-4580-85f9-b47ee521a00d' }, 'style_not_supported'],
    ['a style_id on V4.1', { model: 'recraftv4_1', prompt: 'p', style_id: '229b2a75-05e4-4580-85f9-b47ee521a00d' }, 'style_not_supported'],
    ['an unknown model', { model: 'recraftv9', prompt: 'p' }, 'invalid_model'],
    ['an unknown field', { model: 'recraftv3', prompt: 'p', seed: 1 }, 'unknown_parameter'],
  ])('refuses %s with a JSON {code, message}', async (_name, body, code) => {
    const res = await post(body)
    expect(res.status).toBe(400)
    expect(res.type).toMatch(/^application\/json/)
    expect(JSON.parse(res.text)).toMatchObject({ code, message: expect.any(String) })
  })

  it('answers base64 PNGs and URLs of SVGs served with image/svg+xml', async () => {
    const png = await post({ model: 'recraftv3', prompt: 'p', n: 2, size: '16:9', response_format: 'b64_json' })
    const body = JSON.parse(png.text) as { created: number; data: { b64_json: string; image_id: string }[] }
    expect(body.data).toHaveLength(2)
    const bytes = Buffer.from(body.data[0]!.b64_json, 'base64')
    expect([bytes.readUInt32BE(16), bytes.readUInt32BE(20)]).toStrictEqual([1820, 1024])
    const svg = JSON.parse((await post({ model: 'recraftv4_pro_vector', prompt: 'p', size: '2:1' })).text) as { data: { url: string }[] }
    const file = await fetch(svg.data[0]!.url)
    expect(file.headers.get('content-type')).toBe('image/svg+xml')
    expect(await file.text()).toContain('viewBox="0 0 3072 1536"')
  })

  it('runs V4.1 and V4 Styles with a style_id', async () => {
    const v41 = await post({ model: 'recraftv4_1_pro', prompt: 'p', size: '2560x1664', response_format: 'b64_json' })
    expect(v41.status).toBe(200)
    const bytes = Buffer.from((JSON.parse(v41.text) as { data: { b64_json: string }[] }).data[0]!.b64_json, 'base64')
    expect([bytes.readUInt32BE(16), bytes.readUInt32BE(20)]).toStrictEqual([2560, 1664])
    const styled = await post({ model: 'recraftv4_styles', prompt: 'p', style_id: '229b2a75-05e4-4580-85f9-b47ee521a00d' })
    expect(styled.status).toBe(200)
    expect((JSON.parse(styled.text) as { data: unknown[] }).data).toHaveLength(1)
  })
})
