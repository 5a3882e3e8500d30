import { randomUUID } from 'node:crypto'
import { inputHasAlpha, inputSize, inputType, renderDerivedPng } from '../derive.js'
import { delay, json, parseSize } from '../http-util.js'
import type { EmulatorContext, EmulatorReply, EmulatorRequest } from '../types.js'
// Read at request time only, so the import cycle with openai.ts is harmless.
import { OPENAI_TRIGGERS } from './openai.js'

/**
 * `POST /v1/images/edits` and `POST /v1/images/variations` of the emulated OpenAI API, with the
 * rules of openai/openai-openapi (`CreateImageEditRequest`, `CreateImageVariationRequest`):
 * multipart only; the GPT image models take 1-16 png/jpeg/webp images under 50 MB as `image[]`
 * (or one `image`), dall-e-2 one square PNG under 4 MB; the mask is a PNG under 4 MB with an alpha
 * channel and the first image's size; a dall-e-2 edit without a mask needs an image with alpha.
 * Answers are derived from the inputs (`renderDerivedPng`), so a test can see what arrived.
 */

/** What the edit endpoints need of a model from the generation table in openai.ts. */
export interface EditModelRules {
  readonly sizes: string[] | 'gpt2'
  readonly qualities: string[]
  readonly promptMax: number
  readonly gptImage: boolean
}

/** Helpers of openai.ts this module answers with (same error shape, same output-field rules). */
export interface OpenAIEmulatorParts {
  readonly models: Readonly<Record<string, EditModelRules>>
  readonly error: (status: number, message: string | null, type: string, param?: string | null, code?: string | null) => EmulatorReply
  readonly checkGptImageOutput: (body: Record<string, unknown>) => EmulatorReply | undefined
  readonly validGpt2Size: (size: string) => boolean
}

const EDIT_FIELDS = new Set(['image', 'image[]', 'prompt', 'mask', 'background', 'model', 'n', 'size', 'response_format', 'output_format', 'output_compression', 'user', 'input_fidelity', 'stream', 'partial_images', 'quality'])
const VARIATION_FIELDS = new Set(['image', 'model', 'n', 'response_format', 'size', 'user'])
/** `input_fidelity`: "only supported for gpt-image-1 and gpt-image-1.5 and later models, unsupported for gpt-image-1-mini". */
const NO_INPUT_FIDELITY = new Set(['gpt-image-1-mini', 'dall-e-2'])
const MB = 1024 * 1024
const GPT_IMAGE_MAX_BYTES = 50 * MB
const DALL_E_2_MAX_BYTES = 4 * MB
const MASK_MAX_BYTES = 4 * MB
const GPT_IMAGE_MAX_IMAGES = 16

interface Upload {
  readonly bytes: Buffer
  readonly type: 'png' | 'jpeg' | 'webp' | undefined
  readonly width: number
  readonly height: number
}

async function upload(file: File): Promise<Upload> {
  const bytes = Buffer.from(await file.arrayBuffer())
  const size = inputSize(bytes)
  // An image whose size cannot be read is no image OpenAI takes, whatever its first bytes say.
  if (size === undefined) return { bytes, type: undefined, width: 0, height: 0 }
  const type = inputType(bytes)
  return { bytes, type: type === undefined ? undefined : (type.slice(6) as Upload['type']), ...size }
}

function integerField(value: string | undefined): number | undefined | null {
  if (value === undefined) return undefined
  return /^-?\d+$/.test(value) ? Number(value) : null
}

/** Answers an edit (`variation: false`) or a variation; the caller checked the API key. */
export async function handleImageInputs(req: EmulatorRequest, ctx: EmulatorContext, parts: OpenAIEmulatorParts, variation: boolean): Promise<EmulatorReply> {
  const { error } = parts
  const invalid = (message: string, param: string | null, code: string | null = 'invalid_value') => error(400, message, 'invalid_request_error', param, code)
  if (!String(req.headers['content-type'] ?? '').startsWith('multipart/form-data')) {
    return invalid('The emulator takes multipart/form-data image uploads on this endpoint (image files as parts).', null, null)
  }
  let form: FormData
  try {
    form = await req.formData()
  } catch {
    return invalid('Could not parse the multipart form.', null, null)
  }
  const allowed = variation ? VARIATION_FIELDS : EDIT_FIELDS
  const text: Record<string, string> = {}
  const files: { name: string; file: File }[] = []
  for (const [name, value] of form.entries()) {
    if (!allowed.has(name)) return invalid(`Unknown parameter: '${name}'.`, name, 'unknown_parameter')
    if (typeof value === 'string') {
      if (name === 'image' || name === 'image[]' || name === 'mask') return invalid(`Invalid type for '${name}': expected a file, but got a string instead.`, name, 'invalid_type')
      text[name] = value
    } else {
      if (name !== 'image' && name !== 'image[]' && name !== 'mask') return invalid(`Invalid type for '${name}': expected a string, but got a file instead.`, name, 'invalid_type')
      files.push({ name, file: value })
    }
  }
  const modelId = text['model'] ?? (variation ? 'dall-e-2' : 'gpt-image-1.5')
  const model = parts.models[modelId]
  if (!model) return error(404, `The model \`${modelId}\` does not exist or you do not have access to it.`, 'invalid_request_error', null, 'model_not_found')
  if (variation ? modelId !== 'dall-e-2' : modelId !== 'dall-e-2' && !model.gptImage) {
    return invalid(`Invalid value: '${modelId}'. ${variation ? "Value must be 'dall-e-2'." : "Value must be 'dall-e-2' or a GPT image model."}`, 'model')
  }

  const images = await Promise.all(files.filter((f) => f.name !== 'mask').map((f) => upload(f.file)))
  const maskFiles = files.filter((f) => f.name === 'mask')
  if (images.length === 0) return invalid("Missing required parameter: 'image'.", 'image', 'missing_required_parameter')
  if (maskFiles.length > 1) return invalid("Invalid 'mask': expected one file.", 'mask')
  const maxImages = model.gptImage ? GPT_IMAGE_MAX_IMAGES : 1
  if (images.length > maxImages) return invalid(`Invalid 'image': expected at most ${maxImages} image${maxImages === 1 ? '' : 's'}, got ${images.length}.`, 'image', 'array_above_max_length')
  for (const [i, image] of images.entries()) {
    const param = model.gptImage ? `image[${i}]` : 'image'
    if (model.gptImage) {
      if (image.type === undefined) return invalid(`Invalid image file or mode for image ${i + 1}: supported formats are 'png', 'jpeg' and 'webp'.`, param, 'invalid_image_format')
      if (image.bytes.length > GPT_IMAGE_MAX_BYTES) return invalid(`Image ${i + 1} is too large: images must be less than 50 MB.`, param, 'image_too_large')
    } else {
      if (image.type !== 'png' || image.bytes.length > DALL_E_2_MAX_BYTES) return invalid('Uploaded image must be a PNG and less than 4 MB.', param, 'invalid_image')
      if (image.width !== image.height) return invalid(`Uploaded image must be square, got ${image.width}x${image.height}.`, param, 'invalid_image')
    }
  }
  const first = images[0]!
  let mask: Upload | undefined
  if (maskFiles.length === 1) {
    mask = await upload(maskFiles[0]!.file)
    if (mask.type !== 'png' || mask.bytes.length > MASK_MAX_BYTES) return invalid('Invalid mask: the mask must be a PNG and less than 4 MB.', 'mask', 'invalid_image')
    if (mask.width !== first.width || mask.height !== first.height) {
      return invalid(`Invalid mask: the mask (${mask.width}x${mask.height}) and the image (${first.width}x${first.height}) must have the same dimensions.`, 'mask', 'invalid_image')
    }
    if (!inputHasAlpha(mask.bytes)) return invalid("Invalid mask image: format must be 'RGBA' (transparent pixels mark the area to edit), got one without alpha.", 'mask', 'invalid_image')
  } else if (!variation && !model.gptImage && !inputHasAlpha(first.bytes)) {
    return invalid("Invalid input image: without a mask the image must have transparency; format must be 'RGBA', 'LA' or 'L'.", 'image', 'invalid_image')
  }

  const prompt = text['prompt']
  if (!variation) {
    if (prompt === undefined || prompt.length === 0) return invalid("Missing required parameter: 'prompt'.", 'prompt', 'missing_required_parameter')
    if (prompt.length > model.promptMax) {
      return invalid(`Invalid 'prompt': string too long. Expected a string with maximum length ${model.promptMax}, but got a string with length ${prompt.length} instead.`, 'prompt', 'string_above_max_length')
    }
  }
  const n = integerField(text['n']) ?? 1
  if (n === null || n < 1 || n > 10) return invalid(`Invalid 'n': integer out of range. Expected 1 to 10, got ${String(text['n'])}.`, 'n', 'integer_out_of_range')
  const size = text['size'] ?? (model.gptImage ? 'auto' : '1024x1024')
  const sizeOk = model.sizes === 'gpt2' ? parts.validGpt2Size(size) : model.sizes.includes(size)
  if (!sizeOk) return invalid(`Invalid value: '${size}'. Supported values are: ${model.sizes === 'gpt2' ? 'auto or WxH' : model.sizes.map((s) => `'${s}'`).join(', ')}.`, 'size', 'invalid_size')
  const quality = text['quality']
  if (quality !== undefined && quality !== 'auto' && !model.qualities.includes(quality)) {
    return invalid(`Invalid value: '${quality}'. Supported values are: ${model.qualities.map((q) => `'${q}'`).join(', ')}.`, 'quality')
  }
  const responseFormat = text['response_format']
  if (model.gptImage && responseFormat !== undefined) return invalid("Unknown parameter: 'response_format'.", 'response_format', 'unknown_parameter')
  if (responseFormat !== undefined && responseFormat !== 'url' && responseFormat !== 'b64_json') {
    return invalid(`Invalid value: '${responseFormat}'. Supported values are: 'url' and 'b64_json'.`, 'response_format')
  }
  const fidelity = text['input_fidelity']
  if (fidelity !== undefined) {
    if (NO_INPUT_FIDELITY.has(modelId)) return invalid(`input_fidelity is not supported for ${modelId}.`, 'input_fidelity')
    if (fidelity !== 'high' && fidelity !== 'low') return invalid(`Invalid value: '${fidelity}'. Supported values are: 'high' and 'low'.`, 'input_fidelity')
  }
  const gptOnly = ['output_format', 'output_compression', 'background', 'stream', 'partial_images'].find((f) => text[f] !== undefined)
  if (!model.gptImage && gptOnly !== undefined) return invalid(`Unknown parameter: '${gptOnly}'.`, gptOnly, 'unknown_parameter')
  if (text['stream'] !== undefined && text['stream'] !== 'false') return invalid('The emulator does not stream edits; leave stream unset.', 'stream')
  if (model.gptImage) {
    const compression = integerField(text['output_compression'])
    const outputFields: Record<string, unknown> = { output_format: text['output_format'], output_compression: compression === null ? text['output_compression'] : compression, background: text['background'] }
    const bad = parts.checkGptImageOutput(outputFields)
    if (bad) return bad
  }

  // The same prompt triggers as generations: the service's real refusals, for end-to-end tests.
  if (prompt?.includes(OPENAI_TRIGGERS.contentPolicy)) {
    return model.gptImage
      ? error(400, 'Your request was rejected by the safety system. safety_violations=[sexual].', 'image_generation_user_error', null, 'moderation_blocked')
      : error(400, 'Your request was rejected as a result of our safety system. Your prompt may contain text that is not allowed by our safety system.', 'invalid_request_error', null, 'content_policy_violation')
  }
  if (prompt?.includes(OPENAI_TRIGGERS.quota)) return error(429, 'You exceeded your current quota, please check your plan and billing details.', 'insufficient_quota', null, 'insufficient_quota')

  await delay(ctx.latencyMs)
  const pixels = answerSize(size, first, model.gptImage)
  const inputs = [...images.map((i) => i.bytes), ...(mask === undefined ? [] : [mask.bytes])]
  const b64 = model.gptImage || responseFormat === 'b64_json'
  const data = Array.from({ length: n }, (_, i) => {
    const png = renderDerivedPng(inputs, ctx.imageKey(`${modelId}|${variation ? 'variation' : 'edit'}|${prompt ?? ''}|${i}`), pixels)
    return b64 ? { b64_json: png.toString('base64') } : { url: ctx.files.put(png, 'image/png', 60 * 60 * 1000) }
  })
  const response: Record<string, unknown> = { created: Math.floor(Date.now() / 1000), data }
  if (model.gptImage) {
    Object.assign(response, {
      background: text['background'] === 'transparent' ? 'transparent' : 'opaque',
      output_format: 'png',
      size: `${pixels.width}x${pixels.height}`,
      quality: quality === undefined || quality === 'auto' ? 'medium' : quality,
      usage: { total_tokens: 50 + images.length * 194 + n * 1056, input_tokens: 50 + images.length * 194, output_tokens: n * 1056, input_tokens_details: { text_tokens: 50, image_tokens: images.length * 194 } },
    })
  }
  return json(200, response, { 'x-request-id': `req_${randomUUID().replaceAll('-', '')}`, 'openai-processing-ms': String(ctx.latencyMs) })
}

/**
 * The size of the answer: the size asked for, else for the GPT image models `auto`, which picks the
 * standard size nearest the first image's shape; dall-e-2 defaults to 1024x1024.
 */
function answerSize(size: string, first: Upload, gptImage: boolean): { width: number; height: number } {
  if (size !== 'auto') return parseSize(size)!
  if (!gptImage) return { width: 1024, height: 1024 }
  const ratio = first.width / Math.max(1, first.height)
  return ratio > 1.2 ? { width: 1536, height: 1024 } : ratio < 1 / 1.2 ? { width: 1024, height: 1536 } : { width: 1024, height: 1024 }
}
