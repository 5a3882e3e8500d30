import { derivedInputs, inputDigest, pngSize } from '@llmkit/emulator'
import { ImageGenerationRequest, InvalidRequestError, LLMKitClient } from '@llmkit/core'
import { describe, expect, it } from 'vitest'
import { png } from '../../../core/src/inputs/__fixtures__/images.js'
import { runway } from '../../src/index.js'

/**
 * Issue 13: Runway reference images are first-class inputs. `with_image()` images reach the
 * emulated API as `referenceImages` (tagged from `reference_tags`), and the emulator answers with
 * a picture derived from them, whose text chunk lists their SHA-256: the test sees them arrive.
 */

/** The environment already points at the emulator; 20 ms polls keep the suite fast. */
const client = () => new LLMKitClient({ providers: [runway({ pollIntervalMs: 20 })], unsupported: 'error' })

describe('Runway reference images through the emulator', () => {
  it('gen4_image: two with_image() references with their tags arrive, and the image answered is derived from both', async () => {
    const cat = png(16, 16)
    const dog = png(12, 8, { fill: 200 })
    const request = new ImageGenerationRequest('gen4_image', '@cat chasing @dog').with_image(cat).with_image(dog).with_size('1280x720').with_format('b64_json').with_provider_options({ reference_tags: ['cat', 'dog'] })
    const response = await client().generateImage(request)
    expect(response.warnings).toStrictEqual([])
    const bytes = Buffer.from(response.first()!.b64_json!, 'base64')
    expect(derivedInputs(bytes)).toStrictEqual([inputDigest(cat), inputDigest(dog)])
    expect(pngSize(bytes)).toStrictEqual({ width: 1280, height: 720 })
  })

  it('gen4_image_turbo runs from one with_image() reference (it cannot run from text alone)', async () => {
    const ref = png(10, 10)
    const response = await client().generateImage({ model: 'gen4_image_turbo', prompt: 'a cat on a beach', size: '720x720', images: [ref], format: 'b64_json' })
    expect(derivedInputs(Buffer.from(response.first()!.b64_json!, 'base64'))).toStrictEqual([inputDigest(ref)])
  })

  it('muse_image takes untagged references; a tag for it is refused before any call', async () => {
    const ref = png(8, 8)
    const response = await client().generateImage({ model: 'muse_image', prompt: 'combine them', size: '1600x1600', images: [ref, ref], format: 'b64_json' })
    expect(derivedInputs(Buffer.from(response.first()!.b64_json!, 'base64'))).toStrictEqual([inputDigest(ref), inputDigest(ref)])
    // reference_tags is declared only on models whose references take a tag.
    await expect(client().generateImage({ model: 'muse_image', prompt: 'p', images: [ref], provider_options: { reference_tags: ['cat'] } })).rejects.toMatchObject({
      name: 'UnsupportedCapabilityError',
      param: 'provider_options.reference_tags',
    })
  })

  it('refuses more references than the model takes before any call (gen4_image: 3)', async () => {
    const ref = png(8, 8)
    await expect(client().generateImage({ model: 'gen4_image', prompt: 'p', images: [ref, ref, ref, ref] })).rejects.toMatchObject({ name: 'InvalidRequestError' })
  })

  it('the emulated API refuses a reference that is not an image, as Runway does (400 naming the reference), through the raw provider option', async () => {
    const error = await client()
      .generateImage({ model: 'gen4_image', prompt: 'p', provider_options: { referenceImages: [{ uri: 'data:image/png;base64,AAAA' }] } })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidRequestError)
    expect((error as Error).message).toContain('referenceImages.0.uri: Invalid asset')
  })
})
