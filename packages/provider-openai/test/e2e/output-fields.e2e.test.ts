import { ImageBackground, ImageGenerationRequest, LLMKitClient, OutputFormat, UnsupportedCapabilityError } from '@llmkit/core'
import { describe, expect, it } from 'vitest'

const sizeOfPng = (bytes: Buffer) => ({ width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) })

describe('first-class aspect_ratio, output_format and background against the emulated OpenAI API', () => {
  const client = LLMKitClient.fromEnv()

  it('generates a 16:9 transparent PNG with gpt-image-2 (the emulator accepts the wire fields)', async () => {
    const request = new ImageGenerationRequest('gpt-image-2', 'A red fox').with_aspect_ratio('16:9').with_output_format(OutputFormat.Png).with_background(ImageBackground.Transparent)
    const response = await client.generateImage(request)
    expect(sizeOfPng(await response.first()!.bytes())).toStrictEqual({ width: 1280, height: 720 })
    expect(response.first()?.mimeType).toBe('image/png')
    expect(response.warnings).toStrictEqual([])
  })

  it('gives dall-e-3 its nearest size for 16:9 and warns that it has no background setting', async () => {
    const response = await client.generateImage({ model: 'dall-e-3', prompt: 'A red fox', aspect_ratio: '16:9', background: 'opaque', format: 'b64_json' })
    expect(sizeOfPng(await response.first()!.bytes())).toStrictEqual({ width: 1792, height: 1024 })
    expect(response.warnings?.map((w) => `${w.type}:${w.setting}`)).toStrictEqual(['mapped:aspect_ratio', 'unsupported:background'])
  })

  it("fails before the network under unsupported: 'error'", async () => {
    const strict = LLMKitClient.fromEnv({ unsupported: 'error' })
    await expect(strict.generateImage({ model: 'dall-e-3', prompt: 'A red fox', output_format: 'webp' })).rejects.toBeInstanceOf(UnsupportedCapabilityError)
  })
})

describe('the emulated OpenAI API checks the GPT image output fields as the API does', () => {
  const post = (body: Record<string, unknown>) =>
    fetch(`${process.env['OPENAI_BASE_URL']}/images/generations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${process.env['OPENAI_API_KEY']}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-image-1', prompt: 'A red fox', ...body }),
    })

  it.each([
    [{ output_format: 'gif' }, 'output_format'],
    [{ output_format: 'jpeg', output_compression: 101 }, 'output_compression'],
    [{ output_compression: 50 }, 'output_compression'],
    [{ background: 'white' }, 'background'],
    [{ output_format: 'jpeg', background: 'transparent' }, 'background'],
  ])('answers 400 naming the field for %j', async (body, param) => {
    const res = await post(body)
    expect(res.status).toBe(400)
    expect(((await res.json()) as { error: { param: string } }).error.param).toBe(param)
  })

  it('accepts webp with compression and a transparent background', async () => {
    const res = await post({ output_format: 'webp', output_compression: 80, background: 'transparent' })
    expect(res.status).toBe(200)
  })
})
