import type { ImageGenerationRequestInit } from '@llmkit/core'
import { z } from 'zod'
import { gatewayError, type MappedError } from './errors.js'

/** What the client asked to receive: OpenAI's `response_format`. */
export type ResponseFormat = 'url' | 'b64_json'

/**
 * zod schema of the body of `POST /v1/images/generations`: OpenAI's fields plus llmkit's
 * (`seed`, `negative_prompt`, `aspect_ratio`, `provider_options`), which OpenAI's shape has no
 * field for. Values are checked by llmkit against the model's capability row; this schema only
 * checks shapes. Unknown fields are refused (OpenAI does the same), never dropped.
 */
export const generationBodySchema = z.strictObject({
  /** Model id, alias or `provider:model` (`fal-ai/flux/schnell`, `dall-e-3`, `openai:gpt-image-1`). */
  model: z.string({ error: 'model is required: a model id such as "dall-e-3" or "fal-ai/flux/schnell" (see GET /v1/models)' }).min(1),
  prompt: z.string({ error: 'prompt is required' }),
  n: z.number().int().optional(),
  size: z.string().optional(),
  quality: z.string().optional(),
  style: z.string().optional(),
  response_format: z.enum(['url', 'b64_json'], { error: "response_format must be 'url' or 'b64_json'" }).optional(),
  /** OpenAI's end-user id; accepted and not forwarded. */
  user: z.string().max(256).optional(),
  background: z.string().optional(),
  output_format: z.string().optional(),
  output_compression: z.number().optional(),
  /** Streaming is not offered; `false` is accepted. */
  stream: z.literal(false, { error: 'stream is not supported by this gateway; omit it' }).optional(),
  seed: z.number().int().optional(),
  negative_prompt: z.string().optional(),
  aspect_ratio: z.string().optional(),
  provider_options: z.record(z.string(), z.unknown()).optional(),
})

/** The body of `POST /v1/images/generations` (see {@link generationBodySchema}). */
export type GenerationBody = z.output<typeof generationBodySchema>

/** Limits the gateway applies before llmkit sees a request. */
export interface RequestLimits {
  /** Longest prompt in characters. */
  promptChars: number
  /** Most images per request. */
  maxImages: number
}

/** OpenAI answers gpt-image models in base64 only; other models default to URLs. */
export function defaultResponseFormat(model: string): ResponseFormat {
  return /(^|:)gpt-image/.test(model) ? 'b64_json' : 'url'
}

/** The zod issue of a body as OpenAI's 400. */
function invalid(issues: readonly z.core.$ZodIssue[]): MappedError {
  const issue = issues[0]
  const param = issue === undefined || issue.path.length === 0 ? null : String(issue.path[0])
  if (issue?.code === 'unrecognized_keys') {
    return gatewayError(400, `Unrecognized request argument supplied: ${issue.keys.join(', ')}`, 'invalid_request_error', 'unknown_parameter', issue.keys[0] ?? null)
  }
  return gatewayError(400, `Invalid ${param ?? 'body'}: ${issue?.message ?? 'invalid value'}`, 'invalid_request_error', 'invalid_value', param)
}

/**
 * Checks a generations body and turns it into llmkit's request.
 * @returns the request and the format the client asked for, or the 400 to answer with.
 */
export function toGenerationRequest(body: unknown, limits: RequestLimits): { request: ImageGenerationRequestInit; responseFormat: ResponseFormat } | MappedError {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return gatewayError(400, 'The body must be a JSON object such as {"model":"dall-e-3","prompt":"A cat"}', 'invalid_request_error', 'invalid_json')
  }
  const parsed = generationBodySchema.safeParse(body)
  if (!parsed.success) return invalid(parsed.error.issues)
  const b = parsed.data
  if (b.prompt.length > limits.promptChars) {
    return gatewayError(400, `prompt is ${b.prompt.length} characters; this gateway takes at most ${limits.promptChars}`, 'invalid_request_error', 'string_above_max_length', 'prompt')
  }
  if (b.negative_prompt !== undefined && b.negative_prompt.length > limits.promptChars) {
    return gatewayError(400, `negative_prompt is ${b.negative_prompt.length} characters; this gateway takes at most ${limits.promptChars}`, 'invalid_request_error', 'string_above_max_length', 'negative_prompt')
  }
  if (b.n !== undefined && b.n > limits.maxImages) {
    return gatewayError(400, `n is ${b.n}; this gateway returns at most ${limits.maxImages} images per request`, 'invalid_request_error', 'integer_above_max_value', 'n')
  }
  const responseFormat = b.response_format ?? defaultResponseFormat(b.model)
  // Shapes only: llmkit checks every value against the model's row and says what to do.
  const request = {
    model: b.model,
    prompt: b.prompt,
    n: b.n,
    size: b.size === 'auto' ? undefined : b.size,
    quality: b.quality,
    style: b.style,
    format: responseFormat,
    aspect_ratio: b.aspect_ratio,
    output_format: b.output_format === 'jpg' ? 'jpeg' : b.output_format,
    output_compression: b.output_compression,
    background: b.background,
    negative_prompt: b.negative_prompt,
    seed: b.seed,
    provider_options: b.provider_options,
  } as ImageGenerationRequestInit
  for (const key of Object.keys(request) as (keyof ImageGenerationRequestInit)[]) if (request[key] === undefined) delete request[key]
  return { request, responseFormat }
}
