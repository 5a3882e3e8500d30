import { stability } from '@llmkit/provider-stability'
import { ImageGenerationRequest, LLMKitClient, OutputFormat } from '@llmkit/core'
import { describe, expect, it } from 'vitest'

/** Width / height of a PNG, read from its IHDR chunk. */
function pngRatio(bytes: Buffer): number {
  return bytes.readUInt32BE(16) / bytes.readUInt32BE(20)
}

describe('first-class aspect_ratio and output_format against the emulated Stability API', () => {
  const client = new LLMKitClient({ providers: [stability()] })

  it('generates a 21:9 SD 3.5 image with output_format png, which the emulator validates', async () => {
    const request = new ImageGenerationRequest('stability-ai/sd3.5-large', 'A lighthouse at dusk').with_aspect_ratio('21:9').with_output_format(OutputFormat.Png)
    const response = await client.generateImage(request)
    // The service picks the pixels for a ratio (1536x640 for 21:9), so the ratio is near, not exact.
    expect(Math.abs(pngRatio(await response.first()!.bytes()) - 21 / 9)).toBeLessThan(0.1)
    expect(response.first()?.mimeType).toBe('image/png')
    expect(response.warnings).toStrictEqual([])
  })

  it('maps 4:3 to the nearest listed ratio 5:4 on core, with a warning', async () => {
    const response = await client.generateImage({ model: 'stability-ai/stable-image-core', prompt: 'A lighthouse at dusk', aspect_ratio: '4:3' })
    expect(Math.abs(pngRatio(await response.first()!.bytes()) - 5 / 4)).toBeLessThan(0.1)
    expect(response.warnings).toMatchObject([{ type: 'mapped', setting: 'aspect_ratio', requested: '4:3', used: '5:4' }])
  })
})
