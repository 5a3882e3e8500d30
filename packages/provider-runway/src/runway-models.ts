import type { ImageInputSpec, ModelCapabilities } from '@llmkit/core'

/** `TextToImageCreateParams` in runwayml/sdk-node `src/resources/text-to-image.ts`. */
const SOURCE = 'https://docs.dev.runwayml.com/api/#tag/Start-generating/paths/~1v1~1text_to_image/post'

/**
 * Runway's `ratio` values are exact output pixel sizes, so they are declared as a `list` of
 * 'WxH' sizes: the core snaps any other size to the nearest one (with a warning) and the
 * provider writes the chosen one back as `"W:H"`. gen4 gained the 720p tier on 2025-05-29.
 */
const GEN4_SIZES = [
  '1920x1080', '1080x1920', '1024x1024', '1080x1080', '1360x768', '1168x880', '1440x1080', '1080x1440', '1808x768', '2112x912',
  '1280x720', '720x1280', '720x720', '960x720', '720x960', '1680x720',
]

/** gpt_image_2's sizes; `auto` (sent when the request gives no size) cannot be a 'WxH' row. */
const GPT_IMAGE_2_SIZES = [
  '2048x880', '1920x1088', '1920x1280', '1920x1440', '1920x1536', '1920x1920', '1536x1920', '1440x1920', '1280x1920', '1088x1920',
  '2912x1248', '2560x1440', '2560x1712', '2560x1920', '2560x2048', '2560x2560', '2048x2560', '1920x2560', '1712x2560', '1440x2560',
  '3840x1648', '3840x2160', '3504x2336', '3264x2448', '3200x2560', '2880x2880', '2560x3200', '2448x3264', '2336x3504', '2160x3840',
]

/** The 1K tier shared by every Gemini model on Runway (gemini_2.5_flash has only this one). */
const GEMINI_1K_SIZES = ['1344x768', '768x1344', '1024x1024', '1184x864', '864x1184', '1536x672', '832x1248', '1248x832', '896x1152', '1152x896']

/** The 2K and 4K tiers of gemini_image3_pro (and of gemini_image3.1_flash). */
const GEMINI_2K_4K_SIZES = [
  '2048x2048', '1696x2528', '2528x1696', '1792x2400', '2400x1792', '1856x2304', '2304x1856', '1536x2752', '2752x1536', '3168x1344',
  '4096x4096', '3392x5056', '5056x3392', '3584x4800', '4800x3584', '3712x4608', '4608x3712', '3072x5504', '5504x3072', '6336x2688',
]

/** gemini_image3.1_flash also goes below 1K (512px tier) and to extreme panoramas. */
const GEMINI_FLASH_EXTRA_SIZES = [
  '512x512', '416x624', '624x416', '432x592', '592x432', '448x576', '576x448', '384x672', '672x384', '768x336',
  '256x1024', '1024x256', '176x1408', '1408x176', '512x2048', '2048x512', '352x2816', '2816x352',
  '1024x4096', '4096x1024', '704x5632', '5632x704', '2048x8192', '8192x2048', '1408x11264', '11264x1408',
]

/** muse_image's sizes (`auto`, sent without a size, lets the model frame it). */
const MUSE_SIZES = ['2352x1008', '2016x1152', '1920x1280', '1792x1344', '1600x1600', '1344x1792', '1280x1920', '1152x2016']

/** seedream5_pro's sizes (1K and 2K tiers); `auto_1k` / `auto_2k` cannot be 'WxH' rows. */
const SEEDREAM5_PRO_SIZES = [
  '1024x1024', '1184x896', '896x1184', '1376x768', '768x1376', '1296x864', '864x1296',
  '2048x2048', '2304x1728', '1728x2304', '2720x1530', '1530x2720', '2496x1664', '1664x2496',
]

/**
 * seedream5_lite's listed sizes. The SDK also takes freeform `W:H` sizes of 3686400 to 16777216
 * pixels; only the listed ones are declared, so a size is never sent that the API might refuse.
 */
const SEEDREAM5_LITE_SIZES = [
  '2048x2048', '2304x1728', '1728x2304', '2848x1600', '1600x2848', '2496x1664', '1664x2496', '3136x1344',
  '3072x3072', '3456x2592', '2592x3456', '4096x2304', '2304x4096', '3744x2496', '2496x3744', '4704x2016',
]

/** grok_imagine_image_2's 1K and 2K sizes (2K costs 2 more credits per image, per the SDK). */
const GROK_IMAGINE_2_SIZES = [
  '1024x1024', '1280x720', '720x1280', '1152x864', '864x1152', '1248x832', '832x1248', '1248x576', '576x1248', '1280x576', '576x1280', '1408x704', '704x1408',
  '2048x2048', '2816x1584', '1584x2816', '2368x1776', '1776x2368', '2496x1664', '1664x2496', '2912x1344', '1344x2912', '3200x1440', '1440x3200', '2912x1456', '1456x2912',
]

/**
 * The `ratio` sent when the request gives no size and the row has no default: each model's own
 * "let the model choose" value from @runwayml/sdk 4.20.1 (`auto`, or the 1K tier's `auto_1k`).
 */
export const RUNWAY_AUTO_RATIO: Readonly<Record<string, string>> = {
  gpt_image_2: 'auto',
  gpt_image_2_5_flare: 'auto',
  gpt_image_2_5_sunburst: 'auto',
  muse_image: 'auto',
  seedream5_pro: 'auto_1k',
  grok_imagine_image_2: 'auto_1k',
}

/** How a model takes `referenceImages`, from its SDK 4.20.1 `ReferenceImage` type and doc comment. */
export interface RunwayReferenceRule {
  /** Fewest references (gen4_image_turbo needs one); 0 when optional. */
  readonly min: number
  /** Most references, or undefined where the SDK states none (seedream). */
  readonly max: number | undefined
  /** Whether a reference may carry `tag` (muse, seedream and grok types have `uri` only). */
  readonly tag: boolean
  /** "No two images may share the same tag" (gpt_image_2 and gpt_image_2_5). */
  readonly uniqueTags: boolean
  /** `subject` limits where the type has it: "up to five ... human, up to nine ... object" (Gemini 3). */
  readonly subject?: { readonly human: number; readonly object: number } | undefined
}

const GEMINI_SUBJECTS = { human: 5, object: 9 } as const

/** Reference-image rules per wire model (`TextToImageCreateParams.*.referenceImages`). */
export const RUNWAY_REFERENCE_RULES: Readonly<Record<string, RunwayReferenceRule>> = {
  gen4_image: { min: 0, max: 3, tag: true, uniqueTags: false },
  gen4_image_turbo: { min: 1, max: 3, tag: true, uniqueTags: false },
  gpt_image_2: { min: 0, max: 16, tag: true, uniqueTags: true },
  gpt_image_2_5_flare: { min: 0, max: 16, tag: true, uniqueTags: true },
  gpt_image_2_5_sunburst: { min: 0, max: 16, tag: true, uniqueTags: true },
  gemini_image3_pro: { min: 0, max: 14, tag: true, uniqueTags: false, subject: GEMINI_SUBJECTS },
  'gemini_image3.1_flash': { min: 0, max: 14, tag: true, uniqueTags: false, subject: GEMINI_SUBJECTS },
  'gemini_2.5_flash': { min: 0, max: 3, tag: true, uniqueTags: false },
  muse_image: { min: 0, max: 10, tag: false, uniqueTags: false },
  seedream5_pro: { min: 0, max: undefined, tag: false, uniqueTags: false },
  seedream5_lite: { min: 0, max: undefined, tag: false, uniqueTags: false },
  grok_imagine_image_2: { min: 0, max: 3, tag: false, uniqueTags: false },
}

/**
 * Largest input image: a data URI is "up to 5MB" encoded (SDK 4.20.1, every `ReferenceImage.uri`),
 * read as 5,000,000 characters; base64 carries 3 bytes in 4 characters, less the
 * `data:image/webp;base64,` prefix.
 */
export const RUNWAY_MAX_INPUT_BYTES = Math.floor((5_000_000 - 'data:image/webp;base64,'.length) / 4) * 3

/**
 * `imageInputs` of a model from its reference rule: `with_image()` sends reference images
 * (operation `reference`), as many as the SDK allows; a model that needs one cannot run from text
 * alone. The types Runway reads (docs: assets/inputs): PNG, JPEG, WebP.
 */
function referenceInputs(rule: RunwayReferenceRule & { readonly max: number }): ImageInputSpec {
  return {
    operations: { reference: { maxImages: rule.max, ...(rule.min > 0 ? { minImages: rule.min } : {}) } },
    ...(rule.min > 0 ? { textToImage: false } : {}),
    mimeTypes: ['image/png', 'image/jpeg', 'image/webp'],
    maxBytes: RUNWAY_MAX_INPUT_BYTES,
  }
}

/** The `imageInputs` of a table model; undefined where the SDK states no maximum (seedream: raw `referenceImages` only). */
function inputsOf(id: string): { imageInputs?: ImageInputSpec } {
  const rule = RUNWAY_REFERENCE_RULES[id]
  return rule?.max === undefined ? {} : { imageInputs: referenceInputs({ ...rule, max: rule.max }) }
}

/** `reference_tags` (one tag per `with_image()` image, cited as `@tag` in the prompt) where the model's references take a tag. */
const TAGS = { reference_tags: 'array' } as const

/** Fields every row shares: Runway answers with task output URLs only (the core downloads for b64). */
const COMMON = {
  mode: 'async',
  styles: [],
  negativePrompt: false,
  formats: ['url'],
  source: SOURCE,
} as const

/** gen4 rows: one image per task, seeded, 1000-character prompts. */
function gen4<Id extends string>(id: Id, displayName: string, extra: Partial<Omit<ModelCapabilities, 'id'>> = {}): ModelCapabilities & { readonly id: Id } {
  return {
    ...COMMON,
    id,
    wireId: id,
    displayName,
    // No count field on gen4: the core splits n into parallel tasks (seed + i per part).
    maxImagesPerCall: 1,
    sizes: { kind: 'list', values: GEN4_SIZES },
    defaultSize: '1024x1024',
    qualities: [],
    seed: { min: 0, max: 4_294_967_295 },
    maxPromptLength: 1000,
    // The provider checks each reference's shape ({ uri, tag? }); the table gives the JSON type.
    providerOptions: { referenceImages: 'array', contentModeration: 'object', ...TAGS },
    ...inputsOf(id),
    ...extra,
  }
}

/** Gemini rows: no seed, no quality, references with an optional `subject`. */
function gemini<Id extends string>(id: Id, displayName: string, sizes: readonly string[]): ModelCapabilities & { readonly id: Id } {
  return {
    ...COMMON,
    id,
    wireId: id,
    displayName,
    // gemini_image3* take `outputCount` 1 or 4 only, never 2 or 3. With 4 the core would send
    // n=3 as one call of 3 (rejected). One image per task lets the core split any n into
    // tasks of 1, each valid; the cost is the same per image.
    maxImagesPerCall: 1,
    sizes: { kind: 'list', values: sizes },
    defaultSize: '1024x1024',
    qualities: [],
    seed: null,
    // Runway documents no limit for Gemini; gpt_image_2 on the same endpoint takes 32000.
    maxPromptLength: 32_000,
    // `reference_subjects` where the SDK's reference type has `subject` (the Gemini 3 models).
    providerOptions: { referenceImages: 'array', ...TAGS, ...(RUNWAY_REFERENCE_RULES[id]?.subject ? { reference_subjects: 'array' as const } : {}) },
    ...inputsOf(id),
  }
}

/** gpt_image_2_5 rows: like gpt_image_2 with two more quality tiers; flare has no transparent background. */
function gptImage25<Id extends string>(id: Id, displayName: string, backgrounds: readonly ('transparent' | 'opaque' | 'auto')[]): ModelCapabilities & { readonly id: Id } {
  return {
    ...COMMON,
    id,
    wireId: id,
    displayName,
    // "The number of images to generate (1-10)."
    maxImagesPerCall: 10,
    sizes: { kind: 'list', values: GPT_IMAGE_2_SIZES },
    qualities: ['low', 'medium', 'high', 'xhigh', 'max'],
    qualityMap: { standard: 'medium', hd: 'high', auto: 'high' },
    seed: null,
    // The SDK gives no limit ("A non-empty string"); gpt_image_2 on the same endpoint takes 32000.
    maxPromptLength: 32_000,
    backgrounds,
    providerOptions: { referenceImages: 'array', ...TAGS },
    ...inputsOf(id),
  }
}

/** seedream5 rows: 4000-character prompts, png or jpeg, optional web `grounding`. */
function seedream<Id extends string>(id: Id, displayName: string, sizes: readonly string[]): ModelCapabilities & { readonly id: Id } {
  return {
    ...COMMON,
    id,
    wireId: id,
    displayName,
    // `outputCount` has no documented bound: one image per task, the core splits n.
    maxImagesPerCall: 1,
    sizes: { kind: 'list', values: sizes },
    qualities: [],
    seed: null,
    maxPromptLength: 4000,
    outputMimeTypes: ['image/png', 'image/jpeg'],
    outputFormats: ['png', 'jpeg'],
    providerOptions: { referenceImages: 'array', grounding: 'boolean' },
  }
}

/**
 * Runway's text-to-image models and their true limits (shared/providers/runway.md and the SDK's
 * `TextToImageCreateParams`). Reference images are first-class (issue 13): `with_image()` sends
 * them as `referenceImages` (operation `reference`), tagged from `provider_options.reference_tags`.
 * gen4_image_turbo cannot do pure text-to-image: the core rejects a request without an image
 * before any call.
 */
export const runwayModels = [
  gen4('gen4_image', 'Runway Gen-4 Image'),
  // Needs one to three reference images (`imageInputs.textToImage: false`): with_image(), or raw provider_options.referenceImages along with one.
  gen4('gen4_image_turbo', 'Runway Gen-4 Image Turbo'),
  {
    ...COMMON,
    id: 'gpt_image_2',
    wireId: 'gpt_image_2',
    displayName: 'GPT Image 2 (via Runway)',
    maxImagesPerCall: 10,
    sizes: { kind: 'list', values: GPT_IMAGE_2_SIZES },
    qualities: ['low', 'medium', 'high', 'auto'],
    qualityMap: { standard: 'medium', hd: 'high' },
    seed: null,
    maxPromptLength: 32_000,
    // The first-class background (runway.md: transparent | opaque | auto, @runwayml/sdk 4.20.1).
    backgrounds: ['transparent', 'opaque', 'auto'],
    providerOptions: { referenceImages: 'array', background: 'string', ...TAGS },
    ...inputsOf('gpt_image_2'),
  },
  gptImage25('gpt_image_2_5_flare', 'GPT Image 2.5 Flare (via Runway)', ['opaque', 'auto']),
  gptImage25('gpt_image_2_5_sunburst', 'GPT Image 2.5 Sunburst (via Runway)', ['transparent', 'opaque', 'auto']),
  {
    ...COMMON,
    id: 'muse_image',
    wireId: 'muse_image',
    displayName: 'Muse Image (via Runway)',
    // `outputCount` has no documented bound: one image per task, the core splits n.
    maxImagesPerCall: 1,
    sizes: { kind: 'list', values: MUSE_SIZES },
    qualities: [],
    seed: null,
    // The SDK gives no limit ("A non-empty text prompt"); gpt_image_2 on the same endpoint takes 32000.
    maxPromptLength: 32_000,
    outputMimeTypes: ['image/png', 'image/webp', 'image/jpeg'],
    outputFormats: ['png', 'webp', 'jpeg'],
    providerOptions: { referenceImages: 'array' },
    // Up to 10 untagged references ({ uri } only), cited by order in the prompt.
    ...inputsOf('muse_image'),
  },
  seedream('seedream5_pro', 'Seedream 5 Pro (via Runway)', SEEDREAM5_PRO_SIZES),
  { ...seedream('seedream5_lite', 'Seedream 5 Lite (via Runway)', SEEDREAM5_LITE_SIZES), defaultSize: '2048x2048' },
  {
    ...COMMON,
    id: 'grok_imagine_image_2',
    wireId: 'grok_imagine_image_2',
    displayName: 'Grok Imagine Image 2 (via Runway)',
    // `outputCount` has no documented bound: one image per task, the core splits n.
    maxImagesPerCall: 1,
    sizes: { kind: 'list', values: GROK_IMAGINE_2_SIZES },
    qualities: ['low', 'medium'],
    qualityMap: { standard: 'medium', hd: 'medium' },
    seed: null,
    // The SDK gives no limit ("A non-empty text prompt"); gpt_image_2 on the same endpoint takes 32000.
    maxPromptLength: 32_000,
    // `edit: true` (edit the one reference directly) needs at least one reference image.
    providerOptions: { referenceImages: 'array', edit: 'boolean' },
    ...inputsOf('grok_imagine_image_2'),
  },
  gemini('gemini_image3_pro', 'Gemini 3 Pro Image (via Runway)', [...GEMINI_1K_SIZES, ...GEMINI_2K_4K_SIZES]),
  gemini('gemini_image3.1_flash', 'Gemini 3.1 Flash Image (via Runway)', [...GEMINI_1K_SIZES, ...GEMINI_2K_4K_SIZES, ...GEMINI_FLASH_EXTRA_SIZES]),
  gemini('gemini_2.5_flash', 'Gemini 2.5 Flash Image (via Runway)', GEMINI_1K_SIZES),
] as const satisfies readonly ModelCapabilities[]

/** Model ids in the table, plus any other string for newer models. */
export type RunwayImageModelId = (typeof runwayModels)[number]['id'] | (string & {})
