import { describe, expect, it } from 'vitest'
import { InvalidRequestError } from './errors.js'
import { ImageBackground, ImageGenerationRequest, OutputFormat } from './request.js'

describe('ImageGenerationRequest: aspect ratio, output format, compression and background', () => {
  it('sets each field with an immutable builder and serialises it in snake_case', () => {
    const base = new ImageGenerationRequest('gpt-image-1', 'A cat')
    const next = base
      .with_aspect_ratio('16:9')
      .with_output_format(OutputFormat.Webp)
      .with_output_compression(80)
      .with_background(ImageBackground.Transparent)
    expect(base.aspect_ratio).toBeUndefined()
    expect(base.toJSON()).toStrictEqual({ model: 'gpt-image-1', prompt: 'A cat' })
    expect(Object.isFrozen(next)).toBe(true)
    expect(next.toJSON()).toStrictEqual({
      model: 'gpt-image-1',
      prompt: 'A cat',
      aspect_ratio: '16:9',
      output_format: 'webp',
      output_compression: 80,
      background: 'transparent',
    })
  })

  it('takes the same fields in the plain-object form and round-trips them', () => {
    const init = { model: 'm', prompt: 'p', aspect_ratio: '2.39:1', output_format: 'jpeg', output_compression: 0, background: 'opaque' } as const
    const request = ImageGenerationRequest.from(init)
    expect(request.toJSON()).toStrictEqual(init)
    expect(ImageGenerationRequest.from(request.toJSON())).toStrictEqual(request)
  })

  it.each([
    ['aspect_ratio', (r: ImageGenerationRequest) => r.with_aspect_ratio('16x9'), /aspect_ratio must be 'W:H'/],
    ['aspect_ratio', (r: ImageGenerationRequest) => r.with_aspect_ratio('0:1'), /aspect_ratio must be 'W:H'/],
    ['aspect_ratio', (r: ImageGenerationRequest) => r.with_aspect_ratio('100:1'), /no wider than 16:1/],
    ['output_format', (r: ImageGenerationRequest) => r.with_output_format('gif' as never), /output_format must be one of png, jpeg, webp/],
    ['output_compression', (r: ImageGenerationRequest) => r.with_output_compression(101), /0 to 100/],
    ['output_compression', (r: ImageGenerationRequest) => r.with_output_compression(-1), /0 to 100/],
    ['output_compression', (r: ImageGenerationRequest) => r.with_output_compression(50.5), /whole number/],
    ['background', (r: ImageGenerationRequest) => r.with_background('white' as never), /background must be one of transparent, opaque, auto/],
  ])('rejects an invalid %s with an InvalidRequestError naming it', (param, build, message) => {
    const base = new ImageGenerationRequest('m', 'p')
    let caught: unknown
    try {
      build(base)
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(InvalidRequestError)
    expect((caught as InvalidRequestError).param).toBe(param)
    expect((caught as Error).message).toMatch(message)
  })

  it('rejects invalid plain-object values naming the field', () => {
    expect(() => ImageGenerationRequest.from({ model: 'm', prompt: 'p', output_compression: 200 })).toThrow(/Invalid output_compression: output_compression must be 0 to 100/)
    expect(() => ImageGenerationRequest.from({ model: 'm', prompt: 'p', aspect_ratio: 'wide' })).toThrow(InvalidRequestError)
  })
})
