import { randomUUID } from 'node:crypto'
import { PNG } from 'pngjs'
import { inputDigest, inputSize, inputType, renderDerivedPng } from '../derive.js'
import { bearer, delay, json, text } from '../http-util.js'
import { renderSvg } from '../png.js'
import type { EmulatorContext, EmulatorReply, EmulatorRequest } from '../types.js'

/**
 * Recraft's image-input endpoints (issue 13) under `/recraft/v1`: `POST /images/imageToImage`
 * (image + prompt + strength) and `POST /images/inpaint` (image + mask + prompt), multipart, as
 * Recraft's tool pages state them: image-to-image on V3, V4 and V4.1 models, inpainting on V3 only;
 * PNG, JPG or WEBP inputs up to 10 MB and 16 MP with sides of 256-4096 px; the mask exactly the
 * image's size, every pixel pure black or pure white. Raster answers are derived from the inputs
 * (`renderDerivedPng`), so a test can see which bytes arrived.
 */

/** The two endpoints by path, with the models that take them and their text fields. */
const ENDPOINTS: Record<string, { models: ReadonlySet<string>; fields: ReadonlySet<string>; mask: boolean }> = {
  '/v1/images/imageToImage': {
    models: new Set(['recraftv3', 'recraftv3_vector', 'recraftv4', 'recraftv4_vector', 'recraftv4_pro', 'recraftv4_pro_vector', 'recraftv4_1', 'recraftv4_1_vector', 'recraftv4_1_pro', 'recraftv4_1_pro_vector']),
    fields: new Set(['prompt', 'strength', 'n', 'model', 'response_format', 'style', 'substyle', 'style_id', 'negative_prompt']),
    mask: false,
  },
  '/v1/images/inpaint': {
    models: new Set(['recraftv3', 'recraftv3_vector']),
    fields: new Set(['prompt', 'n', 'model', 'response_format', 'style', 'substyle', 'style_id', 'negative_prompt']),
    mask: true,
  },
}
const MAX_BYTES = 10 * 1024 * 1024
const MAX_PIXELS = 16_777_216

/** Whether a path is one of Recraft's emulated image-input endpoints. */
export function isRecraftImageEndpoint(path: string): boolean {
  return Object.hasOwn(ENDPOINTS, path)
}

function error(status: number, code: string, message: string): EmulatorReply {
  return json(status, { code, message })
}

interface ReadImage {
  bytes: Uint8Array
  width: number
  height: number
  type: string
}

async function readImage(name: string, value: File | string | null): Promise<ReadImage | string> {
  if (value === null) return `${name} is required`
  if (typeof value === 'string') return `${name} must be a file`
  const bytes = new Uint8Array(await value.arrayBuffer())
  const type = inputType(bytes)
  if (type === undefined) return `${name} must be a PNG, JPG or WEBP image`
  if (bytes.byteLength > MAX_BYTES) return `${name} is too large: ${bytes.byteLength} bytes, at most ${MAX_BYTES}`
  const size = inputSize(bytes)
  if (size === undefined) return `${name}: could not read the image dimensions`
  const { width, height } = size
  if (Math.min(width, height) < 256 || Math.max(width, height) > 4096) return `${name} sides must be between 256 and 4096 pixels, got ${width}x${height}`
  if (width * height > MAX_PIXELS) return `${name} must be at most 16 MP, got ${width}x${height}`
  return { bytes, width, height, type }
}

/** A PNG mask must hold pure black and pure white pixels only (grey, colour or transparency are refused). */
function maskProblem(mask: ReadImage): string | undefined {
  if (mask.type !== 'image/png') return undefined
  let decoded: PNG
  try {
    decoded = PNG.sync.read(Buffer.from(mask.bytes))
  } catch {
    return 'mask could not be decoded'
  }
  const d = decoded.data
  for (let i = 0; i < d.length; i += 4) {
    const [r, g, b, a] = [d[i]!, d[i + 1]!, d[i + 2]!, d[i + 3]!]
    if (a !== 255 || r !== g || g !== b || (r !== 0 && r !== 255)) return 'mask must be a black and white image: every pixel pure black (0) or pure white (255)'
  }
  return undefined
}

/** `POST /v1/images/imageToImage` and `POST /v1/images/inpaint`. */
export async function handleRecraftImage(req: EmulatorRequest, ctx: EmulatorContext): Promise<EmulatorReply> {
  const endpoint = ENDPOINTS[req.path]!
  if (req.method !== 'POST') return text(405, 'Method Not Allowed')
  if (bearer(req.headers['authorization'] as string | undefined) !== ctx.keys['recraft']) return text(401, 'request unauthorized')
  if (!String(req.headers['content-type'] ?? '').startsWith('multipart/form-data')) return error(400, 'invalid_content_type', 'this emulator takes these endpoints as multipart/form-data')
  let form: FormData
  try {
    form = await req.formData()
  } catch {
    return error(400, 'invalid_form', 'could not parse the multipart form')
  }
  const fields: Record<string, string> = {}
  for (const [name, value] of form.entries()) {
    if (name === 'image' || (name === 'mask' && endpoint.mask)) continue
    if (!endpoint.fields.has(name)) return error(400, 'unknown_parameter', `unknown parameter: ${name}`)
    if (typeof value !== 'string') return error(400, 'invalid_parameter', `${name} must be a text field`)
    fields[name] = value
  }
  const modelId = fields['model'] ?? 'recraftv3'
  if (!endpoint.models.has(modelId)) return error(400, 'invalid_model', `model ${modelId} does not support ${req.path.slice('/v1/images/'.length)}; use one of ${[...endpoint.models].join(', ')}`)
  const v3 = modelId.startsWith('recraftv3')
  const prompt = fields['prompt']
  if (prompt === undefined || prompt.length === 0) return error(422, 'invalid_prompt', 'prompt is required')
  const promptMax = v3 ? 1000 : 10_000
  if (prompt.length > promptMax) return error(400, 'prompt_too_long', `prompt is too long: ${prompt.length} characters, at most ${promptMax} for ${modelId}`)
  if (!endpoint.mask) {
    const strength = fields['strength'] === undefined ? Number.NaN : Number(fields['strength'])
    if (!(strength >= 0 && strength <= 1)) return error(400, 'invalid_strength', 'strength is required and must be a number from 0 to 1')
  }
  const n = Number(fields['n'] ?? '1')
  if (!Number.isInteger(n) || n < 1 || n > 6) return error(400, 'invalid_n', `n must be an integer from 1 to 6, got ${fields['n']}`)
  const format = fields['response_format'] ?? 'url'
  if (format !== 'url' && format !== 'b64_json') return error(400, 'invalid_response_format', `response_format must be url or b64_json, got ${format}`)
  for (const name of ['style', 'substyle', 'style_id', 'negative_prompt']) {
    if (fields[name] !== undefined && !v3) return error(400, 'unsupported_parameter', `${name} is not supported for model ${modelId}`)
  }
  const image = await readImage('image', form.get('image'))
  if (typeof image === 'string') return error(400, 'invalid_image', image)
  let mask: ReadImage | undefined
  if (endpoint.mask) {
    const read = await readImage('mask', form.get('mask'))
    if (typeof read === 'string') return error(400, 'invalid_mask', read)
    if (read.width !== image.width || read.height !== image.height) return error(400, 'invalid_mask', `mask must be the same size as the image: mask ${read.width}x${read.height}, image ${image.width}x${image.height}`)
    const problem = maskProblem(read)
    if (problem) return error(400, 'invalid_mask', problem)
    mask = read
  }

  await delay(ctx.latencyMs)
  const inputs = mask === undefined ? [image.bytes] : [image.bytes, mask.bytes]
  const vector = modelId.endsWith('_vector')
  const data = Array.from({ length: n }, (_, i) => {
    const key = ctx.imageKey(`${modelId}|${prompt}|${i}`)
    // SVG has no PNG text chunk: a vector answer names its inputs in the key it is drawn from.
    const bytes = vector ? renderSvg(image.width, image.height, `${key}|${inputs.map(inputDigest).join(',')}`) : renderDerivedPng(inputs, key)
    const type = vector ? 'image/svg+xml' : 'image/png'
    const out = format === 'b64_json' ? { b64_json: bytes.toString('base64') } : { url: ctx.files.put(bytes, type, 24 * 60 * 60 * 1000) }
    return { ...out, image_id: randomUUID() }
  })
  return json(200, { created: Math.floor(Date.now() / 1000), credits: (vector ? 80 : 40) * n, data }, { 'x-request-id': randomUUID() })
}
