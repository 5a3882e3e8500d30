import { readFileSync } from 'node:fs'
import nock from 'nock'
import { ImageGenerationRequest, LLMKitClient, OutputFormat, UnsupportedCapabilityError } from '@llmkit/core'
import { describe, expect, it } from 'vitest'
import { headersOf, useNock } from '../../../test/nock.js'
import { stability } from './index.js'

const BASE = 'https://api.stability.test'
const fixture = (name: string) => JSON.parse(readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8')) as Record<string, unknown>

function client(unsupported?: 'warn' | 'error') {
  return new LLMKitClient({ providers: [stability()], env: { STABILITY_API_KEY: 'sk-stability-test-0123456789', STABILITY_BASE_URL: BASE }, unsupported, retry: false })
}

/** The smallest WebP header the core's sniffer recognises (RIFF....WEBP), as base64. */
const WEBP_B64 = Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WEBPVP8 '), Buffer.alloc(8)]).toString('base64')

/** The multipart fields, in wire order, of the one request nock sees at `path`; `image` replaces the fixture's PNG. */
function expectForm(path: string, image?: string) {
  let parsing: Promise<Array<[string, string]>> = Promise.resolve([])
  nock(BASE)
    .post(path)
    .reply(200, { ...fixture('stable-image.json'), ...(image === undefined ? {} : { image }) } as nock.Body, { 'content-type': 'application/json' })
    .on('request', (req: { headers: Record<string, string> | Headers }, _interceptor: unknown, body: string) => {
      const contentType = headersOf(req.headers)['content-type'] ?? ''
      parsing = new Response(body, { headers: { 'content-type': contentType } }).formData().then((form) => [...form.entries()].map(([k, v]) => [k, String(v)]))
    })
  return () => parsing
}

useNock()

describe('first-class aspect_ratio and output_format on Stability', () => {
  it('sends the ratio and the format to SD 3.5 as aspect_ratio and output_format', async () => {
    // The API answers a webp request with WebP bytes (PNG bytes would rightly warn).
    const fields = expectForm('/v2beta/stable-image/generate/sd3', WEBP_B64)
    const request = new ImageGenerationRequest('stability-ai/sd3.5-medium', 'p').with_aspect_ratio('21:9').with_output_format(OutputFormat.Webp)
    const response = await client('error').generateImage(request)
    expect(await fields()).toStrictEqual([
      ['model', 'sd3.5-medium'],
      ['prompt', 'p'],
      ['aspect_ratio', '21:9'],
      ['output_format', 'webp'],
    ])
    expect(response.warnings).toStrictEqual([])
  })

  it('maps an unlisted ratio to the nearest of the nine on core, with a warning', async () => {
    const fields = expectForm('/v2beta/stable-image/generate/core')
    const response = await client().generateImage({ model: 'stability-ai/stable-image-core', prompt: 'p', aspect_ratio: '4:3', output_format: 'png' })
    expect(await fields()).toStrictEqual([
      ['prompt', 'p'],
      ['aspect_ratio', '5:4'],
      ['output_format', 'png'],
    ])
    expect(response.warnings).toMatchObject([{ type: 'mapped', setting: 'aspect_ratio', requested: '4:3', used: '5:4' }])
  })

  it('gives SDXL on v1 the nearest of its nine sizes for a ratio and honors png, its only format', async () => {
    let body: unknown
    nock(BASE)
      .post('/v1/generation/stable-diffusion-xl-1024-v1-0/text-to-image')
      .reply(200, fixture('sdxl-artifacts.json') as nock.Body)
      .on('request', (_req: unknown, _i: unknown, raw: string) => {
        body = JSON.parse(raw)
      })
    await client('error').generateImage({ model: 'stability-ai/stable-diffusion-xl', prompt: 'p', n: 2, aspect_ratio: '7:4', output_format: 'png' })
    expect(body).toMatchObject({ width: 1344, height: 768 })
    expect(body).not.toHaveProperty('output_format')
  })

  it("rejects webp and a background on SDXL before any call under unsupported: 'error'", async () => {
    await expect(client('error').generateImage({ model: 'stability-ai/stable-diffusion-xl', prompt: 'p', output_format: 'webp' })).rejects.toBeInstanceOf(UnsupportedCapabilityError)
    await expect(client('error').generateImage({ model: 'stability-ai/sd3.5-large', prompt: 'p', background: 'transparent' })).rejects.toMatchObject({ param: 'background' })
  })
})
