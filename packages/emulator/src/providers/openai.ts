import { randomUUID } from 'node:crypto'
import { bearer, delay, json, parseSize } from '../http-util.js'
import { freshDraw, renderPng } from '../png.js'
import { imageStreamReply, OPENAI_STREAM_CUT_TRIGGER } from './openai-stream.js'
import { handleImageInputs } from './openai-edits.js'
import type { EmulatorContext, EmulatorProvider, EmulatorReply } from '../types.js'
import { checkVendoredSchema } from '../vendored-schemas.js'

/** Per-model rules of `POST /v1/images/generations`, from openai/openai-openapi (see shared/providers/openai.md). */
const MODELS: Record<string, { maxN: number; sizes: string[] | 'gpt2'; qualities: string[]; style: boolean; promptMax: number; gptImage: boolean }> = {
  'dall-e-2': { maxN: 10, sizes: ['256x256', '512x512', '1024x1024'], qualities: ['standard', 'auto'], style: false, promptMax: 1000, gptImage: false },
  'dall-e-3': { maxN: 1, sizes: ['1024x1024', '1792x1024', '1024x1792'], qualities: ['standard', 'hd', 'auto'], style: true, promptMax: 4000, gptImage: false },
  'gpt-image-1': { maxN: 10, sizes: ['1024x1024', '1536x1024', '1024x1536', 'auto'], qualities: ['low', 'medium', 'high', 'auto'], style: false, promptMax: 32000, gptImage: true },
  'gpt-image-1-mini': { maxN: 10, sizes: ['1024x1024', '1536x1024', '1024x1536', 'auto'], qualities: ['low', 'medium', 'high', 'auto'], style: false, promptMax: 32000, gptImage: true },
  'gpt-image-1.5': { maxN: 10, sizes: ['1024x1024', '1536x1024', '1024x1536', 'auto'], qualities: ['low', 'medium', 'high', 'auto'], style: false, promptMax: 32000, gptImage: true },
  'gpt-image-2': { maxN: 10, sizes: 'gpt2', qualities: ['low', 'medium', 'high', 'auto'], style: false, promptMax: 32000, gptImage: true },
  'gpt-image-2-2026-04-21': { maxN: 10, sizes: 'gpt2', qualities: ['low', 'medium', 'high', 'auto'], style: false, promptMax: 32000, gptImage: true },
}

const GPT_IMAGE_ONLY = ['output_format', 'output_compression', 'background', 'moderation', 'stream', 'partial_images'] as const
const KNOWN_FIELDS = new Set(['prompt', 'model', 'n', 'size', 'quality', 'style', 'response_format', 'user', ...GPT_IMAGE_ONLY])

/** Prompts containing these words trigger the service's real refusals (and, `streamCut`, a dropped event stream), for end-to-end tests. */
export const OPENAI_TRIGGERS = Object.freeze({ contentPolicy: 'emulator:content-policy', quota: 'emulator:quota', streamCut: OPENAI_STREAM_CUT_TRIGGER })

function error(status: number, message: string | null, type: string, param: string | null = null, code: string | null = null): EmulatorReply {
  return json(status, { error: { message, type, param, code } }, { 'x-request-id': `req_${randomUUID().replaceAll('-', '')}` })
}

/**
 * The GPT image output fields as the API checks them (openai.md, `CreateImageRequest`): the
 * enums, compression 0-100 and only for jpeg/webp, no transparent jpeg.
 */
function checkGptImageOutput(body: Record<string, unknown>): EmulatorReply | undefined {
  const format = body['output_format'] ?? 'png'
  if (typeof format !== 'string' || !['png', 'jpeg', 'webp'].includes(format)) {
    return error(400, `Invalid value: '${String(format)}'. Supported values are: 'png', 'jpeg' and 'webp'.`, 'invalid_request_error', 'output_format', 'invalid_value')
  }
  const compression = body['output_compression']
  if (compression !== undefined && compression !== null) {
    if (typeof compression !== 'number' || !Number.isInteger(compression) || compression < 0 || compression > 100) {
      return error(400, `Invalid 'output_compression': integer out of range. Expected 0 to 100, got ${String(compression)}.`, 'invalid_request_error', 'output_compression', 'integer_out_of_range')
    }
    if (format === 'png') return error(400, 'Compression is only supported for the jpeg and webp output formats.', 'invalid_request_error', 'output_compression', 'invalid_value')
  }
  const background = body['background'] ?? 'auto'
  if (typeof background !== 'string' || !['transparent', 'opaque', 'auto'].includes(background)) {
    return error(400, `Invalid value: '${String(background)}'. Supported values are: 'transparent', 'opaque' and 'auto'.`, 'invalid_request_error', 'background', 'invalid_value')
  }
  if (background === 'transparent' && format === 'jpeg') {
    return error(400, 'Transparent background is not supported for the jpeg output format; use png or webp.', 'invalid_request_error', 'background', 'invalid_value')
  }
  return undefined
}

function validGpt2Size(size: string): boolean {
  if (size === 'auto') return true
  const s = parseSize(size)
  if (!s) return false
  const ratio = s.width / s.height
  return s.width % 16 === 0 && s.height % 16 === 0 && ratio >= 1 / 3 && ratio <= 3 && Math.max(s.width, s.height) <= 3840 && s.width * s.height <= 3840 * 2160
}

/** The `stream: true` answer (openai-stream.ts), or a 400 for a `partial_images` outside 0-3. */
function streamedAnswer(body: Record<string, unknown>, checked: { model: string; prompt: string; n: number; size: string; quality: string | undefined }, ctx: EmulatorContext): EmulatorReply {
  const partialImages = body['partial_images'] ?? 0
  if (typeof partialImages !== 'number' || !Number.isInteger(partialImages) || partialImages < 0 || partialImages > 3) {
    return error(400, `Invalid 'partial_images': integer out of range. Expected 0 to 3, got ${String(partialImages)}.`, 'invalid_request_error', 'partial_images', 'integer_out_of_range')
  }
  const pixels = parseSize(checked.size === 'auto' ? '1024x1024' : checked.size)!
  return imageStreamReply(
    {
      model: checked.model,
      prompt: checked.prompt,
      n: checked.n,
      partialImages,
      width: pixels.width,
      height: pixels.height,
      background: body['background'] === 'transparent' ? 'transparent' : 'opaque',
      quality: checked.quality === undefined || checked.quality === 'auto' ? 'medium' : checked.quality,
      headers: { 'x-request-id': `req_${randomUUID().replaceAll('-', '')}`, 'x-ratelimit-limit-requests': '500', 'x-ratelimit-remaining-requests': '499', 'x-ratelimit-reset-requests': '120ms' },
    },
    ctx,
  )
}

/** OpenAI's image generation endpoint under `/openai/v1`. */
export const openaiEmulator: EmulatorProvider = {
  id: 'openai',
  prefix: '/openai',
  env: (origin, key) => ({ OPENAI_BASE_URL: `${origin}/openai/v1`, OPENAI_API_KEY: key }),
  async handle(req, ctx) {
    const imageInputs = req.path === '/v1/images/edits' || req.path === '/v1/images/variations'
    if (req.path !== '/v1/images/generations' && !imageInputs) return error(404, `Invalid URL (${req.method} /v1${req.path.replace(/^\/v1/, '')})`, 'invalid_request_error')
    if (req.method !== 'POST') return error(405, `Method ${req.method} not allowed`, 'invalid_request_error')
    const key = bearer(req.headers['authorization'] as string | undefined)
    if (key === undefined) {
      return error(401, "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).", 'invalid_request_error')
    }
    if (key !== ctx.keys['openai']) {
      return error(401, `Incorrect API key provided: ${key.slice(0, 3)}***${key.slice(-2)}. You can find your API key at https://platform.openai.com/account/api-keys.`, 'invalid_request_error', null, 'invalid_api_key')
    }
    // Edits and variations take multipart uploads: openai-edits.ts.
    if (imageInputs) return handleImageInputs(req, ctx, { models: MODELS, error, checkGptImageOutput, validGpt2Size }, req.path === '/v1/images/variations')
    const body = req.json() as Record<string, unknown> | undefined
    if (!body || typeof body !== 'object') return error(400, 'We could not parse the JSON body of your request.', 'invalid_request_error')
    for (const field of Object.keys(body)) {
      if (!KNOWN_FIELDS.has(field)) return error(400, `Unknown parameter: '${field}'.`, 'invalid_request_error', field, 'unknown_parameter')
    }
    const modelId = (body['model'] as string | undefined) ?? 'dall-e-2'
    const model = MODELS[modelId]
    if (!model) return error(404, `The model \`${modelId}\` does not exist or you do not have access to it.`, 'invalid_request_error', null, 'model_not_found')
    const prompt = body['prompt']
    if (typeof prompt !== 'string' || prompt.length === 0) return error(400, "Missing required parameter: 'prompt'.", 'invalid_request_error', 'prompt', 'missing_required_parameter')
    if (prompt.length > model.promptMax) {
      return error(400, `Invalid 'prompt': string too long. Expected a string with maximum length ${model.promptMax}, but got a string with length ${prompt.length} instead.`, 'invalid_request_error', 'prompt', 'string_above_max_length')
    }
    const n = body['n'] ?? 1
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 10) return error(400, `Invalid 'n': integer out of range. Expected 1 to 10, got ${String(n)}.`, 'invalid_request_error', 'n', 'integer_out_of_range')
    if (n > model.maxN) return error(400, 'You must provide n=1 for this model.', 'invalid_request_error', 'n')
    const size = (body['size'] as string | undefined) ?? (model.gptImage ? 'auto' : '1024x1024')
    const sizeOk = model.sizes === 'gpt2' ? validGpt2Size(size) : model.sizes.includes(size)
    if (!sizeOk) {
      const allowed = model.sizes === 'gpt2' ? 'auto or WxH with sides divisible by 16, aspect 1:3 to 3:1, at most 3840x2160' : model.sizes.map((s) => `'${s}'`).join(', ')
      return error(400, `Invalid value: '${size}'. Supported values are: ${allowed}.`, 'invalid_request_error', 'size', 'invalid_size')
    }
    const quality = body['quality'] as string | undefined
    if (quality !== undefined && quality !== 'auto' && !model.qualities.includes(quality)) {
      return error(400, `Invalid value: '${quality}'. Supported values are: ${model.qualities.map((q) => `'${q}'`).join(', ')}.`, 'invalid_request_error', 'quality', 'invalid_value')
    }
    if (body['style'] !== undefined && !model.style) return error(400, `Unknown parameter: 'style'.`, 'invalid_request_error', 'style', 'unknown_parameter')
    if (body['style'] !== undefined && !['vivid', 'natural'].includes(body['style'] as string)) {
      return error(400, `Invalid value: '${String(body['style'])}'. Supported values are: 'vivid' and 'natural'.`, 'invalid_request_error', 'style', 'invalid_value')
    }
    const responseFormat = body['response_format'] as string | undefined
    if (model.gptImage && responseFormat !== undefined) return error(400, "Unknown parameter: 'response_format'.", 'invalid_request_error', 'response_format', 'unknown_parameter')
    if (responseFormat !== undefined && responseFormat !== 'url' && responseFormat !== 'b64_json') {
      return error(400, `Invalid value: '${responseFormat}'. Supported values are: 'url' and 'b64_json'.`, 'invalid_request_error', 'response_format', 'invalid_value')
    }
    if (!model.gptImage) {
      const extra = GPT_IMAGE_ONLY.find((f) => body[f] !== undefined)
      if (extra) return error(400, `Unknown parameter: '${extra}'.`, 'invalid_request_error', extra, 'unknown_parameter')
    } else {
      const invalid = checkGptImageOutput(body)
      if (invalid) return invalid
    }
    // Whatever else the published CreateImageRequest refuses (types, enums, ranges): vendored-schemas.ts.
    const schemaProblem = checkVendoredSchema('openai', 'CreateImageRequest', body)
    if (schemaProblem) return error(400, `Invalid '${schemaProblem.path.slice(1).replaceAll('/', '.')}': ${schemaProblem.message}.`, 'invalid_request_error', schemaProblem.field || null, 'invalid_value')
    if (prompt.includes(OPENAI_TRIGGERS.contentPolicy)) {
      return model.gptImage
        ? error(400, 'Your request was rejected by the safety system. safety_violations=[sexual].', 'image_generation_user_error', null, 'moderation_blocked')
        : error(400, 'Your request was rejected as a result of our safety system. Your prompt may contain text that is not allowed by our safety system.', 'invalid_request_error', null, 'content_policy_violation')
    }
    if (prompt.includes(OPENAI_TRIGGERS.quota)) {
      return error(429, 'You exceeded your current quota, please check your plan and billing details.', 'insufficient_quota', null, 'insufficient_quota')
    }

    if (model.gptImage && body['stream'] === true) {
      return streamedAnswer(body, { model: modelId, prompt, n, size, quality }, ctx)
    }
    await delay(ctx.latencyMs)
    const pixels = parseSize(size === 'auto' ? '1024x1024' : size)!
    const b64 = model.gptImage || responseFormat === 'b64_json'
    // No seed in this API: a repeated call draws new pictures, as the real one does.
    const draw = freshDraw(`${modelId}|${prompt}`)
    const data = Array.from({ length: n }, (_, i) => {
      const png = renderPng(pixels.width, pixels.height, ctx.imageKey(`${draw}|${i}`))
      const image: Record<string, string> = b64 ? { b64_json: png.toString('base64') } : { url: ctx.files.put(png, 'image/png', 60 * 60 * 1000) }
      if (modelId === 'dall-e-3') image['revised_prompt'] = `A detailed rendering of: ${prompt}`
      return image
    })
    const response: Record<string, unknown> = { created: Math.floor(Date.now() / 1000), data }
    if (model.gptImage) {
      Object.assign(response, {
        background: body['background'] === 'transparent' ? 'transparent' : 'opaque',
        output_format: 'png',
        size: `${pixels.width}x${pixels.height}`,
        quality: quality === undefined || quality === 'auto' ? 'medium' : quality,
        usage: { total_tokens: 50 + n * 1056, input_tokens: 50, output_tokens: n * 1056, input_tokens_details: { text_tokens: 50, image_tokens: 0 } },
      })
    }
    return json(200, response, {
      'x-request-id': `req_${randomUUID().replaceAll('-', '')}`,
      'openai-processing-ms': String(ctx.latencyMs),
      'x-ratelimit-limit-requests': '500',
      'x-ratelimit-remaining-requests': '499',
      'x-ratelimit-reset-requests': '120ms',
    })
  },
}
