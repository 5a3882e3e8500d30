import { describe, expect, it } from 'vitest'
import { png } from '../../../core/src/inputs/__fixtures__/images.js'
import { FileStore } from '../files.js'
import type { EmulatorContext } from '../types.js'
import { type FalInputIssue, FAL_IMAGE_ENDPOINTS, documentBytes, readFalImageInputs } from './fal-image-inputs.js'
import { REPLICATE_IMAGE_MODELS, readReplicateImageInputs } from './replicate-image-inputs.js'

const ORIGIN = 'http://127.0.0.1:4010'
const ctx = { origin: ORIGIN, files: new FileStore(() => ORIGIN) } as unknown as EmulatorContext
const dataUrl = (bytes: Uint8Array) => `data:image/png;base64,${Buffer.from(bytes).toString('base64')}`

describe('documents the emulator can read', () => {
  it('decodes base64 and percent-encoded data URIs and serves its own files; other URLs cannot be downloaded', () => {
    const bytes = Buffer.from(png(4, 4))
    expect(documentBytes(dataUrl(bytes), ctx)).toStrictEqual(bytes)
    expect(documentBytes('data:text/plain,a%20b', ctx)).toStrictEqual(Buffer.from('a b'))
    const own = ctx.files.put(bytes, 'image/png')
    expect(documentBytes(own, ctx)).toStrictEqual(bytes)
    expect(documentBytes(`${ORIGIN}/files/unknown.png`, ctx)).toBe('undownloadable')
    expect(documentBytes('https://example.com/a.png', ctx)).toBe('undownloadable')
    expect(documentBytes('not a url', ctx)).toBe('malformed')
    expect(documentBytes('ftp://example.com/a.png', ctx)).toBe('malformed')
  })
})

describe('fal image endpoint inputs', () => {
  it('reads image_urls in order and names the failing item of the list', () => {
    const a = png(8, 6)
    const b = png(4, 4)
    const issues: FalInputIssue[] = []
    const read = readFalImageInputs(FAL_IMAGE_ENDPOINTS['fal-ai/flux-pro/kontext/multi']!, { image_urls: [dataUrl(a), dataUrl(b)] }, ctx, issues)
    expect(issues).toStrictEqual([])
    expect(read).toStrictEqual({ inputs: [Buffer.from(a), Buffer.from(b)], size: { width: 8, height: 6 } })
    const bad: FalInputIssue[] = []
    expect(readFalImageInputs(FAL_IMAGE_ENDPOINTS['fal-ai/flux-pro/kontext/multi']!, { image_urls: [dataUrl(a), 7] }, ctx, bad)).toBeUndefined()
    expect(bad).toStrictEqual([{ loc: ['body', 'image_urls', 1], msg: 'Input should be a valid string', type: 'string_type' }])
    const empty: FalInputIssue[] = []
    readFalImageInputs(FAL_IMAGE_ENDPOINTS['fal-ai/flux-pro/kontext/multi']!, { image_urls: [] }, ctx, empty)
    expect(empty[0]).toMatchObject({ loc: ['body', 'image_urls'], type: 'too_short' })
  })

  it('refuses a Kontext ratio outside its enum and ignores a ratio on Fill, which has none (fal ignores unknown fields)', () => {
    const kontext: FalInputIssue[] = []
    readFalImageInputs(FAL_IMAGE_ENDPOINTS['fal-ai/flux-pro/kontext']!, { image_url: dataUrl(png(4, 4)), aspect_ratio: '5:1' }, ctx, kontext)
    expect(kontext[0]).toMatchObject({ loc: ['body', 'aspect_ratio'], type: 'enum' })
    const fill: FalInputIssue[] = []
    readFalImageInputs(FAL_IMAGE_ENDPOINTS['fal-ai/flux-pro/v1/fill']!, { image_url: dataUrl(png(4, 4)), mask_url: dataUrl(png(4, 4)), aspect_ratio: '1:1' }, ctx, fill)
    expect(fill).toStrictEqual([])
  })
})

describe('Replicate image inputs', () => {
  it('takes SDXL masks of any size (the model resizes them) and Kontext without an image', () => {
    const image = png(8, 8)
    const mask = png(4, 4)
    expect(readReplicateImageInputs(REPLICATE_IMAGE_MODELS['stability-ai/sdxl']!, { image: dataUrl(image), mask: dataUrl(mask) }, ctx)).toStrictEqual({
      inputs: [Buffer.from(image), Buffer.from(mask)],
      size: { width: 8, height: 8 },
    })
    expect(readReplicateImageInputs(REPLICATE_IMAGE_MODELS['black-forest-labs/flux-kontext-pro']!, { prompt: 'p' }, ctx)).toStrictEqual({ inputs: [], size: undefined })
  })

  it('fails the prediction for a link it cannot download', () => {
    expect(readReplicateImageInputs(REPLICATE_IMAGE_MODELS['black-forest-labs/flux-dev']!, { image: 'https://example.com/a.png' }, ctx)).toStrictEqual({ failure: 'Failed to download image from https://example.com/a.png' })
  })
})
