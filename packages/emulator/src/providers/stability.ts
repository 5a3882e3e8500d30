import { randomBytes } from 'node:crypto'
import { bearer, delay, json, sizeForAspect } from '../http-util.js'
import { renderPng, seedOf } from '../png.js'
import type { EmulatorContext, EmulatorProvider, EmulatorReply, EmulatorRequest } from '../types.js'
import { renderDerivedPng } from '../derive.js'
import { type StabilityImagePart, handleStabilityEdit, isStabilityEditEndpoint, readStabilityImage, readV2Form, v2Error } from './stability-edit.js'
import { checkVendoredSchema } from '../vendored-schemas.js'

/**
 * Stability AI's two text-to-image APIs under `/stability` (shared/providers/stability.md):
 * v1 `POST /v1/generation/{engine}/text-to-image` (JSON, SDXL) and v2beta
 * `POST /v2beta/stable-image/generate/{ultra,core,sd3}` (multipart only).
 *
 * Only PNG is rendered: when `output_format` asks for jpeg or webp the answer is still PNG bytes,
 * labelled honestly as `image/png` (never PNG bytes under a jpeg content type), with an
 * `x-emulator-note` header saying so.
 *
 * The emulator is stricter than the service in one way: an unknown form or JSON field is a 400,
 * so a client sending `model` to core or ultra, or a typo, is caught in tests.
 */

/** Prompts containing these markers trigger the service's refusals, for end-to-end tests. */
export const STABILITY_TRIGGERS = Object.freeze({
  /** 200 with finish reason CONTENT_FILTERED (a blurred image). */
  filtered: 'emulator:filtered',
  /** v2beta: 403 `content_moderation`; v1: 400 `invalid_prompts`. */
  moderation: 'emulator:moderation',
  /** 402 with the out-of-credits message. */
  credits: 'emulator:credits',
})

const SDXL_ENGINE = 'stable-diffusion-xl-1024-v1-0'
const SDXL_SIZES = ['1024x1024', '1152x896', '896x1152', '1216x832', '832x1216', '1344x768', '768x1344', '1536x640', '640x1536']
const ASPECT_RATIOS = ['16:9', '1:1', '21:9', '2:3', '3:2', '4:5', '5:4', '9:16', '9:21']
const OUTPUT_FORMATS = ['png', 'jpeg', 'webp']
const SD3_MODELS = ['sd3.5-large', 'sd3.5-large-turbo', 'sd3.5-medium', 'sd3.5-flash']
const STYLE_PRESETS = [
  '3d-model',
  'analog-film',
  'anime',
  'cinematic',
  'comic-book',
  'digital-art',
  'enhance',
  'fantasy-art',
  'isometric',
  'line-art',
  'low-poly',
  'modeling-compound',
  'neon-punk',
  'origami',
  'photographic',
  'pixel-art',
  'tile-texture',
]
const SAMPLERS = ['DDIM', 'DDPM', 'K_DPMPP_2M', 'K_DPMPP_2S_ANCESTRAL', 'K_DPM_2', 'K_DPM_2_ANCESTRAL', 'K_EULER', 'K_EULER_ANCESTRAL', 'K_HEUN', 'K_LMS']
const CLIP_PRESETS = ['FAST_BLUE', 'FAST_GREEN', 'NONE', 'SIMPLE', 'SLOW', 'SLOWER', 'SLOWEST']
const V1_FIELDS = new Set(['text_prompts', 'height', 'width', 'cfg_scale', 'clip_guidance_preset', 'sampler', 'samples', 'seed', 'steps', 'style_preset', 'extras'])
const V2_COMMON_FIELDS = ['prompt', 'negative_prompt', 'aspect_ratio', 'seed', 'output_format', 'style_preset']
const V2_FIELDS: Record<string, Set<string>> = {
  // Ultra and SD 3.5 take an `image` file part and a `strength` for image-to-image; Core does not.
  ultra: new Set([...V2_COMMON_FIELDS, 'image', 'strength']),
  core: new Set(V2_COMMON_FIELDS),
  sd3: new Set([...V2_COMMON_FIELDS, 'model', 'mode', 'cfg_scale', 'image', 'strength']),
}
/** Image-to-image inputs: SD 3.5 "every side at least 64 px"; Ultra sides 64-16384 px, at least 4096 pixels (OpenAPI). */
const I2I_IMAGE = { sd3: { minSide: 64 }, ultra: { minSide: 64, maxSide: 16_384, minPixels: 4096 } } as const
const V1_MAX_SEED = 4_294_967_295
const V2_MAX_SEED = 4_294_967_294
const CREDITS_MESSAGE = 'You lack sufficient credits to make this request. Please purchase more credits at https://platform.stability.ai/account/credits and try again.'

const newId = (): string => randomBytes(16).toString('hex')


/** v1 envelope `{ id, name, message }`. */
function v1Error(status: number, name: string, message: string): EmulatorReply {
  const id = newId()
  return json(status, { id, name, message }, { 'x-request-id': id })
}

/** A random-looking but repeatable seed when the caller sent none or 0 (which means random). */
function pickSeed(requested: number | undefined, key: string, max: number): number {
  return requested !== undefined && requested !== 0 ? requested : 1 + (seedOf(key) % max)
}

function acceptsJson(req: EmulatorRequest): boolean {
  return String(req.headers['accept'] ?? '').includes('application/json')
}

/** The key check both APIs share; `undefined` when the key is good. */
function authFailure(req: EmulatorRequest, ctx: EmulatorContext, fail: (status: number, name: string, message: string) => EmulatorReply): EmulatorReply | undefined {
  const key = bearer(req.headers['authorization'] as string | undefined)
  if (key === undefined) return fail(401, 'unauthorized', 'authorization: missing or malformed; send Authorization: Bearer <key>')
  if (key !== ctx.keys['stability']) return fail(401, 'unauthorized', 'authorization: invalid API key')
  return undefined
}

const isInt = (v: unknown, min: number, max: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max

async function handleV1(engine: string, req: EmulatorRequest, ctx: EmulatorContext): Promise<EmulatorReply> {
  const unauthorized = authFailure(req, ctx, v1Error)
  if (unauthorized) return unauthorized
  if (engine !== SDXL_ENGINE) return v1Error(404, 'not_found', `engine not found: ${engine}`)
  if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) return v1Error(400, 'bad_request', 'content-type: must be application/json')
  const body = req.json() as Record<string, unknown> | undefined
  if (!body || typeof body !== 'object' || Array.isArray(body)) return v1Error(400, 'bad_request', 'body: could not parse the JSON body')
  const unknown = Object.keys(body).find((k) => !V1_FIELDS.has(k))
  if (unknown) return v1Error(400, 'bad_request', `${unknown}: unknown field`)
  const prompts = body['text_prompts']
  if (!Array.isArray(prompts) || prompts.length === 0) return v1Error(400, 'bad_request', 'text_prompts: must be an array with at least one prompt')
  for (const p of prompts as Array<Record<string, unknown>>) {
    if (typeof p?.['text'] !== 'string' || p['text'].length === 0 || p['text'].length > 2000) return v1Error(400, 'bad_request', 'text_prompts: each text must be 1-2000 characters')
    if (p['weight'] !== undefined && typeof p['weight'] !== 'number') return v1Error(400, 'bad_request', 'text_prompts: weight must be a number')
  }
  const positive = (prompts as Array<{ text: string; weight?: number }>).filter((p) => (p.weight ?? 1) >= 0)
  if (positive.length === 0) return v1Error(400, 'bad_request', 'text_prompts: at least one prompt needs a positive weight')
  const width = body['width'] ?? 512
  const height = body['height'] ?? 512
  if (!isInt(width, 128, 16384) || !isInt(height, 128, 16384) || width % 64 !== 0 || height % 64 !== 0 || !SDXL_SIZES.includes(`${width}x${height}`)) {
    return v1Error(400, 'invalid_height_or_width', `for the ${SDXL_ENGINE} engine the allowed dimensions are ${SDXL_SIZES.join(', ')}; got ${String(width)}x${String(height)}`)
  }
  const samples = body['samples'] ?? 1
  if (!isInt(samples, 1, 10)) return v1Error(400, 'invalid_samples', `samples: must be an integer from 1 to 10; got ${String(samples)}`)
  // v1 answers JSON unless image/png is asked for explicitly.
  const accept = String(req.headers['accept'] ?? '')
  const json_ = !accept.includes('image/png') || accept.includes('application/json')
  if (samples > 1 && !json_) return v1Error(400, 'invalid_samples', 'samples: more than 1 sample requires Accept: application/json')
  const seed = body['seed']
  if (seed !== undefined && !isInt(seed, 0, V1_MAX_SEED)) return v1Error(400, 'bad_request', `seed: must be an integer from 0 to ${V1_MAX_SEED}`)
  if (body['cfg_scale'] !== undefined && !(typeof body['cfg_scale'] === 'number' && body['cfg_scale'] >= 0 && body['cfg_scale'] <= 35)) return v1Error(400, 'bad_request', 'cfg_scale: must be a number from 0 to 35')
  if (body['steps'] !== undefined && !isInt(body['steps'], 10, 150)) return v1Error(400, 'bad_request', 'steps: must be an integer from 10 to 150')
  if (body['sampler'] !== undefined && !SAMPLERS.includes(body['sampler'] as string)) return v1Error(400, 'bad_request', `sampler: must be one of ${SAMPLERS.join(', ')}`)
  if (body['clip_guidance_preset'] !== undefined && !CLIP_PRESETS.includes(body['clip_guidance_preset'] as string)) return v1Error(400, 'bad_request', `clip_guidance_preset: must be one of ${CLIP_PRESETS.join(', ')}`)
  if (body['style_preset'] !== undefined && !STYLE_PRESETS.includes(body['style_preset'] as string)) return v1Error(400, 'bad_request', `style_preset: must be one of ${STYLE_PRESETS.join(', ')}`)
  const schemaProblem = checkVendoredSchema('stability', 'V1TextToImage', body)
  if (schemaProblem) return v1Error(400, 'bad_request', `${schemaProblem.path.slice(1).replaceAll('/', '.')}: ${schemaProblem.message}`)

  const text = positive.map((p) => p.text).join(' ')
  if (text.includes(STABILITY_TRIGGERS.moderation)) return v1Error(400, 'invalid_prompts', 'One or more prompts contains filtered words.')
  if (text.includes(STABILITY_TRIGGERS.credits)) return v1Error(402, 'payment_required', CREDITS_MESSAGE)
  const finishReason = text.includes(STABILITY_TRIGGERS.filtered) ? 'CONTENT_FILTERED' : 'SUCCESS'

  await delay(ctx.latencyMs)
  const requestId = newId()
  const first = pickSeed(seed as number | undefined, `${engine}|${text}`, V1_MAX_SEED)
  const artifacts = Array.from({ length: samples }, (_, i) => {
    const s = ((first + i - 1) % V1_MAX_SEED) + 1
    return { seed: s, finishReason, png: renderPng(width, height, ctx.imageKey(`${engine}|${text}|${s}`)) }
  })
  if (!json_) {
    const a = artifacts[0]!
    return { status: 200, headers: { 'content-type': 'image/png', 'finish-reason': a.finishReason, seed: String(a.seed), 'x-request-id': requestId }, body: a.png }
  }
  return json(200, { artifacts: artifacts.map((a) => ({ base64: a.png.toString('base64'), seed: a.seed, finishReason: a.finishReason })) }, { 'x-request-id': requestId })
}

async function handleV2(endpoint: string, req: EmulatorRequest, ctx: EmulatorContext): Promise<EmulatorReply> {
  const unauthorized = authFailure(req, ctx, v2Error)
  if (unauthorized) return unauthorized
  const form = await readV2Form(req)
  if (!(form instanceof FormData)) return form
  const fields: Record<string, string> = {}
  for (const [name, value] of form.entries()) {
    if (!V2_FIELDS[endpoint]!.has(name)) return v2Error(400, 'bad_request', `${name}: unknown field for /generate/${endpoint}`)
    if (name === 'image') continue
    if (typeof value !== 'string') return v2Error(400, 'bad_request', `${name}: must be a text field`)
    fields[name] = value
  }
  const errors: string[] = []
  // Image-to-image (issue 13): the image is read and checked, strength is required with it.
  let image: StabilityImagePart | undefined
  if (form.get('image') !== null) {
    const read = await readStabilityImage('image', form.get('image'), I2I_IMAGE[endpoint as keyof typeof I2I_IMAGE])
    if (typeof read === 'string') errors.push(read)
    else image = read
  }
  const strength = fields['strength'] === undefined ? undefined : Number(fields['strength'])
  if (strength !== undefined && !(Number.isFinite(strength) && strength >= 0 && strength <= 1)) errors.push('strength: must be a number from 0 to 1')
  const i2i = endpoint === 'sd3' ? fields['mode'] === 'image-to-image' : form.get('image') !== null
  if (i2i && form.get('image') === null) errors.push('image: is required for image-to-image')
  if (i2i && fields['strength'] === undefined) errors.push('strength: is required when image is provided')
  if (!i2i && (form.get('image') !== null || fields['strength'] !== undefined)) errors.push(`${form.get('image') !== null ? 'image' : 'strength'}: is only valid for image-to-image (mode: image-to-image)`)
  if (endpoint === 'sd3' && i2i && fields['aspect_ratio'] !== undefined) errors.push('aspect_ratio: is only valid for text-to-image requests')
  const prompt = fields['prompt']
  if (prompt === undefined || prompt.length === 0) errors.push('prompt: is required')
  else if (prompt.length > 10_000) errors.push('prompt: must be at most 10000 characters')
  if ((fields['negative_prompt']?.length ?? 0) > 10_000) errors.push('negative_prompt: must be at most 10000 characters')
  const aspectRatio = fields['aspect_ratio'] ?? '1:1'
  if (!ASPECT_RATIOS.includes(aspectRatio)) errors.push(`aspect_ratio: must be one of ${ASPECT_RATIOS.join(', ')}`)
  const seedText = fields['seed']
  const seed = seedText === undefined ? undefined : Number(seedText)
  if (seed !== undefined && !(/^\d+$/.test(seedText!) && seed <= V2_MAX_SEED)) errors.push(`seed: must be an integer from 0 to ${V2_MAX_SEED}`)
  const outputFormat = fields['output_format'] ?? 'png'
  if (!OUTPUT_FORMATS.includes(outputFormat)) errors.push(`output_format: must be one of ${OUTPUT_FORMATS.join(', ')}`)
  if (fields['style_preset'] !== undefined && !STYLE_PRESETS.includes(fields['style_preset'])) errors.push(`style_preset: must be one of ${STYLE_PRESETS.join(', ')}`)
  const model = endpoint === 'sd3' ? (fields['model'] ?? 'sd3.5-large') : endpoint
  if (endpoint === 'sd3') {
    if (!SD3_MODELS.includes(model)) errors.push(`model: must be one of ${SD3_MODELS.join(', ')}`)
    if (fields['mode'] !== undefined && fields['mode'] !== 'text-to-image' && fields['mode'] !== 'image-to-image') errors.push('mode: must be text-to-image or image-to-image')
    const cfg = fields['cfg_scale'] === undefined ? undefined : Number(fields['cfg_scale'])
    if (cfg !== undefined && !(Number.isFinite(cfg) && cfg >= 1 && cfg <= 10)) errors.push('cfg_scale: must be a number from 1 to 10')
  }
  // Whatever else the vendored request schema refuses (vendored-schemas.ts); text fields read as numbers where it says so.
  const schemaProblem = errors.length === 0 ? checkVendoredSchema('stability', 'V2betaStableImage', fields, { form: true }) : undefined
  if (schemaProblem) errors.push(`${schemaProblem.path.slice(1).replaceAll('/', '.')}: ${schemaProblem.message}`)
  if (errors.length > 0) return v2Error(400, 'bad_request', ...errors)

  if (prompt!.includes(STABILITY_TRIGGERS.moderation)) {
    return v2Error(403, 'content_moderation', 'Your request was flagged by our content moderation system, as a result your request was denied and you were not charged.')
  }
  if (prompt!.includes(STABILITY_TRIGGERS.credits)) return v2Error(402, 'payment_required', CREDITS_MESSAGE)
  const finishReason = prompt!.includes(STABILITY_TRIGGERS.filtered) ? 'CONTENT_FILTERED' : 'SUCCESS'

  await delay(ctx.latencyMs)
  const usedSeed = pickSeed(seed, `${model}|${prompt}`, V2_MAX_SEED)
  const { width, height } = sizeForAspect(aspectRatio)
  // Image-to-image answers an image derived from the input, the input's size (sd3) or the ratio's (ultra).
  const png =
    image === undefined
      ? renderPng(width, height, ctx.imageKey(`${model}|${prompt}|${usedSeed}`))
      : renderDerivedPng([image.bytes], ctx.imageKey(`${model}|${prompt}|${usedSeed}`), endpoint === 'ultra' && fields['aspect_ratio'] !== undefined ? { width, height } : undefined)
  const headers: Record<string, string> = { 'x-request-id': newId() }
  if (outputFormat !== 'png') headers['x-emulator-note'] = `output_format ${outputFormat} is answered as png: the emulator renders PNG only`
  if (acceptsJson(req)) {
    return json(200, { image: png.toString('base64'), finish_reason: finishReason, seed: usedSeed }, { ...headers, 'content-type': 'application/json; type=image/png' })
  }
  return { status: 200, headers: { ...headers, 'content-type': 'image/png', 'finish-reason': finishReason, seed: String(usedSeed) }, body: png }
}

const V1_PATH = /^\/v1\/generation\/([^/]+)\/text-to-image$/
const V2_PATH = /^\/v2beta\/stable-image\/generate\/([^/]+)$/
const EDIT_PATH = /^\/v2beta\/stable-image\/edit\/([^/]+)$/

/** Stability AI's v1 and v2beta text-to-image endpoints under `/stability`. */
export const stabilityEmulator: EmulatorProvider = {
  id: 'stability',
  prefix: '/stability',
  env: (origin, key) => ({ STABILITY_BASE_URL: `${origin}/stability`, STABILITY_API_KEY: key }),
  handle(req, ctx) {
    const v1 = V1_PATH.exec(req.path)
    const v2 = V2_PATH.exec(req.path)
    if (v1) return req.method === 'POST' ? handleV1(decodeURIComponent(v1[1]!), req, ctx) : v1Error(405, 'method_not_allowed', `${req.method} is not allowed`)
    if (v2 && V2_FIELDS[v2[1]!]) return req.method === 'POST' ? handleV2(v2[1]!, req, ctx) : v2Error(405, 'method_not_allowed', `${req.method} is not allowed`)
    const edit = EDIT_PATH.exec(req.path)
    if (edit && isStabilityEditEndpoint(edit[1]!)) return req.method === 'POST' ? handleStabilityEdit(edit[1]!, req, ctx) : v2Error(405, 'method_not_allowed', `${req.method} is not allowed`)
    return v2Error(404, 'not_found', `${req.method} ${req.path}: no such endpoint`)
  },
}
