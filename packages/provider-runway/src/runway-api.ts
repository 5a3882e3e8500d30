import { z } from 'zod'

/** The API version every request must name (`X-Runway-Version`); the API answers 400 without it. */
export const RUNWAY_API_VERSION = '2024-11-06'

/** `POST /v1/text_to_image` answers with the task id only, no status. */
export const runwaySubmitResponseSchema = z.object({ id: z.string().min(1) })

/**
 * The task object of `GET /v1/tasks/{id}` (runwayml/sdk-node `src/resources/tasks.ts`). Lenient:
 * `status` stays a string so a new state never breaks parsing, and every other field is nullish.
 */
export const runwayTaskSchema = z.object({
  id: z.string(),
  status: z.string(),
  createdAt: z.string().nullish(),
  /** RUNNING only; a fraction 0-1. */
  progress: z.number().nullish(),
  /** SUCCEEDED only: one HTTPS URL per image, expiring within 24-48 h. */
  output: z.array(z.string()).nullish(),
  /** FAILED only: human-readable reason. */
  failure: z.string().nullish(),
  /** FAILED only: machine-readable code such as `SAFETY.INPUT.TEXT`. */
  failureCode: z.string().nullish(),
})
/** See `runwayTaskSchema`. */
export type RunwayTask = z.infer<typeof runwayTaskSchema>

/** Error bodies are `{ "error": "<message naming the field>" }` (docs.dev.runwayml.com/api-details/errors). */
export const runwayErrorSchema = z.object({ error: z.string().nullish() })

/**
 * The `tag` rule of every `ReferenceImage` type in @runwayml/sdk 4.20.1
 * (`resources/text-to-image.d.ts`): "Must be 3-16 characters, start with a letter, and use only
 * letters, digits, and underscores (no hyphens or other punctuation)."
 */
export const RUNWAY_REFERENCE_TAG = /^[A-Za-z][A-Za-z0-9_]{2,15}$/

/**
 * `provider_options.referenceImages`: `uri` is an HTTPS URL on a domain name or a data URI with
 * its mime type; `tag` can be cited in the prompt as `@tag` (SDK rule above); `subject` is checked
 * per model by the provider (`RUNWAY_REFERENCE_RULES`).
 */
export const runwayReferenceImagesSchema = z
  .array(
    z
      .object({
        uri: z.string().min(1),
        tag: z
          .string()
          .regex(RUNWAY_REFERENCE_TAG, 'tag must be 3-16 characters, start with a letter, and use only letters, digits and underscores')
          .optional(),
        subject: z.enum(['human', 'object']).optional(),
      })
      .strict(),
  )
  .min(1)

/** One reference image as sent on the wire. */
export type RunwayReferenceImage = z.infer<typeof runwayReferenceImagesSchema>[number]

/** The JSON body of `POST /v1/text_to_image` as llmkit sends it. */
export interface RunwayTextToImageRequest {
  model: string
  promptText: string
  /** `"W:H"`: an exact output pixel size from the model's list, or `auto` (gpt_image_2). */
  ratio: string
  seed?: number
  outputCount?: number
  quality?: string
  referenceImages?: RunwayReferenceImage[]
  [extra: string]: unknown
}
