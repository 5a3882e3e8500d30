import nock from 'nock'
import { describe, expect, it } from 'vitest'
import { useNock } from '../../../../test/nock.js'
import { DeliveryError, ProviderError } from '../errors.js'
import type { ProviderResult } from '../registry/plugin.js'
import type { ModelCapabilities } from '../registry/capabilities.js'
import { fakeClient, fakeModels, fakePlugin } from './__fixtures__/fake.js'

useNock()

/** A 1x1 PNG. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64')
const HOST = 'https://img.fake'

/** A URL-only provider answering one image per call, with a job id and a seed. */
function urlOnly(extra: Partial<ProviderResult> = {}) {
  return fakePlugin(async (req, _options, call) => ({
    images: Array.from({ length: req.n }, (_, i) => ({ url: `${HOST}/${call}-${i}.png`, seed: 40 + i })),
    requestId: `job-${call}`,
    ...extra,
  }))
}

describe('deliver: downloads after a paid generation', () => {
  it('retries a failing image host on its own (503, then 200): one submit, base64 delivered', async () => {
    const plugin = urlOnly()
    const host = nock(HOST).get('/1-0.png').reply(503, 'busy').get('/1-0.png').reply(200, PNG, { 'content-type': 'image/png' })
    const { client, logger } = fakeClient([plugin])
    const res = await client.generateImage({ model: 'one', prompt: 'cat', format: 'b64_json' })
    expect(plugin.calls).toHaveLength(1)
    expect(host.isDone()).toBe(true)
    expect(res.first()?.b64_json).toBe(PNG.toString('base64'))
    expect(res.first()?.mimeType).toBe('image/png')
    expect(res.first()?.seed).toBe(40)
    expect(res.timings?.downloadMs).toBeTypeOf('number')
    expect(logger.events.filter((e) => e.obj['event'] === 'delivery.retry')).toHaveLength(1)
    expect(logger.events.some((e) => e.obj['event'] === 'generation.retry')).toBe(false)
  })

  it('honors Retry-After between download tries', async () => {
    const plugin = urlOnly()
    nock(HOST).get('/1-0.png').reply(429, 'slow down', { 'retry-after': '2' }).get('/1-0.png').reply(200, PNG)
    const { client, clock } = fakeClient([plugin])
    await client.generateImage({ model: 'one', prompt: 'cat', format: 'b64_json' })
    expect(clock.sleeps).toStrictEqual([2000])
  })

  it('a host failing for good is a DeliveryError with the URLs, job id and seeds, after exactly one submit', async () => {
    const plugin = urlOnly()
    const host = nock(HOST).get('/1-0.png').times(3).reply(503, 'down')
    const { client } = fakeClient([plugin], { downloads: { random: () => 0 } })
    const error = await client.generateImage({ model: 'one', prompt: 'cat', format: 'b64_json' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DeliveryError)
    const e = error as DeliveryError
    expect(e.retryable).toBe(false)
    expect(e.status).toBe(503)
    expect(e.paid).toStrictEqual({ provider: 'fake', model: 'one', jobId: undefined, requestId: 'job-1', images: [{ url: `${HOST}/1-0.png`, seed: 40, mimeType: undefined }] })
    expect(e.message).toMatch(/not run again/)
    expect(plugin.calls).toHaveLength(1)
    expect(host.isDone()).toBe(true)
  })

  it('names the job id of an async model and keeps every part of a split request paid once', async () => {
    const plugin = fakePlugin(
      async (req, _o, call) => ({ images: Array.from({ length: req.n }, (_, i) => ({ url: `${HOST}/${call}-${i}.png` })), requestId: `pred-${call}` }),
      { models: [{ id: 'slow', wireId: 'slow', mode: 'async', maxImagesPerCall: 1, sizes: { kind: 'list', values: ['1024x1024'] }, qualities: [], styles: [], negativePrompt: false, seed: null, formats: ['url'] }] },
    )
    nock(HOST).get('/1-0.png').reply(200, PNG).get('/2-0.png').times(3).reply(502, 'bad gateway')
    const { client } = fakeClient([plugin], { downloads: { random: () => 0 }, splitN: { partialFailure: 'partial' } })
    const res = await client.generateImage({ model: 'slow', prompt: 'cat', n: 2, format: 'b64_json' })
    expect(plugin.calls).toHaveLength(2)
    expect(res.count).toBe(1)
    expect(res.warnings.some((w) => /LLMKIT_DELIVERY/.test(w.message))).toBe(true)
  })

  it('does not retry a 4xx, and reports it with the paid URL', async () => {
    const plugin = urlOnly()
    const host = nock(HOST).get('/1-0.png').reply(404, 'gone')
    const { client } = fakeClient([plugin])
    const error = await client.generateImage({ model: 'one', prompt: 'cat', format: 'b64_json' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DeliveryError)
    expect((error as DeliveryError).paid?.images[0]?.url).toBe(`${HOST}/1-0.png`)
    expect(host.isDone()).toBe(true)
    expect(plugin.calls).toHaveLength(1)
  })

  it('does not follow a redirect from the image host, even to a private address', async () => {
    const plugin = urlOnly()
    const host = nock(HOST).get('/1-0.png').reply(302, '', { location: 'http://169.254.169.254/latest/meta-data/' })
    const { client } = fakeClient([plugin])
    const error = await client.generateImage({ model: 'one', prompt: 'cat', format: 'b64_json' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DeliveryError)
    expect((error as DeliveryError).status).toBe(302)
    expect((error as DeliveryError).message).toMatch(/redirects are not followed/)
    expect(host.isDone()).toBe(true)
    expect(plugin.calls).toHaveLength(1)
  })

  it('a downloaded body that is not an image (HTML, JSON) is a non-retryable ProviderError carrying paid', async () => {
    for (const [body, type] of [
      ['<!DOCTYPE html><html><body>Access denied</body></html>', 'text/html'],
      ['{"error":"expired"}', 'image/png'],
    ] as const) {
      const plugin = urlOnly()
      nock(HOST).get('/1-0.png').reply(200, body, { 'content-type': type })
      const { client } = fakeClient([plugin])
      const error = await client.generateImage({ model: 'one', prompt: 'cat', format: 'b64_json' }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ProviderError)
      expect((error as ProviderError).retryable).toBe(false)
      expect((error as ProviderError).message).toMatch(/is not a PNG, JPEG, WebP, GIF or SVG image/)
      expect((error as ProviderError).paid?.images[0]?.url).toBe(`${HOST}/1-0.png`)
      expect(plugin.calls).toHaveLength(1)
    }
  })

  it('the cache stores the delivered response: a hit downloads nothing', async () => {
    const plugin = urlOnly()
    const host = nock(HOST).get('/1-0.png').once().reply(200, PNG)
    const { client } = fakeClient([plugin], { cache: true })
    const first = await client.generateImage({ model: 'one', prompt: 'cat', seed: 1, format: 'b64_json' })
    const second = await client.generateImage({ model: 'one', prompt: 'cat', seed: 1, format: 'b64_json' })
    expect(host.isDone()).toBe(true)
    expect(plugin.calls).toHaveLength(1)
    expect(second.first()?.b64_json).toBe(first.first()?.b64_json)
    expect(second.first()?.b64_json).toBe(PNG.toString('base64'))
  })

  it('checks downloadSettings when the client is built', () => {
    expect(() => fakeClient([urlOnly()], { downloads: { maxAttempts: 0 } })).toThrow(/maxAttempts/)
    expect(() => fakeClient([urlOnly()], { downloads: { allowHosts: ['http://x/'] } })).toThrow(/allowHosts/)
  })
})

describe('output checks before success', () => {
  const cases: [string, (n: number) => ProviderResult, RegExp][] = [
    ['more images than asked', (n) => ({ images: Array.from({ length: n + 3 }, () => ({ b64: PNG.toString('base64') })) }), /asked for 1 image\(s\), the provider returned 4/],
    ['no images', () => ({ images: [] }), /asked for 1 image\(s\), the provider returned 0/],
    ['an image without data', () => ({ images: [{ seed: 1 }] }), /has neither a URL nor base64 data/],
    ['base64 that is not base64', () => ({ images: [{ b64: 'not base64 at all!' }] }), /its base64 data is not base64/],
    ['base64 of something that is not an image', () => ({ images: [{ b64: Buffer.from('<html><body>hi</body></html>').toString('base64') }] }), /is not a PNG, JPEG, WebP, GIF or SVG image/],
    ['a data: URL of JSON', () => ({ images: [{ url: `data:image/png;base64,${Buffer.from('{"a":1}').toString('base64')}` }] }), /is not a PNG/],
  ]
  it.each(cases)('%s is a non-retryable ProviderError with paid, never a success (one provider call)', async (_name, answer, message) => {
    const plugin = fakePlugin(async (req) => ({ ...answer(req.n), requestId: 'r-1' }))
    const { client } = fakeClient([plugin])
    const error = await client.generateImage({ model: 'one', prompt: 'cat' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ProviderError)
    expect((error as ProviderError).retryable).toBe(false)
    expect((error as ProviderError).message).toMatch(message)
    expect((error as ProviderError).paid?.requestId).toBe('r-1')
    expect(plugin.calls).toHaveLength(1)
  })

  it('sniffs the type from the bytes over what the provider says', async () => {
    const gif = Buffer.concat([Buffer.from('GIF89a'), Buffer.alloc(10)]).toString('base64')
    const plugin = fakePlugin(async () => ({ images: [{ b64: gif, mimeType: 'image/png' }] }))
    const { client } = fakeClient([plugin])
    const res = await client.generateImage({ model: 'one', prompt: 'cat' })
    expect(res.first()?.mimeType).toBe('image/gif')
    expect(res.first()?.url).toBe(`data:image/gif;base64,${gif}`)
  })
})

describe('deliver: output format check', () => {
  const webpModels = [{ ...fakeModels[0]!, outputFormats: ['png', 'jpeg', 'webp'] }] as ModelCapabilities[]
  const pngBytes = () =>
    fakePlugin(async (req) => ({ images: Array.from({ length: req.n }, () => ({ b64: PNG.toString('base64') })), requestId: 'r-1' }), { models: webpModels })

  it('warns when webp was asked and PNG bytes came back, naming both', async () => {
    const plugin = pngBytes()
    const { client } = fakeClient([plugin])
    const res = await client.generateImage({ model: 'one', prompt: 'cat', format: 'b64_json', output_format: 'webp' })
    expect(plugin.calls[0]?.outputFormat).toBe('webp')
    expect(res.first()?.b64_json).toBe(PNG.toString('base64'))
    expect(res.warnings.filter((w) => w.setting === 'output_format')).toStrictEqual([
      {
        type: 'other',
        setting: 'output_format',
        message: "fake one: asked for output_format 'webp' (image/webp), but every image came back as image/png; the bytes are delivered as they came",
        requested: 'webp',
        used: 'image/png',
      },
    ])
  })

  it('warns on a downloaded image too', async () => {
    const plugin = fakePlugin(async () => ({ images: [{ url: `${HOST}/x.webp` }], requestId: 'r-2' }), { models: webpModels })
    nock(HOST).get('/x.webp').reply(200, PNG, { 'content-type': 'image/webp' })
    const { client } = fakeClient([plugin])
    const res = await client.generateImage({ model: 'one', prompt: 'cat', format: 'b64_json', output_format: 'webp' })
    expect(res.warnings.filter((w) => w.setting === 'output_format').map((w) => [w.requested, w.used])).toStrictEqual([['webp', 'image/png']])
  })

  it('warns on a URL image that is never downloaded, judged by the extension of its path, without downloading it', async () => {
    const plugin = fakePlugin(async () => ({ images: [{ url: `${HOST}/out/x.PNG?sig=abc.webp` }], requestId: 'r-3' }), { models: webpModels })
    const { client } = fakeClient([plugin])
    const res = await client.generateImage({ model: 'one', prompt: 'cat', format: 'url', output_format: 'webp' })
    expect(res.first()?.url).toBe(`${HOST}/out/x.PNG?sig=abc.webp`)
    expect(res.warnings.filter((w) => w.setting === 'output_format')).toStrictEqual([
      {
        type: 'other',
        setting: 'output_format',
        message:
          "fake one: asked for output_format 'webp' (image/webp), but every image came back as image/png (judged by the stated type or the URL’s file extension: not downloaded); the bytes are delivered as they came",
        requested: 'webp',
        used: 'image/png',
      },
    ])
  })

  it('prefers the mime type the provider stated for a URL image, and names only the wrong ones', async () => {
    const plugin = fakePlugin(async () => ({ images: [{ url: `${HOST}/a`, mimeType: 'image/jpeg' }, { url: `${HOST}/b.webp` }], requestId: 'r-4' }), {
      models: [{ ...webpModels[0]!, maxImagesPerCall: 2 }] as ModelCapabilities[],
    })
    const { client } = fakeClient([plugin])
    const res = await client.generateImage({ model: 'one', prompt: 'cat', n: 2, format: 'url', output_format: 'webp' })
    expect(res.warnings.filter((w) => w.setting === 'output_format').map((w) => [w.message.includes('image(s) 1 of 2'), w.used])).toStrictEqual([[true, 'image/jpeg']])
  })

  it('does not judge a URL image whose type nothing states (no extension, no mime type), nor one with the asked extension', async () => {
    const plugin = fakePlugin(async () => ({ images: [{ url: `${HOST}/files/abc123` }, { url: `${HOST}/c.webp` }], requestId: 'r-5' }), {
      models: [{ ...webpModels[0]!, maxImagesPerCall: 2 }] as ModelCapabilities[],
    })
    const { client } = fakeClient([plugin])
    const res = await client.generateImage({ model: 'one', prompt: 'cat', n: 2, format: 'url', output_format: 'webp' })
    expect(res.warnings.filter((w) => w.setting === 'output_format')).toStrictEqual([])
  })

  it('adds no warning when the asked format came back, or none was asked', async () => {
    const { client } = fakeClient([pngBytes()])
    const asked = await client.generateImage({ model: 'one', prompt: 'cat', format: 'b64_json', output_format: 'png' })
    const none = await client.generateImage({ model: 'one', prompt: 'cat', format: 'b64_json' })
    expect(asked.warnings.filter((w) => w.setting === 'output_format')).toStrictEqual([])
    expect(none.warnings.filter((w) => w.setting === 'output_format')).toStrictEqual([])
  })
})
