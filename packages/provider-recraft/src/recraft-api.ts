import { z } from 'zod'

/**
 * The 200 answer of `POST /images/generations`, kept minimal and lenient (`.nullish()`): entries
 * may also carry an `image_id`, the top level a credits figure, newer models a `revised_prompt`.
 * https://www.recraft.ai/docs/api-reference/usage
 */
export const recraftImagesResponseSchema = z.object({
  created: z.number().nullish(),
  data: z.array(
    z.object({
      url: z.string().nullish(),
      b64_json: z.string().nullish(),
      image_id: z.string().nullish(),
      revised_prompt: z.string().nullish(),
    }),
  ),
  credits: z.number().nullish(),
})
/** See {@link recraftImagesResponseSchema}. */
export type RecraftImagesResponse = z.infer<typeof recraftImagesResponseSchema>

/**
 * A JSON error body. Recraft documents no single envelope: seen are `{ code, message }`, an
 * `error` object or string, and FastAPI-style `detail`, so every field is optional.
 * https://www.recraft.ai/docs/api-reference/error-handling
 */
export const recraftErrorSchema = z.object({
  code: z.union([z.string(), z.number()]).nullish(),
  message: z.string().nullish(),
  param: z.string().nullish(),
  error: z
    .union([z.string(), z.object({ code: z.union([z.string(), z.number()]).nullish(), message: z.string().nullish(), param: z.string().nullish() })])
    .nullish(),
  detail: z.unknown().optional(),
})

const rgb = z.object({ rgb: z.tuple([z.number().int().min(0).max(255), z.number().int().min(0).max(255), z.number().int().min(0).max(255)]) })

/**
 * Recraft-only settings, given as `provider_options` and sent as extra body fields.
 * https://www.recraft.ai/docs/api-reference/usage ("Parameters", "Controls").
 */
export const recraftProviderOptionsSchema = z.object({
  /** Style family (`realistic_image`, `digital_illustration`, `vector_illustration`, `icon` on V2, `logo_raster` on V3, `any`) or a named style. V2/V3 only. */
  style: z.string().min(1).optional(),
  /** Substyle of the chosen style family, e.g. `hard_flash` for `realistic_image`. V2/V3 only; needs `style`. */
  substyle: z.string().min(1).optional(),
  /** Id (a UUID) of a custom style made with `POST /styles`; excludes `style`. V2/V3, and required by the V4 Styles models. */
  style_id: z.string().uuid('style_id must be a style UUID from POST /styles, e.g. 229b2a75-05e4-4580-85f9-b47ee521a00d').optional(),
  /** Generation controls; support varies by model. */
  controls: z
    .object({
      /** 0 static and clean to 5 dynamic and eccentric. */
      artistic_level: z.number().int().min(0).max(5).optional(),
      /** Preferred palette. */
      colors: z.array(rgb).optional(),
      /** Preferred background colour. */
      background_color: rgb.optional(),
      /** Do not embed text. */
      no_text: z.boolean().optional(),
    })
    .passthrough()
    .optional(),
  /** Text placed on the image, each with a four-point bounding box in 0-1 coordinates. recraftv3 only. */
  text_layout: z
    .array(z.object({ text: z.string(), bbox: z.array(z.tuple([z.number(), z.number()])).length(4) }))
    .optional(),
})
/** Recraft's provider options. See {@link recraftProviderOptionsSchema}. */
export type RecraftProviderOptions = z.input<typeof recraftProviderOptionsSchema>

/** The JSON body of `POST /images/generations` as llmkit sends it. */
export interface RecraftImagesRequest {
  model: string
  prompt: string
  n: number
  size?: string
  response_format: 'url' | 'b64_json'
  negative_prompt?: string
  style?: string
  substyle?: string
  style_id?: string
  controls?: Record<string, unknown>
  text_layout?: unknown[]
}
