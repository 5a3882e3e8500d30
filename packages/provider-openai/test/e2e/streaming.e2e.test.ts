import { AbortError, LLMKitClient, NetworkError, type ProgressEvent } from '@llmkit/core'
import { OPENAI_TRIGGERS, type RunningEmulator, startEmulator } from '@llmkit/emulator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openai } from '../../src/index.js'
import { failure } from '../../../../test/failure.js'

const PNG_SIGNATURE = '89504e470d0a1a0a'
const sizeOfPng = (bytes: Buffer) => ({ width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) })

describe('GPT image streaming against the emulated OpenAI API', () => {
  it('delivers the partial images through onProgress before the final image, which arrives as without streaming', async () => {
    const client = LLMKitClient.fromEnv()
    let settled = false
    const previews: (ProgressEvent & { settledBefore: boolean })[] = []
    const call = client.generateImage(
      { model: 'gpt-image-1', prompt: 'A lighthouse at dusk, streamed', size: '1024x1024', format: 'b64_json', provider_options: { partial_images: 2 } },
      { onProgress: (event) => event.type === 'partial_image' && previews.push({ ...event, settledBefore: settled }) },
    )
    const response = await call.finally(() => (settled = true))

    expect(previews.length).toBeGreaterThanOrEqual(1)
    expect(previews.map((e) => [e.index, e.partialImageIndex, e.settledBefore])).toStrictEqual([
      [0, 0, false],
      [0, 1, false],
    ])
    const final = await response.first()!.bytes()
    for (const preview of previews) {
      const bytes = Buffer.from(preview.image!.b64, 'base64')
      expect(bytes.subarray(0, 8).toString('hex')).toBe(PNG_SIGNATURE)
      expect(preview.image!.mimeType).toBe('image/png')
      expect(sizeOfPng(bytes)).toStrictEqual({ width: 1024, height: 1024 })
      expect(bytes.equals(final)).toBe(false)
    }
    expect(sizeOfPng(final)).toStrictEqual({ width: 1024, height: 1024 })
    expect(response.first()?.mimeType).toBe('image/png')
    // The usage of the completed event, priced like a JSON answer's.
    expect(response.usage).toMatchObject({ inputTokens: 50, outputTokens: 1056, totalTokens: 1106 })
    expect(response.requestIds[0]).toMatch(/^req_/)
    expect(response.warnings).toStrictEqual([])
  })

  it('a stream cut after the first preview is a NetworkError marked mayHaveBeenCharged', async () => {
    const client = LLMKitClient.fromEnv({ retry: false })
    const events: ProgressEvent[] = []
    const error = await failure(
      client.generateImage({ model: 'gpt-image-1', prompt: `A cut stream ${OPENAI_TRIGGERS.streamCut}`, format: 'b64_json', provider_options: { partial_images: 2 } }, { onProgress: (event) => events.push(event) }),
    )
    expect(error).toBeInstanceOf(NetworkError)
    expect(error.mayHaveBeenCharged).toBe(true)
    expect(events.map((e) => [e.type, e.partialImageIndex])).toStrictEqual([['partial_image', 0]])
  })
})

describe('abort in the middle of a stream that takes its time', () => {
  let emulator: RunningEmulator
  beforeAll(async () => {
    // Its own emulator: the previews are spread over 900 ms, so the abort lands mid-stream.
    emulator = await startEmulator({ latencyMs: 900 })
  })
  afterAll(() => emulator.close())

  it('an abort after the first preview ends the call with an AbortError marked mayHaveBeenCharged, no final image', async () => {
    const client = new LLMKitClient({ providers: [openai()], env: emulator.env })
    const controller = new AbortController()
    const events: ProgressEvent[] = []
    const error = await failure(
      client.generateImage(
        { model: 'gpt-image-1', prompt: 'An aborted lighthouse', format: 'b64_json', provider_options: { partial_images: 2 } },
        {
          signal: controller.signal,
          onProgress: (event) => {
            events.push(event)
            controller.abort()
          },
        },
      ),
    )
    expect(error).toBeInstanceOf(AbortError)
    expect(error.mayHaveBeenCharged).toBe(true)
    // One preview, then nothing: the call ended at the abort, not after the rest of the stream.
    expect(events.map((e) => e.type)).toStrictEqual(['partial_image'])
    expect(emulator.requests.get('POST /openai/v1/images/generations')).toBe(1)
  })
})

describe('the emulated streaming wire format (openai-openapi ImageGenStreamEvent)', () => {
  const post = (body: Record<string, unknown>) =>
    fetch(`${process.env['OPENAI_BASE_URL']}/images/generations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${process.env['OPENAI_API_KEY']}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-image-1', prompt: 'A red fox', ...body }),
    })

  it('answers stream: true with server-sent events named by their type: previews, then the completed image with usage', async () => {
    const res = await post({ stream: true, partial_images: 1, size: '1024x1024' })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/)
    const events = (await res.text())
      .split('\n\n')
      .filter((block) => block !== '')
      .map((block) => {
        const [eventLine, dataLine] = block.split('\n')
        return { event: eventLine!.replace(/^event: /, ''), data: JSON.parse(dataLine!.replace(/^data: /, '')) as Record<string, unknown> }
      })
    expect(events.map((e) => e.event)).toStrictEqual(['image_generation.partial_image', 'image_generation.completed'])
    for (const { event, data } of events) {
      expect(data['type']).toBe(event)
      expect(data).toMatchObject({ size: '1024x1024', quality: 'medium', background: 'opaque', output_format: 'png' })
      expect(typeof data['b64_json']).toBe('string')
      expect(typeof data['created_at']).toBe('number')
    }
    expect(events[0]!.data['partial_image_index']).toBe(0)
    expect(Object.keys(events[1]!.data['usage'] as object).sort()).toStrictEqual(['input_tokens', 'input_tokens_details', 'output_tokens', 'total_tokens'])
  })

  it('refuses partial_images outside 0-3 as the API does', async () => {
    const res = await post({ stream: true, partial_images: 4 })
    expect(res.status).toBe(400)
    expect(((await res.json()) as { error: { param: string } }).error.param).toBe('partial_images')
  })
})
