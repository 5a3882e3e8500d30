import { describe, expect, it } from 'vitest'
import { InvalidRequestError, UnsupportedCapabilityError } from '../errors.js'
import type { ModelCapabilities } from '../registry/capabilities.js'
import { ImageGenerationRequest } from '../request.js'
import { normalizeRequest } from './normalize-request.js'

const listModel: ModelCapabilities = {
  id: 'list',
  wireId: 'list',
  mode: 'sync',
  maxImagesPerCall: 1,
  sizes: { kind: 'list', values: ['1024x1024', '1536x1024', '1024x1536'] },
  defaultSize: '1024x1024',
  qualities: [],
  styles: [],
  negativePrompt: false,
  seed: null,
  formats: ['b64_json'],
  outputMimeTypes: ['image/png', 'image/jpeg', 'image/webp'],
  outputFormats: ['png', 'jpeg', 'webp'],
  outputCompression: true,
  backgrounds: ['transparent', 'opaque', 'auto'],
}
const aspectModel: ModelCapabilities = { ...listModel, id: 'aspect', sizes: { kind: 'aspect', values: ['1:1', '16:9', '9:16', '21:9'] }, defaultSize: '1:1' }
const rangeModel: ModelCapabilities = {
  ...listModel,
  id: 'range',
  sizes: { kind: 'range', minWidth: 256, maxWidth: 3840, minHeight: 256, maxHeight: 3840, step: 16, maxPixels: 3840 * 2160 },
}
/** A PNG-only model with no format, compression or background setting (DALL·E 3's shape). */
const pngOnly: ModelCapabilities = {
  ...listModel,
  id: 'png-only',
  outputMimeTypes: ['image/png'],
  outputFormats: undefined,
  outputCompression: undefined,
  backgrounds: undefined,
}
const req = (init: Partial<Parameters<typeof ImageGenerationRequest.from>[0]> = {}) => ImageGenerationRequest.from({ model: 'm', prompt: 'p', ...init })

describe('normalizeRequest: aspect_ratio', () => {
  it('gives a ratio model the ratio directly, without a warning', () => {
    const { request, warnings } = normalizeRequest(req({ aspect_ratio: '16:9' }), 'aspect', aspectModel, 'error')
    expect(request.aspectRatio).toBe('16:9')
    expect(request.size).toBeUndefined()
    expect(warnings).toStrictEqual([])
  })

  it('maps an unlisted ratio to the nearest listed one with a warning, or fails by policy', () => {
    const { request, warnings } = normalizeRequest(req({ aspect_ratio: '2:1' }), 'aspect', aspectModel, 'warn')
    expect(request.aspectRatio).toBe('16:9')
    expect(warnings).toStrictEqual([
      { type: 'mapped', setting: 'aspect_ratio', requested: '2:1', used: '16:9', message: 'aspect does not take aspect ratio 2:1 (ratios: 1:1, 16:9, 9:16, 21:9): used 16:9 instead of 2:1' },
    ])
    expect(() => normalizeRequest(req({ aspect_ratio: '2:1' }), 'aspect', aspectModel, 'error')).toThrow(UnsupportedCapabilityError)
  })

  it('gives a size-only model the nearest listed size, warning when its ratio differs', () => {
    const exact = normalizeRequest(req({ aspect_ratio: '3:2' }), 'list', listModel, 'error')
    expect(exact.request.size).toStrictEqual({ width: 1536, height: 1024 })
    expect(exact.request.aspectRatio).toBeUndefined()
    expect(exact.warnings).toStrictEqual([])

    const near = normalizeRequest(req({ aspect_ratio: '16:9' }), 'list', listModel, 'warn')
    expect(near.request.size).toStrictEqual({ width: 1536, height: 1024 })
    expect(near.warnings).toStrictEqual([
      { type: 'mapped', setting: 'aspect_ratio', requested: '16:9', used: '1536x1024', message: 'list takes pixel sizes only and has none at 16:9: used 1536x1024 instead of 16:9' },
    ])
    expect(() => normalizeRequest(req({ aspect_ratio: '16:9' }), 'list', listModel, 'error')).toThrow(UnsupportedCapabilityError)
  })

  it('gives a range model an exact-ratio size on its grid near the default area', () => {
    const { request, warnings } = normalizeRequest(req({ aspect_ratio: '16:9' }), 'range', rangeModel, 'error')
    expect(request.size).toStrictEqual({ width: 1280, height: 720 })
    expect(warnings).toStrictEqual([])
    expect(normalizeRequest(req({ aspect_ratio: '1:3' }), 'range', rangeModel, 'error').request.size).toStrictEqual({ width: 592, height: 1776 })
  })

  it('accepts a size and a ratio that agree, and rejects ones that disagree before any call', () => {
    expect(normalizeRequest(req({ size: '1536x1024', aspect_ratio: '3:2' }), 'list', listModel, 'error').request.size).toStrictEqual({ width: 1536, height: 1024 })
    expect(() => normalizeRequest(req({ size: '1024x1024', aspect_ratio: '16:9' }), 'list', listModel, 'warn')).toThrow(
      expect.objectContaining({ name: 'InvalidRequestError', param: 'aspect_ratio', message: expect.stringContaining('disagree') }),
    )
  })
})

describe('normalizeRequest: output_format, output_compression, background', () => {
  it('passes the fields through on a model that takes them', () => {
    const { request, warnings } = normalizeRequest(req({ output_format: 'webp', output_compression: 70, background: 'transparent' }), 'list', listModel, 'error')
    expect(request).toMatchObject({ outputFormat: 'webp', outputCompression: 70, background: 'transparent' })
    expect(warnings).toStrictEqual([])
  })

  it('leaves them undefined when the request gives none', () => {
    const { request } = normalizeRequest(req(), 'list', listModel, 'error')
    expect(request).toMatchObject({ outputFormat: undefined, outputCompression: undefined, background: undefined })
  })

  it('honors the one format a model always produces without sending it', () => {
    const { request, warnings } = normalizeRequest(req({ output_format: 'png' }), 'png-only', pngOnly, 'error')
    expect(request.outputFormat).toBeUndefined()
    expect(warnings).toStrictEqual([])
  })

  it('warns about settings the model cannot honor and drops them, under policy warn', () => {
    const { request, warnings } = normalizeRequest(req({ output_format: 'jpeg', output_compression: 50, background: 'opaque' }), 'png-only', pngOnly, 'warn')
    expect(request).toMatchObject({ outputFormat: undefined, outputCompression: undefined, background: undefined })
    expect(warnings).toStrictEqual([
      { type: 'unsupported', setting: 'output_format', requested: 'jpeg', message: 'png-only cannot choose its output format (it produces image/png); output_format was not sent' },
      { type: 'unsupported', setting: 'output_compression', requested: 50, message: 'png-only has no output compression setting; output_compression was not sent' },
      { type: 'unsupported', setting: 'background', requested: 'opaque', message: 'png-only has no background setting; background was not sent' },
    ])
  })

  it('fails under policy error, naming the setting', () => {
    expect(() => normalizeRequest(req({ background: 'transparent' }), 'png-only', pngOnly, 'error')).toThrow(
      expect.objectContaining({ name: 'UnsupportedCapabilityError', param: 'background' }),
    )
    const noWebp: ModelCapabilities = { ...listModel, outputFormats: ['png', 'jpeg'] }
    expect(() => normalizeRequest(req({ output_format: 'webp' }), 'x', noWebp, 'error')).toThrow(/x does not produce webp \(output formats: png, jpeg\)/)
  })

  it('rejects compression without a jpeg or webp format, and a transparent jpeg, under either policy', () => {
    for (const policy of ['warn', 'error'] as const) {
      expect(() => normalizeRequest(req({ output_compression: 50 }), 'list', listModel, policy)).toThrow(InvalidRequestError)
      expect(() => normalizeRequest(req({ output_format: 'png', output_compression: 50 }), 'list', listModel, policy)).toThrow(/applies to jpeg and webp output only/)
      expect(() => normalizeRequest(req({ output_format: 'jpeg', background: 'transparent' }), 'list', listModel, policy)).toThrow(
        expect.objectContaining({ name: 'InvalidRequestError', param: 'background' }),
      )
    }
  })
})

describe('normalizeRequest: aspect_ratio on a list with sizes of several areas', () => {
  it('prefers a listed size at the exact ratio over one nearer the default area', () => {
    const caps: ModelCapabilities = { ...listModel, sizes: { kind: 'list', values: ['1024x1024', '1920x1088', '2560x1440'] } }
    const { request, warnings } = normalizeRequest(req({ aspect_ratio: '16:9' }), 'x', caps, 'error')
    expect(request.size).toStrictEqual({ width: 2560, height: 1440 })
    expect(warnings).toStrictEqual([])
  })
})
