import { sniffImageType } from '@llmkit/core'
import OpenAI, { toFile } from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { png } from '../../core/src/inputs/__fixtures__/images.js'
import { GATEWAY_KEY, leakedKeys, type Stack, startStack } from './helpers.js'

let stack: Stack
let openai: OpenAI

beforeAll(async () => {
  stack = await startStack({ limits: { bodyBytes: 1_048_576, uploadBytes: 400_000, promptChars: 32_000, maxImages: 10 } })
  openai = new OpenAI({ apiKey: GATEWAY_KEY, baseURL: `${stack.url}/v1`, fetch: stack.fetch, maxRetries: 0 })
})
afterAll(async () => {
  await stack.close()
})

const pngFile = (bytes: Uint8Array, name = 'image.png') => toFile(Buffer.from(bytes), name, { type: 'image/png' })

/** A raw multipart POST (curl -F style). */
function upload(path: string, fields: Record<string, string>, files: Record<string, Uint8Array[]>, key: string | null = GATEWAY_KEY): Promise<Response> {
  const form = new FormData()
  for (const [name, value] of Object.entries(fields)) form.append(name, value)
  for (const [name, list] of Object.entries(files)) for (const bytes of list) form.append(name, new Blob([Buffer.from(bytes)], { type: 'image/png' }), 'image.png')
  return stack.fetch(`${stack.url}${path}`, { method: 'POST', body: form, headers: key === null ? {} : { authorization: `Bearer ${key}` } })
}

describe('POST /v1/images/edits and /v1/images/variations', () => {
  it('the openai SDK edits two images with a mask on gpt-image-1 (b64_json)', async () => {
    const res = await openai.images.edit({
      model: 'gpt-image-1',
      image: [await pngFile(png(64, 64)), await pngFile(png(64, 64, { fill: 200 }))],
      mask: await pngFile(png(64, 64, { alpha: true }), 'mask.png'),
      prompt: 'put a hat on it',
    })
    expect(res.data).toHaveLength(1)
    expect(sniffImageType(Buffer.from(res.data![0]!.b64_json!, 'base64'))).toBe('image/png')
  })

  it('the openai SDK edits one image on dall-e-2 and gets a URL it can download', async () => {
    const res = await openai.images.edit({ model: 'dall-e-2', image: await pngFile(png(64, 64, { alpha: true })), prompt: 'fill the corner', response_format: 'url' })
    const image = await fetch(res.data![0]!.url!)
    expect(image.status).toBe(200)
    expect(sniffImageType(Buffer.from(await image.arrayBuffer()))).toBe('image/png')
  })

  it('the openai SDK makes variations on dall-e-2 (no prompt)', async () => {
    const res = await openai.images.createVariation({ model: 'dall-e-2', image: await pngFile(png(64, 64)), n: 2, response_format: 'b64_json' })
    expect(res.data).toHaveLength(2)
    for (const d of res.data!) expect(sniffImageType(Buffer.from(d.b64_json!, 'base64'))).toBe('image/png')
  })

  it('an edit without an image is a 400 naming image', async () => {
    const res = await upload('/v1/images/edits', { model: 'gpt-image-1', prompt: 'nothing to edit' }, {})
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({ error: { type: 'invalid_request_error', param: 'image' } })
  })

  it('an unknown form field is a 400 naming it', async () => {
    const res = await upload('/v1/images/edits', { model: 'gpt-image-1', prompt: 'x', colour: 'red' }, { image: [png(32, 32)] })
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({ error: { code: 'unknown_parameter', param: 'colour' } })
  })

  it('an image sent to a text-only model is refused by llmkit before any provider call', async () => {
    const before = stack.emulator.log.submissions().length
    const res = await upload('/v1/images/edits', { model: 'dall-e-3', prompt: 'text only model' }, { image: [png(32, 32)] })
    expect(res.status).toBe(400)
    expect(((await res.json()) as { error: { type: string } }).error.type).toBe('invalid_request_error')
    expect(stack.emulator.log.submissions().length).toBe(before)
  })

  it('an upload past the limit is a 413 with no provider call; without a key it is a 401', async () => {
    const before = stack.emulator.log.submissions().length
    const big = new Uint8Array(500_000)
    big.set(png(8, 8))
    const res = await upload('/v1/images/edits', { model: 'gpt-image-1', prompt: 'too big' }, { image: [big] })
    expect(res.status).toBe(413)
    expect(await res.json()).toMatchObject({ error: { code: 'request_too_large' } })
    expect((await upload('/v1/images/edits', { model: 'gpt-image-1', prompt: 'no key' }, { image: [png(8, 8)] }, null)).status).toBe(401)
    expect(stack.emulator.log.submissions().length).toBe(before)
  })

  it('a variation with a prompt field is refused (OpenAI has none)', async () => {
    const res = await upload('/v1/images/variations', { model: 'dall-e-2', prompt: 'no prompt here' }, { image: [png(32, 32)] })
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({ error: { code: 'unknown_parameter', param: 'prompt' } })
  })

  it('JSON sent to the edits route is a 415 asking for multipart', async () => {
    const res = await stack.fetch(`${stack.url}/v1/images/edits`, { method: 'POST', headers: { authorization: `Bearer ${GATEWAY_KEY}`, 'content-type': 'application/json' }, body: '{"model":"gpt-image-1","prompt":"x"}' })
    expect(res.status).toBe(415)
  })

  it('lets no provider key out', () => {
    expect(leakedKeys(stack.capture)).toEqual([])
  })
})
