import { describe, expect, it } from 'vitest'
import { InvalidRequestError } from './errors.js'
import { ImageFormat, ImageGenerationRequest, ImageQuality, ImageSize, ImageStyle, MAX_SEED } from './request.js'

describe('ImageGenerationRequest', () => {
  it('is immutable: each builder returns a new frozen request', () => {
    const base = new ImageGenerationRequest('dall-e-3', 'A cat')
    const next = base.with_n(2)
    expect(next).not.toBe(base)
    expect(base.n).toBeUndefined()
    expect(next.n).toBe(2)
    expect(Object.isFrozen(next)).toBe(true)
    expect(() => {
      ;(next as { n: number }).n = 3
    }).toThrow(TypeError)
  })

  it('keeps every builder value and serialises only what was set', () => {
    const req = new ImageGenerationRequest('dall-e-3', 'p')
      .with_n(1)
      .with_size(ImageSize.Portrait1024x1792)
      .with_quality(ImageQuality.Hd)
      .with_style(ImageStyle.Natural)
      .with_format(ImageFormat.B64Json)
      .with_negative_prompt('blurry')
      .with_seed(12345)
      .with_provider_options({ a: 1 })
      .with_provider_options({ b: 2 })
    expect(req.toJSON()).toStrictEqual({
      model: 'dall-e-3',
      prompt: 'p',
      n: 1,
      size: '1024x1792',
      quality: 'hd',
      style: 'natural',
      format: 'b64_json',
      negative_prompt: 'blurry',
      seed: 12345,
      provider_options: { a: 1, b: 2 },
    })
  })

  it('accepts any WxH size beyond the five named ones', () => {
    expect(new ImageGenerationRequest('m', 'p').with_size('1536x1024').size).toBe('1536x1024')
  })

  it.each([
    ['n 0', (r: ImageGenerationRequest) => r.with_n(0), 'n'],
    ['n 1.5', (r: ImageGenerationRequest) => r.with_n(1.5), 'n'],
    ['seed above uint32', (r: ImageGenerationRequest) => r.with_seed(MAX_SEED + 1), 'seed'],
    ['seed 1.2', (r: ImageGenerationRequest) => r.with_seed(1.2), 'seed'],
    ['size 0x10', (r: ImageGenerationRequest) => r.with_size('0x10'), 'size'],
    ['size 99999x10', (r: ImageGenerationRequest) => r.with_size('99999x10'), 'size'],
    ['quality ultra', (r: ImageGenerationRequest) => r.with_quality('ultra' as never), 'quality'],
    ['format png', (r: ImageGenerationRequest) => r.with_format('png' as never), 'format'],
  ])('rejects %s with InvalidRequestError naming the field', (_name, build, param) => {
    const base = new ImageGenerationRequest('m', 'p')
    expect(() => build(base)).toThrow(InvalidRequestError)
    try {
      build(base)
    } catch (error) {
      expect((error as InvalidRequestError).param).toBe(param)
    }
  })

  it('builds from the plain-object form and returns a request unchanged', () => {
    const req = ImageGenerationRequest.from({ model: 'dall-e-2', prompt: 'p', n: 3 })
    expect(req).toBeInstanceOf(ImageGenerationRequest)
    expect(req.n).toBe(3)
    expect(ImageGenerationRequest.from(req)).toBe(req)
  })

  it('takes a request from a second installed copy of llmkit through its plain form', () => {
    const foreign = { toJSON: () => ({ model: 'dall-e-2', prompt: 'p', seed: 4 }) }
    expect(ImageGenerationRequest.from(foreign as never).seed).toBe(4)
  })
})
