import { z } from 'zod'

/**
 * v1 `POST /v1/generation/{engine_id}/text-to-image` answer with `Accept: application/json`:
 * one artifact per sample. Lenient (`.nullish()`) so a new field or a null never breaks parsing.
 * https://github.com/Stability-AI/rest-api-support (`generated/spec/merged.json`, `ImageRes`).
 */
export const stabilityV1ResponseSchema = z.object({
  artifacts: z.array(
    z.object({
      base64: z.string().nullish(),
      seed: z.number().nullish(),
      finishReason: z.string().nullish(),
    }),
  ),
})
/** See {@link stabilityV1ResponseSchema}. */
export type StabilityV1Response = z.infer<typeof stabilityV1ResponseSchema>

/**
 * v2beta Stable Image answer with `Accept: application/json`: `{ image, finish_reason, seed }`.
 * https://platform.stability.ai/docs/api-reference (Stable Image, Generate).
 */
export const stabilityImageResponseSchema = z.object({
  image: z.string(),
  finish_reason: z.string().nullish(),
  seed: z.number().nullish(),
})
/** See {@link stabilityImageResponseSchema}. */
export type StabilityImageResponse = z.infer<typeof stabilityImageResponseSchema>

/**
 * Both error envelopes: v2beta `{ id, name, errors: string[] }` and v1 `{ id, name, message }`.
 * Every field is optional so a gateway's plain JSON error still parses.
 */
export const stabilityErrorSchema = z.object({
  id: z.string().nullish(),
  name: z.string().nullish(),
  errors: z.array(z.string()).nullish(),
  message: z.string().nullish(),
})

/** One entry of v1 `text_prompts`; a negative weight makes it a negative prompt. */
export interface StabilityTextPrompt {
  text: string
  weight: number
}

/** The JSON body of v1 text-to-image as llmkit sends it. */
export interface StabilityV1Request {
  text_prompts: StabilityTextPrompt[]
  width: number
  height: number
  samples: number
  seed?: number
  [option: string]: unknown
}

/** `finish_reason` / `finishReason` of a generation whose output tripped the NSFW classifier (the image is blurred). */
export const CONTENT_FILTERED = 'CONTENT_FILTERED'
