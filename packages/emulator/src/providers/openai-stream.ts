import { delay } from '../http-util.js'
import { renderPng } from '../png.js'
import type { EmulatorContext, EmulatorReply } from '../types.js'

/** A prompt containing this has its event stream cut after the first preview (the connection drops), for end-to-end tests. */
export const OPENAI_STREAM_CUT_TRIGGER = 'emulator:stream-cut'

/** What {@link imageStreamReply} needs from the checked request. */
export interface ImageStreamInit {
  /** Wire model id. */
  readonly model: string
  /** The prompt (images are rendered from it, as in the JSON answer). */
  readonly prompt: string
  /** Images asked for. */
  readonly n: number
  /** Previews asked for per image (`partial_images`, 0-3). */
  readonly partialImages: number
  /** Pixel size of the images. */
  readonly width: number
  readonly height: number
  /** The answer's `background`, `quality` and `output_format` fields. */
  readonly background: string
  readonly quality: string
  /** Headers of the answer (request id, rate limits). */
  readonly headers: Record<string, string>
}

/**
 * The `stream: true` answer of `POST /v1/images/generations`: server-sent events as OpenAI sends
 * them (openai-openapi `ImageGenStreamEvent`; openai-node `ImageGenPartialImageEvent` and
 * `ImageGenCompletedEvent`), the `event:` name equal to `data.type`. For each image,
 * `partialImages` `image_generation.partial_image` events (`partial_image_index` 0, 1, ...) and then
 * its `image_generation.completed` event with the usage. The render time (`latencyMs`, which the
 * JSON answer waits in one go) is spread evenly: a preview at each step, the final image at the
 * end, so a client sees its first preview well before the image, as it does with the real service.
 */
export function imageStreamReply(init: ImageStreamInit, ctx: EmulatorContext): EmulatorReply {
  // The whole stream takes `latencyMs`, as the JSON answer does.
  const step = ctx.latencyMs / (init.n * (init.partialImages + 1))
  const common = (now: number) => ({
    created_at: Math.floor(now / 1000),
    size: `${init.width}x${init.height}`,
    quality: init.quality,
    background: init.background,
    output_format: 'png',
  })
  return {
    status: 200,
    headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', ...init.headers },
    stream: async (write, closed) => {
      const send = (data: Record<string, unknown>) => write(`event: ${String(data['type'])}\ndata: ${JSON.stringify(data)}\n\n`)
      for (let image = 0; image < init.n; image++) {
        const key = ctx.imageKey(`${init.model}|${init.prompt}|${image}`)
        for (let index = 0; index < init.partialImages; index++) {
          await delay(step)
          if (closed.aborted) return
          // A preview is a picture of its own (a different key), the size of the final image.
          const preview = renderPng(init.width, init.height, `${key}|partial|${index}`)
          send({ type: 'image_generation.partial_image', b64_json: preview.toString('base64'), partial_image_index: index, ...common(Date.now()) })
          if (init.prompt.includes(OPENAI_STREAM_CUT_TRIGGER)) {
            // Let the preview leave before the connection drops.
            await delay(10)
            throw new Error('stream cut (emulator trigger)')
          }
        }
        await delay(step)
        if (closed.aborted) return
        const png = renderPng(init.width, init.height, key)
        send({
          type: 'image_generation.completed',
          b64_json: png.toString('base64'),
          ...common(Date.now()),
          usage: { total_tokens: 50 + 1056, input_tokens: 50, output_tokens: 1056, input_tokens_details: { text_tokens: 50, image_tokens: 0 } },
        })
      }
    },
  }
}
