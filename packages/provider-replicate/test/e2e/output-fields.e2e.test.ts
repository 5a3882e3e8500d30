import { ImageGenerationRequest, LLMKitClient, OutputFormat } from '@llmkit/core'
import { describe, expect, it } from 'vitest'
import { replicate } from '../../src/index.js'

describe('first-class aspect_ratio, output_format and output_compression against the emulated Replicate API', () => {
  const client = new LLMKitClient({ providers: [replicate()] })

  it('runs flux-schnell with 16:9, jpeg (sent as jpg, the only spelling the model takes) and a compression', async () => {
    const request = new ImageGenerationRequest('black-forest-labs/flux-schnell', 'A red fox').with_aspect_ratio('16:9').with_output_format(OutputFormat.Jpeg).with_output_compression(70)
    const response = await client.generateImage(request)
    expect(response.count).toBe(1)
    // The emulator renders PNG only (its output URL ends .png), so the output format check names
    // the mismatch without downloading; against Replicate the URL ends .jpg and there is no warning.
    expect(response.warnings).toMatchObject([{ type: 'other', setting: 'output_format', requested: 'jpeg', used: 'image/png' }])
    const png = Buffer.from(await response.first()!.bytes())
    // The emulator draws about a megapixel at the ratio it was sent.
    expect(Math.abs(png.readUInt32BE(16) / png.readUInt32BE(20) - 16 / 9)).toBeLessThan(0.05)
  })
})
