import { randomUUID } from 'node:crypto'
import { bearer, delay, json, parseSize, text } from '../http-util.js'
import { renderPng, renderSvg } from '../png.js'
import type { EmulatorProvider, EmulatorReply } from '../types.js'
import { handleRecraftImage, isRecraftImageEndpoint } from './recraft-edit.js'
import { checkVendoredSchema } from '../vendored-schemas.js'

/** Aspect ratio → pixel size, per family (shared/providers/recraft.md, "Sizes"). */
const ASPECTS = ['1:1', '2:1', '1:2', '3:2', '2:3', '4:3', '3:4', '5:4', '4:5', '6:10', '14:10', '10:14', '16:9', '9:16'] as const
const V3_PIXELS = ['1024x1024', '2048x1024', '1024x2048', '1536x1024', '1024x1536', '1365x1024', '1024x1365', '1280x1024', '1024x1280', '1024x1707', '1434x1024', '1024x1434', '1820x1024', '1024x1820']
const V4_PIXELS = ['1024x1024', '1536x768', '768x1536', '1280x832', '832x1280', '1216x896', '896x1216', '1152x896', '896x1152', '832x1344', '1280x896', '896x1280', '1344x768', '768x1344']
const V4_PRO_PIXELS = ['2048x2048', '3072x1536', '1536x3072', '2560x1664', '1664x2560', '2432x1792', '1792x2432', '2304x1792', '1792x2304', '1664x2688', '2560x1792', '1792x2560', '2688x1536', '1536x2688']

interface Model {
  /** Pixel sizes in ASPECTS order. */
  pixels: string[]
  vector: boolean
  /** Base styles; empty: the model takes no style, substyle or style_id (V4). */
  styles: string[]
  negativePrompt: boolean
  textLayout: boolean
  promptMax: number
  /** V4 Styles: renders only in a custom style, so style_id is required and style/substyle refused. */
  styleIdOnly?: boolean
}

const V2_STYLES = ['any', 'realistic_image', 'digital_illustration', 'vector_illustration', 'icon']
const V3_STYLES = ['any', 'realistic_image', 'digital_illustration', 'vector_illustration', 'logo_raster']
const MODELS: Record<string, Model> = {
  recraftv2: { pixels: V3_PIXELS, vector: false, styles: V2_STYLES, negativePrompt: true, textLayout: false, promptMax: 1000 },
  recraftv2_vector: { pixels: V3_PIXELS, vector: true, styles: V2_STYLES, negativePrompt: true, textLayout: false, promptMax: 1000 },
  recraftv3: { pixels: V3_PIXELS, vector: false, styles: V3_STYLES, negativePrompt: true, textLayout: true, promptMax: 1000 },
  recraftv3_vector: { pixels: V3_PIXELS, vector: true, styles: V3_STYLES, negativePrompt: true, textLayout: false, promptMax: 1000 },
  recraftv4: { pixels: V4_PIXELS, vector: false, styles: [], negativePrompt: false, textLayout: false, promptMax: 10_000 },
  recraftv4_vector: { pixels: V4_PIXELS, vector: true, styles: [], negativePrompt: false, textLayout: false, promptMax: 10_000 },
  recraftv4_pro: { pixels: V4_PRO_PIXELS, vector: false, styles: [], negativePrompt: false, textLayout: false, promptMax: 10_000 },
  recraftv4_pro_vector: { pixels: V4_PRO_PIXELS, vector: true, styles: [], negativePrompt: false, textLayout: false, promptMax: 10_000 },
  recraftv4_1: { pixels: V4_PIXELS, vector: false, styles: [], negativePrompt: false, textLayout: false, promptMax: 10_000 },
  recraftv4_1_vector: { pixels: V4_PIXELS, vector: true, styles: [], negativePrompt: false, textLayout: false, promptMax: 10_000 },
  recraftv4_1_pro: { pixels: V4_PRO_PIXELS, vector: false, styles: [], negativePrompt: false, textLayout: false, promptMax: 10_000 },
  recraftv4_1_pro_vector: { pixels: V4_PRO_PIXELS, vector: true, styles: [], negativePrompt: false, textLayout: false, promptMax: 10_000 },
  recraftv4_styles: { pixels: V4_PIXELS, vector: false, styles: [], negativePrompt: false, textLayout: false, promptMax: 10_000, styleIdOnly: true },
  recraftv4_styles_vector: { pixels: V4_PIXELS, vector: true, styles: [], negativePrompt: false, textLayout: false, promptMax: 10_000, styleIdOnly: true },
  recraftv4_styles_pro: { pixels: V4_PRO_PIXELS, vector: false, styles: [], negativePrompt: false, textLayout: false, promptMax: 10_000, styleIdOnly: true },
  recraftv4_styles_pro_vector: { pixels: V4_PRO_PIXELS, vector: true, styles: [], negativePrompt: false, textLayout: false, promptMax: 10_000, styleIdOnly: true },
}

/** Substyles by family, as listed in Recraft's appendix (a named substyle outside these is refused). */
const SUBSTYLES: Record<string, string[]> = {
  realistic_image: ['b_and_w', 'enterprise', 'evening_light', 'faded_nostalgia', 'forest_life', 'hard_flash', 'hdr', 'motion_blur', 'mystic_naturalism', 'natural_light', 'natural_tones', 'organic_calm', 'real_life_glow', 'retro_realism', 'retro_snapshot', 'studio_portrait', 'urban_drama', 'village_realism', 'warm_folk'],
  digital_illustration: ['2d_art_poster', '2d_art_poster_2', 'antiquarian', 'bold_fantasy', 'child_book', 'child_books', 'cover', 'crosshatch', 'digital_engraving', 'engraving_color', 'expressionism', 'freehand_details', 'grain', 'grain_20', 'graphic_intensity', 'hand_drawn', 'hand_drawn_outline', 'handmade_3d', 'hard_comics', 'infantile_sketch', 'long_shadow', 'modern_folk', 'multicolor', 'neon_calm', 'noir', 'nostalgic_pastel', 'outline_details', 'pastel_gradient', 'pastel_sketch', 'pixel_art', 'plastic', 'pop_art', 'pop_renaissance', 'seamless', 'street_art', 'tablet_sketch', 'urban_glow', 'urban_sketching', 'vanilla_dreams', 'young_adult_book', 'young_adult_book_2'],
  vector_illustration: ['bold_stroke', 'chemistry', 'colored_stencil', 'contour_pop_art', 'cosmics', 'cutout', 'depressive', 'editorial', 'emotional_flat', 'engraving', 'infographical', 'line_art', 'line_circuit', 'linocut', 'marker_outline', 'mosaic', 'naivector', 'roundish_flat', 'segmented_colors', 'sharp_contrast', 'thin', 'vector_photo', 'vivid_shapes'],
  icon: ['broken_line', 'colored_outline', 'colored_shapes', 'colored_shapes_gradient', 'doodle_fill', 'doodle_offset_fill', 'offset_fill', 'outline', 'outline_gradient', 'uneven_fill'],
  logo_raster: ['emblem_graffiti', 'emblem_pop_art', 'emblem_punk', 'emblem_stamp', 'emblem_vintage'],
}

const KNOWN_FIELDS = new Set(['prompt', 'model', 'n', 'size', 'style', 'substyle', 'style_id', 'response_format', 'negative_prompt', 'controls', 'text_layout'])

/** Prompts containing these words trigger the service's real refusals, for end-to-end tests. */
export const RECRAFT_TRIGGERS = Object.freeze({ contentPolicy: 'emulator:content-policy', quota: 'emulator:quota' })

/** Recraft's JSON error body. */
function error(status: number, code: string, message: string): EmulatorReply {
  return json(status, { code, message })
}

/** Pixel size of a request's `size` (listed `WxH` or an aspect `w:h`), or undefined when the model does not take it. */
function pixelsOf(model: Model, size: string): { width: number; height: number } | undefined {
  const aspect = ASPECTS.indexOf(size as (typeof ASPECTS)[number])
  if (aspect >= 0) return parseSize(model.pixels[aspect])
  return model.pixels.includes(size) ? parseSize(size) : undefined
}

function substyleOk(style: string, substyle: string): boolean {
  const list = SUBSTYLES[style]
  return list !== undefined && (list.includes(substyle) || (substyle.startsWith(`${style}_`) && list.includes(substyle.slice(style.length + 1))))
}

/** Named styles ("Recraft V3 Raw", "Photorealism") are open strings; base styles are checked per model. */
function isNamedStyle(style: string): boolean {
  return /^[A-Z]/.test(style)
}

function checkControls(controls: unknown): string | undefined {
  if (controls === undefined || controls === null) return undefined
  if (typeof controls !== 'object' || Array.isArray(controls)) return 'controls must be an object'
  const level = (controls as Record<string, unknown>)['artistic_level']
  if (level !== undefined && (typeof level !== 'number' || !Number.isInteger(level) || level < 0 || level > 5)) return 'controls.artistic_level must be an integer from 0 to 5'
  return undefined
}

/** Recraft's `POST /v1/images/generations` under `/recraft` (base URL `${origin}/recraft/v1`). */
export const recraftEmulator: EmulatorProvider = {
  id: 'recraft',
  prefix: '/recraft',
  env: (origin, key) => ({ RECRAFT_BASE_URL: `${origin}/recraft/v1`, RECRAFT_API_KEY: key }),
  async handle(req, ctx) {
    // Image inputs (issue 13): imageToImage and inpaint, multipart (recraft-edit.ts).
    if (isRecraftImageEndpoint(req.path)) return handleRecraftImage(req, ctx)
    // Recraft's router answers unknown paths with Go's plain-text 404 (docs: error-handling).
    if (req.path !== '/v1/images/generations') return text(404, '404 page not found')
    if (req.method !== 'POST') return text(405, 'Method Not Allowed')
    if (bearer(req.headers['authorization'] as string | undefined) !== ctx.keys['recraft']) return text(401, 'request unauthorized')
    const body = req.json() as Record<string, unknown> | undefined
    if (!body || typeof body !== 'object' || Array.isArray(body)) return error(422, 'invalid_json', 'request body must be a JSON object')
    const unknown = Object.keys(body).find((field) => !KNOWN_FIELDS.has(field))
    if (unknown !== undefined) return error(400, 'unknown_parameter', `unknown parameter: ${unknown}`)

    const modelId = (body['model'] as string | null | undefined) ?? 'recraftv4'
    const model = MODELS[modelId]
    if (!model) return error(400, 'invalid_model', `model ${String(modelId)} is not supported; use one of ${Object.keys(MODELS).join(', ')}`)
    const prompt = body['prompt']
    if (typeof prompt !== 'string' || prompt.length === 0) return error(422, 'invalid_prompt', 'prompt is required')
    if (prompt.length > model.promptMax) return error(400, 'prompt_too_long', `prompt is too long: ${prompt.length} characters, at most ${model.promptMax} for ${modelId}`)
    const n = body['n'] ?? 1
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 6) return error(400, 'invalid_n', `n must be an integer from 1 to 6, got ${JSON.stringify(n)}`)

    const size = (body['size'] as string | null | undefined) ?? (model.vector ? '1:1' : model.pixels[0]!)
    const pixels = typeof size === 'string' ? pixelsOf(model, size) : undefined
    if (!pixels) return error(400, 'invalid_size', `size ${JSON.stringify(size)} is not supported by ${modelId}; use one of ${model.pixels.join(', ')} or an aspect ratio ${ASPECTS.join(', ')}`)

    const style = body['style'] as string | null | undefined
    const substyle = body['substyle'] as string | null | undefined
    const styleId = body['style_id'] as string | null | undefined
    if (model.styleIdOnly) {
      const given = style != null ? 'style' : substyle != null ? 'substyle' : undefined
      if (given) return error(400, 'style_not_supported', `${given} is not supported for model ${modelId}; it takes a style_id`)
      if (typeof styleId !== 'string' || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(styleId)) return error(400, 'invalid_style_id', `model ${modelId} requires style_id (a style UUID)`)
    } else if (model.styles.length === 0) {
      const given = style != null ? 'style' : styleId != null ? 'style_id' : substyle != null ? 'substyle' : undefined
      if (given) return error(400, 'style_not_supported', `${given} is not supported for model ${modelId}`)
    }
    if (style != null && styleId != null) return error(400, 'invalid_style', 'style and style_id are mutually exclusive')
    if (style != null && !isNamedStyle(style) && !model.styles.includes(style)) return error(400, 'invalid_style', `style ${style} is not available for model ${modelId}`)
    if (substyle != null && (style == null || !substyleOk(style, substyle))) {
      return error(400, 'invalid_substyle', `substyle ${substyle} does not belong to style ${String(style ?? model.styles[1])}`)
    }
    if (body['negative_prompt'] != null && !model.negativePrompt) return error(400, 'unsupported_parameter', `negative_prompt is not supported for model ${modelId}`)
    if (body['text_layout'] != null && !model.textLayout) return error(400, 'unsupported_parameter', `text_layout is not supported for model ${modelId}`)
    const controlsProblem = checkControls(body['controls'])
    if (controlsProblem) return error(422, 'invalid_controls', controlsProblem)
    const format = (body['response_format'] as string | null | undefined) ?? 'url'
    if (format !== 'url' && format !== 'b64_json') return error(400, 'invalid_response_format', `response_format must be url or b64_json, got ${format}`)
    // Whatever else the vendored request schema refuses (vendored-schemas.ts).
    const schemaProblem = checkVendoredSchema('recraft', 'GenerateImageRequest', body)
    if (schemaProblem) return error(400, 'invalid_parameter', `${schemaProblem.path.slice(1).replaceAll('/', '.') || 'body'}: ${schemaProblem.message}`)

    if (prompt.includes(RECRAFT_TRIGGERS.contentPolicy)) return error(400, 'inappropriate_content', 'the prompt contains inappropriate content')
    if (prompt.includes(RECRAFT_TRIGGERS.quota)) return error(402, 'not_enough_credits', 'insufficient API units balance: top up to continue')

    await delay(ctx.latencyMs)
    const data = Array.from({ length: n }, (_, i) => {
      const key = `${modelId}|${prompt}|${i}`
      const bytes = model.vector ? renderSvg(pixels.width, pixels.height, key) : renderPng(pixels.width, pixels.height, ctx.imageKey(key))
      const type = model.vector ? 'image/svg+xml' : 'image/png'
      const image = format === 'b64_json' ? { b64_json: bytes.toString('base64') } : { url: ctx.files.put(bytes, type, 24 * 60 * 60 * 1000) }
      return { ...image, image_id: randomUUID() }
    })
    return json(200, { created: Math.floor(Date.now() / 1000), data }, { 'x-request-id': randomUUID() })
  },
}
