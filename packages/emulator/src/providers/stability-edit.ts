import { randomBytes } from 'node:crypto'
import { inputHasAlpha, inputSize, inputType, renderDerivedPng } from '../derive.js'
import { bearer, delay, json } from '../http-util.js'
import { seedOf } from '../png.js'
import type { EmulatorContext, EmulatorReply, EmulatorRequest } from '../types.js'

/**
 * Stability's image-input rules and its v2beta edit endpoints (issue 13), as the OpenAPI
 * description states them: `POST /v2beta/stable-image/edit/{inpaint,outpaint,search-and-replace}`
 * (multipart, `image` file part; inpaint takes a `mask` file or the image's alpha), and the image
 * checks shared with SD 3.5 / Ultra image-to-image (see stability.ts). Answers are derived from the
 * inputs (`renderDerivedPng`), so a test can see which bytes arrived.
 */

const V2_MAX_SEED = 4_294_967_294
const OUTPUT_FORMATS = ['png', 'jpeg', 'webp']
const STYLE_PRESETS = new Set([
  '3d-model', 'analog-film', 'anime', 'cinematic', 'comic-book', 'digital-art', 'enhance', 'fantasy-art', 'isometric',
  'line-art', 'low-poly', 'modeling-compound', 'neon-punk', 'origami', 'photographic', 'pixel-art', 'tile-texture',
])
/** Requests above 10 MiB are refused with 413 (stability.md; `/generate/sd3`: "maximum request size is 10MiB"). */
const MAX_REQUEST_BYTES = 10 * 1024 * 1024

/** Size rules of an `image` part. */
export interface StabilityImageRules {
  minSide: number
  maxSide?: number
  minPixels?: number
  maxPixels?: number
  /** Largest long side / short side. */
  maxAspect?: number
}

/** Rules of the edit endpoints' `image`: sides at least 64 px, 4,096 to 9,437,184 pixels. */
const EDIT_IMAGE: StabilityImageRules = { minSide: 64, minPixels: 4096, maxPixels: 9_437_184 }
/** Outpaint and search-and-replace also bound the aspect ratio to 1:2.5..2.5:1. */
const EDIT_IMAGE_BOUNDED: StabilityImageRules = { ...EDIT_IMAGE, maxAspect: 2.5 }

/** A read image part. */
export interface StabilityImagePart {
  bytes: Uint8Array
  width: number
  height: number
}

/** Reads and checks one image part; a string is the error message (`<name>: ...`). */
export async function readStabilityImage(name: string, value: File | string | null, rules: StabilityImageRules | undefined): Promise<StabilityImagePart | string> {
  if (value === null) return `${name}: is required`
  if (typeof value === 'string') return `${name}: must be a file part, not a text field`
  const bytes = new Uint8Array(await value.arrayBuffer())
  if (inputType(bytes) === undefined) return `${name}: unsupported format; supported formats are jpeg, png and webp`
  const size = inputSize(bytes)
  if (size === undefined) return `${name}: could not read the image dimensions`
  const { width, height } = size
  if (rules !== undefined) {
    if (Math.min(width, height) < rules.minSide) return `${name}: every side must be at least ${rules.minSide} pixels; got ${width}x${height}`
    if (rules.maxSide !== undefined && Math.max(width, height) > rules.maxSide) return `${name}: width and height must be at most ${rules.maxSide} pixels; got ${width}x${height}`
    if (rules.minPixels !== undefined && width * height < rules.minPixels) return `${name}: total pixel count must be at least ${rules.minPixels}; got ${width * height}`
    if (rules.maxPixels !== undefined && width * height > rules.maxPixels) return `${name}: total pixel count must be at most ${rules.maxPixels}; got ${width * height}`
    if (rules.maxAspect !== undefined && Math.max(width, height) / Math.min(width, height) > rules.maxAspect) return `${name}: the aspect ratio must be between 1:${rules.maxAspect} and ${rules.maxAspect}:1; got ${width}x${height}`
  }
  return { bytes, width, height }
}

/** One edit endpoint: its text fields (file parts are `image` and, on inpaint, `mask`). */
interface EditEndpoint {
  fields: ReadonlySet<string>
  mask: boolean
  prompt: 'required' | 'optional' | 'none'
  image: StabilityImageRules
  growMaskMax?: number
}

const COMMON = ['seed', 'output_format', 'style_preset']
const EDITS: Record<string, EditEndpoint> = {
  inpaint: { fields: new Set(['prompt', 'negative_prompt', 'grow_mask', ...COMMON]), mask: true, prompt: 'required', image: EDIT_IMAGE, growMaskMax: 100 },
  outpaint: { fields: new Set(['prompt', 'left', 'right', 'up', 'down', 'creativity', ...COMMON]), mask: false, prompt: 'optional', image: EDIT_IMAGE_BOUNDED },
  'search-and-replace': { fields: new Set(['prompt', 'search_prompt', 'negative_prompt', 'grow_mask', ...COMMON]), mask: false, prompt: 'required', image: EDIT_IMAGE_BOUNDED, growMaskMax: 20 },
}

/** Whether `kind` is an emulated edit endpoint. */
export function isStabilityEditEndpoint(kind: string): boolean {
  return Object.hasOwn(EDITS, kind)
}

/** v2beta envelope `{ id, name, errors }`. */
export function v2Error(status: number, name: string, ...errors: string[]): EmulatorReply {
  const id = randomBytes(16).toString('hex')
  return json(status, { id, name, errors }, { 'x-request-id': id })
}

/** The v2beta multipart form, or the error the service answers: it takes only multipart/form-data, even when every field is text. */
export async function readV2Form(req: EmulatorRequest): Promise<FormData | EmulatorReply> {
  if (!String(req.headers['content-type'] ?? '').startsWith('multipart/form-data')) return v2Error(400, 'bad_request', 'content-type: must be multipart/form-data')
  try {
    return await req.formData()
  } catch {
    return v2Error(400, 'bad_request', 'body: could not parse the multipart form')
  }
}

/** The v2beta answer: JSON `{ image, finish_reason, seed }` or the bytes with `finish-reason` and `seed` headers. */
export function stabilityImageReply(req: EmulatorRequest, png: Buffer, seed: number, outputFormat: string): EmulatorReply {
  const headers: Record<string, string> = { 'x-request-id': randomBytes(16).toString('hex') }
  if (outputFormat !== 'png') headers['x-emulator-note'] = `output_format ${outputFormat} is answered as png: the emulator renders PNG only`
  if (String(req.headers['accept'] ?? '').includes('application/json')) {
    return json(200, { image: png.toString('base64'), finish_reason: 'SUCCESS', seed }, { ...headers, 'content-type': 'application/json; type=image/png' })
  }
  return { status: 200, headers: { ...headers, 'content-type': 'image/png', 'finish-reason': 'SUCCESS', seed: String(seed) }, body: png }
}

const isIntText = (text: string | undefined, min: number, max: number): boolean => text !== undefined && /^\d+$/.test(text) && Number(text) >= min && Number(text) <= max

/** `POST /v2beta/stable-image/edit/{inpaint,outpaint,search-and-replace}`. */
export async function handleStabilityEdit(kind: string, req: EmulatorRequest, ctx: EmulatorContext): Promise<EmulatorReply> {
  const endpoint = EDITS[kind]!
  const key = bearer(req.headers['authorization'] as string | undefined)
  if (key === undefined) return v2Error(401, 'unauthorized', 'authorization: missing or malformed; send Authorization: Bearer <key>')
  if (key !== ctx.keys['stability']) return v2Error(401, 'unauthorized', 'authorization: invalid API key')
  if (req.body.length > MAX_REQUEST_BYTES) return v2Error(413, 'payload_too_large', `body: requests are limited to ${MAX_REQUEST_BYTES} bytes`)
  const form = await readV2Form(req)
  if (!(form instanceof FormData)) return form
  const fields: Record<string, string> = {}
  for (const [name, value] of form.entries()) {
    if (name === 'image' || (name === 'mask' && endpoint.mask)) continue
    if (!endpoint.fields.has(name)) return v2Error(400, 'bad_request', `${name}: unknown field for /edit/${kind}`)
    if (typeof value !== 'string') return v2Error(400, 'bad_request', `${name}: must be a text field`)
    fields[name] = value
  }
  const errors: string[] = []
  const image = await readStabilityImage('image', form.get('image'), endpoint.image)
  if (typeof image === 'string') errors.push(image)
  // A mask of another size is resized by the service, so only its type is checked.
  const mask = endpoint.mask && form.get('mask') !== null ? await readStabilityImage('mask', form.get('mask'), undefined) : undefined
  if (typeof mask === 'string') errors.push(mask)
  if (kind === 'inpaint' && mask === undefined && typeof image !== 'string' && !inputHasAlpha(image.bytes)) {
    errors.push('mask: is required when the image has no alpha channel')
  }
  const prompt = fields['prompt']
  if (endpoint.prompt === 'required' && (prompt === undefined || prompt.length === 0)) errors.push('prompt: is required')
  if ((prompt?.length ?? 0) > 10_000) errors.push('prompt: must be at most 10000 characters')
  if ((fields['negative_prompt']?.length ?? 0) > 10_000) errors.push('negative_prompt: must be at most 10000 characters')
  if (kind === 'search-and-replace' && !fields['search_prompt']) errors.push('search_prompt: is required')
  if (fields['grow_mask'] !== undefined && !isIntText(fields['grow_mask'], 0, endpoint.growMaskMax ?? 0)) errors.push(`grow_mask: must be an integer from 0 to ${endpoint.growMaskMax}`)
  if (fields['seed'] !== undefined && !isIntText(fields['seed'], 0, V2_MAX_SEED)) errors.push(`seed: must be an integer from 0 to ${V2_MAX_SEED}`)
  const outputFormat = fields['output_format'] ?? 'png'
  if (!OUTPUT_FORMATS.includes(outputFormat)) errors.push(`output_format: must be one of ${OUTPUT_FORMATS.join(', ')}`)
  if (fields['style_preset'] !== undefined && !STYLE_PRESETS.has(fields['style_preset'])) errors.push('style_preset: unknown preset')
  let pad = { left: 0, right: 0, up: 0, down: 0 }
  if (kind === 'outpaint') {
    for (const side of ['left', 'right', 'up', 'down'] as const) {
      const value = fields[side]
      if (value === undefined) continue
      if (!isIntText(value, 0, 2000)) errors.push(`${side}: must be an integer from 0 to 2000`)
      else pad = { ...pad, [side]: Number(value) }
    }
    if (pad.left + pad.right + pad.up + pad.down === 0) errors.push('left, right, up, down: at least one outpainting direction must be supplied with a non-zero value')
    const creativity = fields['creativity']
    if (creativity !== undefined && !(Number.isFinite(Number(creativity)) && Number(creativity) >= 0 && Number(creativity) <= 1)) errors.push('creativity: must be a number from 0 to 1')
  }
  if (errors.length > 0 || typeof image === 'string' || typeof mask === 'string') return v2Error(400, 'bad_request', ...errors)

  await delay(ctx.latencyMs)
  const inputs = mask === undefined ? [image.bytes] : [image.bytes, mask.bytes]
  const size = { width: image.width + pad.left + pad.right, height: image.height + pad.up + pad.down }
  const seedText = fields['seed']
  const seed = seedText !== undefined && seedText !== '0' ? Number(seedText) : 1 + (seedOf(`${kind}|${prompt ?? ''}`) % V2_MAX_SEED)
  const png = renderDerivedPng(inputs, ctx.imageKey(`${kind}|${prompt ?? ''}|${seed}`), size)
  return stabilityImageReply(req, png, seed, outputFormat)
}
