import type { ModelCapabilities } from '@llmkit/core'

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
    providerOptions: { referenceImages: 'array', contentModeration: 'object' },
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
    providerOptions: { referenceImages: 'array' },
  }
}

/**
 * Runway's text-to-image models and their true limits (shared/providers/runway.md and the SDK's
 * `TextToImageCreateParams`). gen4_image_turbo cannot do pure text-to-image: the core rejects a
 * request without `provider_options.referenceImages` before any call.
 */
export const runwayModels = [
  gen4('gen4_image', 'Runway Gen-4 Image'),
  gen4('gen4_image_turbo', 'Runway Gen-4 Image Turbo', { requiredProviderOptions: ['referenceImages'] }),
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
    providerOptions: { referenceImages: 'array', background: 'string' },
  },
  gemini('gemini_image3_pro', 'Gemini 3 Pro Image (via Runway)', [...GEMINI_1K_SIZES, ...GEMINI_2K_4K_SIZES]),
  gemini('gemini_image3.1_flash', 'Gemini 3.1 Flash Image (via Runway)', [...GEMINI_1K_SIZES, ...GEMINI_2K_4K_SIZES, ...GEMINI_FLASH_EXTRA_SIZES]),
  gemini('gemini_2.5_flash', 'Gemini 2.5 Flash Image (via Runway)', GEMINI_1K_SIZES),
] as const satisfies readonly ModelCapabilities[]

/** Model ids in the table, plus any other string for newer models. */
export type RunwayImageModelId = (typeof runwayModels)[number]['id'] | (string & {})
