import { z } from 'zod'

/**
 * `ImagesResponse`, kept minimal and lenient (`.nullish()`) so a new field or a null never
 * breaks parsing. https://github.com/openai/openai-openapi (`ImagesResponse`, `Image`).
 */
export const openaiImagesResponseSchema = z.object({
  created: z.number().nullish(),
  data: z.array(
    z.object({
      url: z.string().nullish(),
      b64_json: z.string().nullish(),
      revised_prompt: z.string().nullish(),
    }),
  ),
  output_format: z.enum(['png', 'jpeg', 'webp']).nullish(),
  usage: z
    .object({
      total_tokens: z.number().nullish(),
      input_tokens: z.number().nullish(),
      output_tokens: z.number().nullish(),
    })
    .passthrough()
    .nullish(),
})
/** See {@link openaiImagesResponseSchema}. */
export type OpenAIImagesResponse = z.infer<typeof openaiImagesResponseSchema>

/**
 * `ErrorResponse`. `message` and `code` can be null (observed on `image_generation_user_error`),
 * so every field is nullish.
 */
export const openaiErrorSchema = z.object({
  error: z.object({
    message: z.string().nullish(),
    type: z.string().nullish(),
    param: z.string().nullish(),
    code: z.string().nullish(),
  }),
})

/** The JSON body of `POST /images/generations` as llmkit sends it. */
export interface OpenAIImagesRequest {
  model: string
  prompt: string
  n: number
  size?: string
  quality?: string
  style?: string
  response_format?: 'url' | 'b64_json'
  [extra: string]: unknown
}
