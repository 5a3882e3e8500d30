import { describe, expect, it } from 'vitest'
import { InvalidRequestError } from './errors.js'
import { ImageGenerationRequest, MAX_INPUT_IMAGES } from './request.js'
import { png } from './inputs/__fixtures__/images.js'

describe('image fields of a request', () => {
  const bytes = png(8, 8)

  it('builds with with_image (repeatable, in order), with_mask, with_strength and with_operation', () => {
    const req = new ImageGenerationRequest('gpt-image-1', 'add a hat').with_image(bytes).with_image('https://cdn.example.com/b.png').with_mask(bytes).with_strength(0.3).with_operation('edit')
    expect(req.images).toHaveLength(2)
    expect(req.images?.[1]).toBe('https://cdn.example.com/b.png')
    expect(req.strength).toBe(0.3)
    expect(req.operation).toBe('edit')
    expect(Object.isFrozen(req.images)).toBe(true)
  })

  it('takes the plain-object form and writes bytes back as data: URLs in toJSON', () => {
    const req = ImageGenerationRequest.from({ model: 'sd3.5-large', prompt: 'oil painting', images: [bytes], strength: 0.6, operation: 'image-to-image' })
    const json = req.toJSON()
    expect(json.images).toEqual([`data:image/png;base64,${Buffer.from(bytes).toString('base64')}`])
    expect(json).toMatchObject({ strength: 0.6, operation: 'image-to-image' })
    expect(ImageGenerationRequest.from(JSON.parse(JSON.stringify(json)) as typeof json).toJSON()).toEqual(json)
  })

  it('builds a variation without a prompt; any other request still needs one', () => {
    const v = ImageGenerationRequest.variation('dall-e-2', bytes).with_n(2)
    expect(v).toMatchObject({ prompt: '', operation: 'variation', n: 2 })
    expect(v.images).toHaveLength(1)
    expect(ImageGenerationRequest.from({ model: 'dall-e-2', operation: 'variation', images: [bytes] } as never).prompt).toBe('')
    expect(() => ImageGenerationRequest.from({ model: 'dall-e-2', images: [bytes] } as never)).toThrow(/prompt/)
  })

  it('refuses bad values with typed errors naming the field', () => {
    const req = new ImageGenerationRequest('m', 'p')
    expect(() => req.with_strength(1.5)).toThrow(/strength must be 0 to 1/)
    expect(() => req.with_operation('recolor' as never)).toThrow(/operation must be one of edit, inpaint/)
    expect(() => req.with_image('C:/cat.png')).toThrow(InvalidRequestError)
    let full = req
    for (let i = 0; i < MAX_INPUT_IMAGES; i++) full = full.with_image(bytes)
    expect(() => full.with_image(bytes)).toThrow(/at most 16 images/)
    expect(() => ImageGenerationRequest.from({ model: 'm', prompt: 'p', images: ['nope'] })).toThrow(/images\.0/)
  })
})
