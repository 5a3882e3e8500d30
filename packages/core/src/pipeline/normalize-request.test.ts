import { describe, expect, it } from 'vitest'
import { InvalidRequestError, UnsupportedCapabilityError } from '../errors.js'
import { DEFAULT_MAX_PROMPT_LENGTH, type ModelCapabilities } from '../registry/capabilities.js'
import { ImageGenerationRequest } from '../request.js'
import { nearestAspectRatio, nearestListedSize, normalizeRequest } from './normalize-request.js'

const base: ModelCapabilities = {
  id: 'm',
  wireId: 'wire-m',
  mode: 'sync',
  maxImagesPerCall: 1,
  sizes: { kind: 'list', values: ['1024x1024', '1792x1024', '1024x1792'] },
  qualities: ['standard', 'hd'],
  styles: ['vivid'],
  negativePrompt: false,
  seed: null,
  formats: ['url', 'b64_json'],
  providerOptions: { user: 'string' },
}
const req = (init: Partial<Parameters<typeof ImageGenerationRequest.from>[0]> = {}) => ImageGenerationRequest.from({ model: 'm', prompt: 'p', ...init })

describe('normalizeRequest', () => {
  it('passes an exactly supported request through without warnings', () => {
    const { request, warnings } = normalizeRequest(req({ size: '1792x1024', quality: 'hd', style: 'vivid', n: 1, provider_options: { user: 'u' } }), 'm', base, 'warn')
    expect(warnings).toStrictEqual([])
    expect(request).toMatchObject({ wireModel: 'wire-m', size: { width: 1792, height: 1024 }, quality: 'hd', style: 'vivid', n: 1, format: 'url', providerOptions: { user: 'u' } })
  })

  it('maps a size to the nearest listed one by aspect, then area, and warns', () => {
    const { request, warnings } = normalizeRequest(req({ size: '512x512' }), 'm', base, 'warn')
    expect(request.size).toStrictEqual({ width: 1024, height: 1024 })
    expect(warnings).toStrictEqual([
      { type: 'mapped', setting: 'size', requested: '512x512', used: '1024x1024', message: 'm does not take size 512x512 (sizes: 1024x1024, 1792x1024, 1024x1792): used 1024x1024 instead of 512x512' },
    ])
  })

  it('maps 1792x1024 to 16:9 on an aspect-ratio model and warns', () => {
    const caps: ModelCapabilities = { ...base, sizes: { kind: 'aspect', values: ['1:1', '16:9', '9:16', '3:2'] } }
    const { request, warnings } = normalizeRequest(req({ size: '1792x1024' }), 'm', caps, 'warn')
    expect(request.aspectRatio).toBe('16:9')
    expect(request.size).toBeUndefined()
    expect(warnings[0]).toMatchObject({ type: 'mapped', setting: 'size', used: '16:9' })
  })

  it('does not warn when the aspect ratio is exact', () => {
    const caps: ModelCapabilities = { ...base, sizes: { kind: 'aspect', values: ['1:1', '16:9'] } }
    expect(normalizeRequest(req({ size: '1920x1080' }), 'm', caps, 'warn').warnings).toStrictEqual([])
  })

  it('snaps to a range grid and area cap', () => {
    const caps: ModelCapabilities = { ...base, sizes: { kind: 'range', minWidth: 256, maxWidth: 2048, minHeight: 256, maxHeight: 2048, step: 64, maxPixels: 1024 * 1024 } }
    expect(normalizeRequest(req({ size: '1000x1000' }), 'm', caps, 'warn').request.size).toStrictEqual({ width: 1024, height: 1024 })
    expect(normalizeRequest(req({ size: '2048x2048' }), 'm', caps, 'warn').request.size).toStrictEqual({ width: 1024, height: 1024 })
    expect(normalizeRequest(req({ size: '1024x512' }), 'm', caps, 'warn').warnings).toStrictEqual([])
  })

  it.each([
    [{ negative_prompt: 'blurry' }, 'negative_prompt'],
    [{ seed: 5 }, 'seed'],
    [{ quality: 'low' as const }, 'quality'],
    [{ style: 'natural' as const }, 'style'],
    [{ provider_options: { nope: 1 } }, 'provider_options.nope'],
  ])('drops %j with an unsupported warning, or throws under policy error', (init, setting) => {
    const { warnings } = normalizeRequest(req(init), 'm', base, 'warn')
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatchObject({ type: 'unsupported', setting })
    expect(() => normalizeRequest(req(init), 'm', base, 'error')).toThrow(UnsupportedCapabilityError)
  })

  it('maps qualities through the table and rejects seeds outside the model range under either policy', () => {
    const caps: ModelCapabilities = { ...base, qualities: ['low', 'high'], qualityMap: { hd: 'high' }, seed: { min: 0, max: 100 } }
    expect(normalizeRequest(req({ quality: 'hd' }), 'm', caps, 'warn').request.quality).toBe('high')
    expect(normalizeRequest(req({ seed: 100 }), 'm', caps, 'error').request.seed).toBe(100)
    expect(() => normalizeRequest(req({ seed: 101 }), 'm', caps, 'warn')).toThrow(InvalidRequestError)
  })

  it('asks the provider for a native format and leaves conversion to the core', () => {
    const b64Only: ModelCapabilities = { ...base, formats: ['b64_json'] }
    expect(normalizeRequest(req({ format: 'url' }), 'm', b64Only, 'warn').request.format).toBe('b64_json')
  })

  it('requires declared provider options and enforces the prompt length', () => {
    const caps: ModelCapabilities = { ...base, providerOptions: { referenceImages: 'array' }, requiredProviderOptions: ['referenceImages'], maxPromptLength: 5 }
    expect(() => normalizeRequest(req({ prompt: 'short' }), 'm', caps, 'warn')).toThrow(/needs provider option "referenceImages"/)
    expect(() => normalizeRequest(req({ prompt: 'too long', provider_options: { referenceImages: [] } }), 'm', caps, 'warn')).toThrow(/up to 5 characters/)
  })
})

describe('provider options from the table', () => {
  const typed: ModelCapabilities = { ...base, providerOptions: { user: 'string', steps: 'integer', cfg: 'number', safe: 'boolean', refs: 'array', controls: 'object', extra: 'json' } }

  it('passes options of the declared JSON type through', () => {
    const provider_options = { user: 'u', steps: 4, cfg: 2.5, safe: false, refs: [], controls: { a: 1 }, extra: null }
    expect(normalizeRequest(req({ provider_options }), 'm', typed, 'error').request.providerOptions).toStrictEqual(provider_options)
  })

  it.each([
    ['user', 5, 'a string'],
    ['steps', 2.5, 'a whole number'],
    ['cfg', '2', 'a number'],
    ['safe', 1, 'true or false'],
    ['refs', {}, 'an array'],
    ['controls', null, 'an object'],
  ])('rejects %s = %j under either policy, naming provider_options.%s', (name, value, expected) => {
    for (const policy of ['warn', 'error'] as const) {
      expect(() => normalizeRequest(req({ provider_options: { [name]: value } }), 'm', typed, policy)).toThrow(
        expect.objectContaining({ name: 'InvalidRequestError', param: `provider_options.${name}`, message: expect.stringContaining(`must be ${expected}`) }),
      )
    }
  })

  it('treats names of Object.prototype members as unknown options, never as declared', () => {
    const { request, warnings } = normalizeRequest(req({ provider_options: { constructor: 1, toString: 'x', hasOwnProperty: true } }), 'm', typed, 'warn')
    expect(request.providerOptions).toStrictEqual({})
    expect(warnings.map((w) => w.setting)).toStrictEqual(['provider_options.constructor', 'provider_options.toString', 'provider_options.hasOwnProperty'])
  })

  it('applies the prompt limit to the negative prompt, and a default limit to rows without one', () => {
    const caps: ModelCapabilities = { ...base, negativePrompt: true, maxPromptLength: 5 }
    expect(() => normalizeRequest(req({ prompt: 'p', negative_prompt: 'blurry' }), 'm', caps, 'warn')).toThrow(
      expect.objectContaining({ name: 'InvalidRequestError', param: 'negative_prompt', message: expect.stringContaining('up to 5 characters') }),
    )
    expect(() => normalizeRequest(req({ prompt: 'x'.repeat(DEFAULT_MAX_PROMPT_LENGTH + 1) }), 'm', base, 'warn')).toThrow(/up to 32000 characters/)
  })
})

describe('size helpers', () => {
  it('treats 2:1 and 1:2 as equally far from 1:1 (log ratio)', () => {
    expect(nearestAspectRatio(['1:1', '2:1'], { width: 1400, height: 1000 })).toBe('1:1')
    expect(nearestAspectRatio(['1:1', '16:9', '21:9'], { width: 2000, height: 1000 })).toBe('16:9')
    expect(nearestListedSize(['256x256', '1024x1024'], { width: 300, height: 300 })).toBe('256x256')
  })
})
