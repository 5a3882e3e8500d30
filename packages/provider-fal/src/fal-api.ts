import { z } from 'zod'

/** `image_size` presets and their pixels (shared/providers/fal.md §3), used only for exact matches. */
export const FAL_IMAGE_SIZE_PRESETS = Object.freeze({
  '1024x1024': 'square_hd',
  '512x512': 'square',
  '768x1024': 'portrait_4_3',
  '576x1024': 'portrait_16_9',
  '1024x768': 'landscape_4_3',
  '1024x576': 'landscape_16_9',
} as const satisfies Record<string, string>)

/** An `image_size` preset name. */
export type FalImageSizePreset = (typeof FAL_IMAGE_SIZE_PRESETS)[keyof typeof FAL_IMAGE_SIZE_PRESETS]

/** The JSON input of `POST https://queue.fal.run/{model_id}` as llmkit sends it. */
export interface FalInput {
  prompt: string
  num_images: number
  image_size?: FalImageSizePreset | { width: number; height: number }
  negative_prompt?: string
  seed?: number
  sync_mode?: true
  [providerOption: string]: unknown
}

/**
 * A queue status (submit answer and `GET .../requests/{id}/status`), lenient so a new field or
 * a null never breaks parsing. https://docs.fal.ai/model-endpoints/queue
 */
export const falQueueStatusSchema = z.object({
  status: z.string(),
  request_id: z.string().nullish(),
  queue_position: z.number().nullish(),
  response_url: z.string().nullish(),
  status_url: z.string().nullish(),
  cancel_url: z.string().nullish(),
})
/** See {@link falQueueStatusSchema}. */
export type FalQueueStatus = z.infer<typeof falQueueStatusSchema>

/** The text-to-image output of FLUX and SD3 (shared/providers/fal.md §5). */
export const falImageOutputSchema = z.object({
  images: z.array(
    z.object({
      url: z.string(),
      width: z.number().nullish(),
      height: z.number().nullish(),
      content_type: z.string().nullish(),
    }),
  ),
  seed: z.number().nullish(),
  has_nsfw_concepts: z.array(z.boolean().nullish()).nullish(),
  prompt: z.string().nullish(),
})
/** See {@link falImageOutputSchema}. */
export type FalImageOutput = z.infer<typeof falImageOutputSchema>

/**
 * fal's error body: `detail` is a string or a list of validation errors (pydantic's shape);
 * infrastructure errors add `error_type`. https://docs.fal.ai/errors
 */
export const falErrorSchema = z.object({
  message: z.string().nullish(),
  detail: z
    .union([
      z.string(),
      z.array(
        z.object({
          loc: z.array(z.union([z.string(), z.number()])).nullish(),
          msg: z.string().nullish(),
          type: z.string().nullish(),
        }),
      ),
    ])
    .nullish(),
  error_type: z.string().nullish(),
})
