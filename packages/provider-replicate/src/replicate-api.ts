import { z } from 'zod'

/**
 * A prediction, kept minimal and lenient (`.nullish()`, passthrough) so new fields never break
 * parsing. https://replicate.com/docs/topics/predictions/lifecycle (replicate.md §4).
 * `output` is one URL or a list of URLs for image models; anything else is rejected later.
 */
export const replicatePredictionSchema = z.object({
  id: z.string(),
  model: z.string().nullish(),
  version: z.string().nullish(),
  status: z.enum(['starting', 'processing', 'succeeded', 'failed', 'canceled', 'aborted']),
  output: z.unknown().nullish(),
  error: z.unknown().nullish(),
  logs: z.string().nullish(),
  data_removed: z.boolean().nullish(),
  created_at: z.string().nullish(),
  completed_at: z.string().nullish(),
  metrics: z.object({ predict_time: z.number().nullish(), total_time: z.number().nullish() }).passthrough().nullish(),
  urls: z.object({ get: z.string().nullish(), cancel: z.string().nullish() }).passthrough().nullish(),
})
/** See {@link replicatePredictionSchema}. */
export type ReplicatePrediction = z.infer<typeof replicatePredictionSchema>

/**
 * RFC 7807 problem details (`application/problem+json`): `detail` first, then `title`
 * (replicate-python `exceptions.py`). 422s add `invalid_fields`. Older answers use `error`.
 */
export const replicateProblemSchema = z.object({
  type: z.string().nullish(),
  title: z.string().nullish(),
  status: z.number().nullish(),
  detail: z.string().nullish(),
  error: z.string().nullish(),
  invalid_fields: z.array(z.object({ type: z.string().nullish(), field: z.string().nullish(), description: z.string().nullish() }).passthrough()).nullish(),
})

/** Inputs llmkit sets itself; provider options add model-specific keys. */
export interface ReplicateInput {
  prompt: string
  num_outputs?: number
  aspect_ratio?: string
  width?: number
  height?: number
  size?: string
  negative_prompt?: string
  seed?: number
  output_format?: string
  [extra: string]: unknown
}

/** Body of `POST /models/{owner}/{name}/predictions` (no `version`) or `POST /predictions`. */
export interface ReplicateCreateRequest {
  /** 64-hex version id, only on `POST /predictions`. */
  version?: string
  input: ReplicateInput
}
