import { bearer, delay, json } from '../http-util.js'
import { type EmulatedJob, JobStore } from '../jobs.js'
import { freshDraw, renderPng } from '../png.js'
import type { EmulatorContext, EmulatorProvider, EmulatorReply, EmulatorRequest } from '../types.js'
import { checkVendoredSchema, vendoredSchema } from '../vendored-schemas.js'
import { inputSize, renderDerivedPng } from '../derive.js'
import { documentBytes } from './fal-image-inputs.js'

/** The only API version the emulated API speaks (shared/providers/runway.md §1). */
const API_VERSION = '2024-11-06'

const GEN4_RATIOS = [
  '1920:1080', '1080:1920', '1024:1024', '1080:1080', '1360:768', '1168:880', '1440:1080', '1080:1440', '1808:768', '2112:912',
  '1280:720', '720:1280', '720:720', '960:720', '720:960', '1680:720',
]
const GPT_IMAGE_2_RATIOS = [
  '2048:880', '1920:1088', '1920:1280', '1920:1440', '1920:1536', '1920:1920', '1536:1920', '1440:1920', '1280:1920', '1088:1920',
  '2912:1248', '2560:1440', '2560:1712', '2560:1920', '2560:2048', '2560:2560', '2048:2560', '1920:2560', '1712:2560', '1440:2560',
  '3840:1648', '3840:2160', '3504:2336', '3264:2448', '3200:2560', '2880:2880', '2560:3200', '2448:3264', '2336:3504', '2160:3840', 'auto',
]
const GEMINI_1K = ['1344:768', '768:1344', '1024:1024', '1184:864', '864:1184', '1536:672', '832:1248', '1248:832', '896:1152', '1152:896']
const GEMINI_2K_4K = [
  '2048:2048', '1696:2528', '2528:1696', '1792:2400', '2400:1792', '1856:2304', '2304:1856', '1536:2752', '2752:1536', '3168:1344',
  '4096:4096', '3392:5056', '5056:3392', '3584:4800', '4800:3584', '3712:4608', '4608:3712', '3072:5504', '5504:3072', '6336:2688',
]
const GEMINI_FLASH_EXTRA = [
  '512:512', '416:624', '624:416', '432:592', '592:432', '448:576', '576:448', '384:672', '672:384', '768:336',
  '256:1024', '1024:256', '176:1408', '1408:176', '512:2048', '2048:512', '352:2816', '2816:352',
  '1024:4096', '4096:1024', '704:5632', '5632:704', '2048:8192', '8192:2048', '1408:11264', '11264:1408',
]
const MUSE_RATIOS = ['2352:1008', '2016:1152', '1920:1280', '1792:1344', '1600:1600', '1344:1792', '1280:1920', '1152:2016', 'auto']
const SEEDREAM5_PRO_RATIOS = [
  '1024:1024', '1184:896', '896:1184', '1376:768', '768:1376', '1296:864', '864:1296',
  '2048:2048', '2304:1728', '1728:2304', '2720:1530', '1530:2720', '2496:1664', '1664:2496', 'auto_1k', 'auto_2k',
]
const SEEDREAM5_LITE_RATIOS = [
  '2048:2048', '2304:1728', '1728:2304', '2848:1600', '1600:2848', '2496:1664', '1664:2496', '3136:1344',
  '3072:3072', '3456:2592', '2592:3456', '4096:2304', '2304:4096', '3744:2496', '2496:3744', '4704:2016',
]
const GROK_IMAGINE_2_RATIOS = [
  '1024:1024', '1280:720', '720:1280', '1152:864', '864:1152', '1248:832', '832:1248', '1248:576', '576:1248', '1280:576', '576:1280', '1408:704', '704:1408',
  '2048:2048', '2816:1584', '1584:2816', '2368:1776', '1776:2368', '2496:1664', '1664:2496', '2912:1344', '1344:2912', '3200:1440', '1440:3200', '2912:1456', '1456:2912', 'auto_1k', 'auto_2k',
]
/** `outputCount` 1-10: gpt_image_2_5's documented range; the others' SDK types say only `number`, and the emulator takes the same range. */
const ANY_COUNT = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]

/** "Up to five of those images can pass subject: human ... up to nine ... object" (SDK 4.20.1, Gemini 3). */
const GEMINI_SUBJECTS = { human: 5, object: 9 }

interface ModelRules {
  ratios: readonly string[]
  /** Reference images allowed, and required minimum; `tag` false where the SDK type is `{ uri }` only, `uniqueTags` where tags must differ. */
  refs: { min: number; max: number; tag?: boolean; uniqueTags?: boolean; subjects?: { human: number; object: number } }
  /** Allowed `outputCount` values; empty when the model has no such field. */
  outputCounts: readonly number[]
  /** Extra body fields the model takes, beyond model, promptText, ratio, referenceImages, outputCount. */
  fields: readonly string[]
  promptMax: number | undefined
}

/** Per-model rules of `POST /v1/text_to_image` (runwayml/sdk-node `TextToImageCreateParams`). */
const MODELS: Record<string, ModelRules> = {
  gen4_image: { ratios: GEN4_RATIOS, refs: { min: 0, max: 3 }, outputCounts: [], fields: ['seed', 'contentModeration'], promptMax: 1000 },
  gen4_image_turbo: { ratios: GEN4_RATIOS, refs: { min: 1, max: 3 }, outputCounts: [], fields: ['seed', 'contentModeration'], promptMax: 1000 },
  gpt_image_2: { ratios: GPT_IMAGE_2_RATIOS, refs: { min: 0, max: 16, uniqueTags: true }, outputCounts: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], fields: ['quality', 'background'], promptMax: 32_000 },
  gpt_image_2_5_flare: { ratios: GPT_IMAGE_2_RATIOS, refs: { min: 0, max: 16, uniqueTags: true }, outputCounts: ANY_COUNT, fields: ['quality', 'background'], promptMax: undefined },
  gpt_image_2_5_sunburst: { ratios: GPT_IMAGE_2_RATIOS, refs: { min: 0, max: 16, uniqueTags: true }, outputCounts: ANY_COUNT, fields: ['quality', 'background'], promptMax: undefined },
  muse_image: { ratios: MUSE_RATIOS, refs: { min: 0, max: 10, tag: false }, outputCounts: ANY_COUNT, fields: ['outputFormat'], promptMax: undefined },
  seedream5_pro: { ratios: SEEDREAM5_PRO_RATIOS, refs: { min: 0, max: Number.POSITIVE_INFINITY, tag: false }, outputCounts: ANY_COUNT, fields: ['outputFormat', 'grounding'], promptMax: 4000 },
  seedream5_lite: { ratios: SEEDREAM5_LITE_RATIOS, refs: { min: 0, max: Number.POSITIVE_INFINITY, tag: false }, outputCounts: ANY_COUNT, fields: ['outputFormat', 'grounding'], promptMax: 4000 },
  grok_imagine_image_2: { ratios: GROK_IMAGINE_2_RATIOS, refs: { min: 0, max: 3, tag: false }, outputCounts: ANY_COUNT, fields: ['quality', 'edit'], promptMax: undefined },
  gemini_image3_pro: { ratios: [...GEMINI_1K, ...GEMINI_2K_4K], refs: { min: 0, max: 14, subjects: GEMINI_SUBJECTS }, outputCounts: [1, 4], fields: [], promptMax: undefined },
  'gemini_image3.1_flash': { ratios: [...GEMINI_1K, ...GEMINI_2K_4K, ...GEMINI_FLASH_EXTRA], refs: { min: 0, max: 14, subjects: GEMINI_SUBJECTS }, outputCounts: [1, 4], fields: [], promptMax: undefined },
  'gemini_2.5_flash': { ratios: GEMINI_1K, refs: { min: 0, max: 3 }, outputCounts: [], fields: [], promptMax: undefined },
}

/** Prompts containing these markers make the emulated task behave like the real service's failures. */
export const RUNWAY_TRIGGERS = Object.freeze({
  /** FAILED with `SAFETY.INPUT.TEXT`. */
  moderation: 'emulator:moderation',
  /** FAILED with `SAFETY.OUTPUT.IMAGE`. */
  outputModeration: 'emulator:output-moderation',
  /** FAILED with `INTERNAL.BAD_OUTPUT.CODE01`. */
  fail: 'emulator:fail',
  /** RUNNING forever (timeout and cancel tests). */
  never: 'emulator:never',
  /** THROTTLED instead of PENDING while queued (organisation concurrency limit). */
  throttled: 'emulator:throttled',
  /** SUCCEEDED the moment it is created: a task that is ready at once (fast-first-check tests and the latency bench). */
  instant: 'emulator:instant',
  /** 429 on create: the daily generation limit. */
  dailyLimit: 'emulator:daily-limit',
})

interface TaskInput {
  model: string
  prompt: string
  width: number
  height: number
  seed: number | undefined
  count: number
  throttled: boolean
  /** The bytes of the reference images the emulator could read (data URIs, its own files): the output is derived from them. */
  references: Buffer[]
}

/** One store per running emulator (keyed by its file store), so two emulators never share tasks. */
const stores = new WeakMap<object, JobStore<TaskInput, string[]>>()

function storeOf(ctx: EmulatorContext): JobStore<TaskInput, string[]> {
  let store = stores.get(ctx.files)
  if (!store) {
    store = new JobStore<TaskInput, string[]>(() => ctx.jobTiming)
    stores.set(ctx.files, store)
  }
  return store
}

const error = (status: number, message: string): EmulatorReply => json(status, { error: message })

/** Checks the body of a text-to-image request; the message names the field, like the real API. */
function validate(body: Record<string, unknown>): string | undefined {
  const modelId = body['model']
  if (typeof modelId !== 'string') return 'model: Required'
  const model = MODELS[modelId]
  if (!model) return `model: Invalid enum value. Expected ${Object.keys(MODELS).map((m) => `'${m}'`).join(' | ')}, received '${modelId}'`
  const known = new Set(['model', 'promptText', 'ratio', 'referenceImages', ...(model.outputCounts.length ? ['outputCount'] : []), ...model.fields])
  const unknown = Object.keys(body).find((k) => !known.has(k))
  if (unknown) return `${unknown}: Unrecognized key for model ${modelId}`
  const prompt = body['promptText']
  if (typeof prompt !== 'string' || prompt.length === 0) return 'promptText: String must contain at least 1 character(s)'
  if (model.promptMax !== undefined && prompt.length > model.promptMax) return `promptText: String must contain at most ${model.promptMax} character(s)`
  const ratio = body['ratio']
  if (typeof ratio !== 'string' || !model.ratios.includes(ratio)) return `ratio: Invalid enum value. Expected ${model.ratios.map((r) => `'${r}'`).join(' | ')}, received '${String(ratio)}'`
  const refs = body['referenceImages']
  if (refs === undefined && model.refs.min > 0) return `referenceImages: Required. ${modelId} needs ${model.refs.min} to ${model.refs.max} reference images`
  if (refs !== undefined) {
    if (!Array.isArray(refs) || refs.length < Math.max(1, model.refs.min) || refs.length > model.refs.max) return `referenceImages: Expected ${Math.max(1, model.refs.min)} to ${model.refs.max} items`
    for (const [i, ref] of refs.entries()) {
      const uri = (ref as { uri?: unknown } | null)?.uri
      if (typeof uri !== 'string' || !(uri.startsWith('https://') || uri.startsWith('data:image/'))) return `referenceImages.${i}.uri: Must be an HTTPS URL or a data URI with an image mime type`
      const assetProblem = referenceAssetProblem(uri)
      if (assetProblem) return `referenceImages.${i}.uri: ${assetProblem}`
      const tag = (ref as { tag?: unknown }).tag
      if (tag !== undefined && model.refs.tag === false) return `referenceImages.${i}.tag: Unrecognized key for model ${modelId}`
      if (tag !== undefined && model.refs.uniqueTags && refs.slice(0, i).some((r) => (r as { tag?: unknown }).tag === tag)) return `referenceImages.${i}.tag: No two images may share the same tag`
    }
    for (const kind of ['human', 'object'] as const) {
      const limit = model.refs.subjects?.[kind]
      const count = refs.filter((r) => (r as { subject?: unknown }).subject === kind).length
      if (limit !== undefined && count > limit) return `referenceImages: At most ${limit} images may pass subject "${kind}"`
    }
  }
  const seed = body['seed']
  if (seed !== undefined && (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > 4_294_967_295)) return 'seed: Number must be an integer from 0 to 4294967295'
  const count = body['outputCount']
  if (count !== undefined && !model.outputCounts.includes(count as number)) return `outputCount: Expected one of ${model.outputCounts.join(', ')}`
  // Per-model enums (quality, background, outputFormat, contentModeration) and types: the SDK's own types.
  return runwaySchemaProblem(body)
}

/** Runway's data-URI rules (SDK `ReferenceImage.uri`: "up to 5MB"; docs: assets/inputs): PNG, JPEG or WebP that decodes. */
const DATA_URI_MAX = 5_000_000
const REFERENCE_TYPES = ['image/png', 'image/jpeg', 'image/webp']

function referenceAssetProblem(uri: string): string | undefined {
  if (!uri.startsWith('data:')) return undefined
  if (uri.length > DATA_URI_MAX) return `Data URI is ${uri.length} characters; the limit is 5MB`
  const type = /^data:([^;,]+)/.exec(uri)?.[1]
  if (type === undefined || !REFERENCE_TYPES.includes(type)) return `Unsupported asset type ${String(type)}; use image/png, image/jpeg or image/webp`
  return undefined
}

/** The bytes of the references the emulator can read: data URIs and its own files (it cannot fetch other hosts). */
function referenceBytes(refs: unknown, ctx: EmulatorContext): Buffer[] | string {
  if (!Array.isArray(refs)) return []
  const out: Buffer[] = []
  for (const [i, ref] of refs.entries()) {
    const bytes = documentBytes((ref as { uri: string }).uri, ctx)
    if (bytes === 'undownloadable') continue
    if (bytes === 'malformed' || inputSize(bytes) === undefined) return `referenceImages.${i}.uri: Invalid asset: the image could not be decoded`
    out.push(bytes)
  }
  return out
}

let definitionOfModel: Map<unknown, string> | undefined

/** The body against its model's `TextToImageCreateParams` type, vendored from @runwayml/sdk (the message names the field like the API's). */
function runwaySchemaProblem(body: Record<string, unknown>): string | undefined {
  definitionOfModel ??= new Map(Object.entries(vendoredSchema('runway').definitions).map(([name, d]) => [(d as { properties: { model: { const?: unknown } } }).properties.model.const, name]))
  const definition = definitionOfModel.get(body['model'])
  if (definition === undefined) return undefined
  const problem = checkVendoredSchema('runway', definition, body)
  return problem ? `${problem.path.slice(1).replaceAll('/', '.')}: ${problem.message}` : undefined
}

function failureOf(prompt: string): { message: string; code: string } | undefined {
  if (prompt.includes(RUNWAY_TRIGGERS.moderation)) return { message: 'Your prompt was flagged by our content moderation system.', code: 'SAFETY.INPUT.TEXT' }
  if (prompt.includes(RUNWAY_TRIGGERS.outputModeration)) return { message: 'The generated image was flagged by our content moderation system.', code: 'SAFETY.OUTPUT.IMAGE' }
  if (prompt.includes(RUNWAY_TRIGGERS.fail)) return { message: 'An unexpected error occurred while generating the output.', code: 'INTERNAL.BAD_OUTPUT.CODE01' }
  return undefined
}

function submit(req: EmulatorRequest, ctx: EmulatorContext): EmulatorReply {
  const body = req.json()
  if (!body || typeof body !== 'object' || Array.isArray(body)) return error(400, 'Request body must be a JSON object')
  const fields = body as Record<string, unknown>
  const problem = validate(fields)
  if (problem) return error(400, problem)
  const prompt = fields['promptText'] as string
  if (prompt.includes(RUNWAY_TRIGGERS.dailyLimit)) return error(429, 'You have exceeded your daily generation limit for this model.')
  const ratio = fields['ratio'] as string
  // `auto` and `auto_1k` let the model pick: the emulator picks a square of that tier.
  const [width, height] = (ratio === 'auto_2k' ? '2048:2048' : ratio.startsWith('auto') ? '1024:1024' : ratio).split(':').map(Number)
  const input: TaskInput = {
    model: fields['model'] as string,
    prompt,
    width: width!,
    height: height!,
    seed: fields['seed'] as number | undefined,
    count: (fields['outputCount'] as number | undefined) ?? 1,
    throttled: prompt.includes(RUNWAY_TRIGGERS.throttled),
    references: [],
  }
  const references = referenceBytes(fields['referenceImages'], ctx)
  if (typeof references === 'string') return error(400, references)
  input.references = references
  const timing = prompt.includes(RUNWAY_TRIGGERS.instant) ? { queuedMs: 0, runningMs: 0 } : ctx.jobTiming
  const job = storeOf(ctx).create(input, { failure: failureOf(prompt), never: prompt.includes(RUNWAY_TRIGGERS.never), timing })
  return json(200, { id: job.id })
}

/** The task object as `GET /v1/tasks/{id}` shows it now. */
function taskBody(job: EmulatedJob<TaskInput, string[]>, store: JobStore<TaskInput, string[]>, ctx: EmulatorContext): Record<string, unknown> {
  const base = { id: job.id, createdAt: new Date(job.createdAt).toISOString() }
  const { state, progress } = store.stateOf(job)
  switch (state) {
    case 'queued':
      return { ...base, status: job.input.throttled ? 'THROTTLED' : 'PENDING' }
    case 'running':
      return { ...base, status: 'RUNNING', progress }
    case 'failed':
      return { ...base, status: 'FAILED', failure: job.failure?.message, failureCode: job.failure?.code }
    case 'canceled':
      return { ...base, status: 'CANCELLED' }
    case 'succeeded': {
      // Built once, so repeated GETs return the same URLs (the real API re-signs them; the bytes match).
      if (job.output === undefined) {
        // No seed asked: a repeated task draws new pictures, as the real API does.
        const base = `${job.input.model}|${job.input.prompt}|${job.input.seed ?? 'random'}`
        const draw = job.input.seed === undefined ? freshDraw(base) : base
        const { width, height, references } = job.input
        // With references, a picture derived from them (its tEXt chunk names their digests), at the ratio's size.
        const render = (key: string) => (references.length > 0 ? renderDerivedPng(references, key, { width, height }) : renderPng(width, height, key))
        job.output = Array.from({ length: job.input.count }, (_, i) => ctx.files.put(render(ctx.imageKey(`${draw}|${i}`)), 'image/png', 24 * 60 * 60 * 1000))
      }
      return { ...base, status: 'SUCCEEDED', output: job.output }
    }
  }
}

/** Runway's task API under `/runway`: submit, poll, cancel or delete, with `X-Runway-Version` required. */
export const runwayEmulator: EmulatorProvider = {
  id: 'runway',
  prefix: '/runway',
  env: (origin, key) => ({ RUNWAYML_BASE_URL: `${origin}/runway`, RUNWAYML_API_SECRET: key }),
  async handle(req, ctx) {
    const task = /^\/v1\/tasks\/([^/]+)$/.exec(req.path)
    if (req.path !== '/v1/text_to_image' && !task) return error(404, 'Not found')
    const allowed = task ? ['GET', 'DELETE'] : ['POST']
    if (!allowed.includes(req.method)) return error(405, `Method ${req.method} not allowed`)
    const key = bearer(req.headers['authorization'] as string | undefined)
    if (key === undefined || key !== ctx.keys['runway']) return error(401, 'Invalid API key or the key has been disabled. Check that you are using https://api.dev.runwayml.com')
    const version = req.headers['x-runway-version']
    if (version === undefined) return error(400, 'You must provide the X-Runway-Version header. The current version is 2024-11-06.')
    if (version !== API_VERSION) return error(400, `Invalid X-Runway-Version header: ${String(version)}. Supported versions: ${API_VERSION}.`)
    await delay(ctx.latencyMs)
    if (!task) return submit(req, ctx)

    const store = storeOf(ctx)
    const job = store.get(decodeURIComponent(task[1]!))
    if (!job) return error(404, 'Task not found')
    if (req.method === 'GET') return json(200, taskBody(job, store, ctx))
    // DELETE cancels a task still waiting or running, and deletes a finished one with its outputs.
    if (!store.cancel(job)) store.delete(job.id)
    return { status: 204 }
  },
}
