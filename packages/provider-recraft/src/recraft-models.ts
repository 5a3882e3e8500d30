import type { ModelCapabilities } from '@llmkit/core'

/** Sizes per model family (shared/providers/recraft.md, "Sizes"; Recraft appendix). */
const V2_V3_SIZES = {
  kind: 'list',
  values: ['1024x1024', '2048x1024', '1024x2048', '1536x1024', '1024x1536', '1365x1024', '1024x1365', '1280x1024', '1024x1280', '1024x1707', '1434x1024', '1024x1434', '1820x1024', '1024x1820'],
} as const
const V4_SIZES = {
  kind: 'list',
  values: ['1024x1024', '1536x768', '768x1536', '1280x832', '832x1280', '1216x896', '896x1216', '1152x896', '896x1152', '832x1344', '1280x896', '896x1280', '1344x768', '768x1344'],
} as const
const V4_PRO_SIZES = {
  kind: 'list',
  values: ['2048x2048', '3072x1536', '1536x3072', '2560x1664', '1664x2560', '2432x1792', '1792x2432', '2304x1792', '1792x2304', '1664x2688', '2560x1792', '1792x2560', '2688x1536', '1536x2688'],
} as const
/** Vector models produce SVG, so they take the aspect ratios of the table instead of pixels. */
const VECTOR_ASPECTS = {
  kind: 'aspect',
  values: ['1:1', '2:1', '1:2', '3:2', '2:3', '4:3', '3:4', '5:4', '4:5', '6:10', '14:10', '10:14', '16:9', '9:16'],
} as const

/**
 * Recraft-only settings sent as extra body fields, with their JSON types (recraft.md, "Request
 * fields"); `recraftProviderOptionsSchema` checks their contents. `text_layout` is recraftv3 only.
 */
const V2_OPTIONS = { style: 'string', substyle: 'string', style_id: 'string', controls: 'object' } as const
const V3_OPTIONS = { ...V2_OPTIONS, text_layout: 'array' } as const
/**
 * V4 takes no styles, but the style keys stay known so the provider can reject them with a clear
 * InvalidRequestError instead of a generic "unknown option" warning.
 */
const V4_OPTIONS = V2_OPTIONS
/**
 * The V4 Styles models (`recraftv4_styles*`) render in a custom style: `style_id` is required
 * and `style`/`substyle` are refused (Recraft rejects a request without a style_id).
 */
const V4_STYLES_OPTIONS = V2_OPTIONS
const V4_STYLES = { providerOptions: V4_STYLES_OPTIONS, requiredProviderOptions: ['style_id'] }

const SOURCE = 'https://www.recraft.ai/docs/api-reference/appendix'
/** V2/V3 cap prompts at 1000 characters, the V4 family at 10000 (appendix). */
const V3_PROMPT_MAX = 1000
const V4_PROMPT_MAX = 10_000

/**
 * Image inputs (issue 13). Recraft's tool pages: image-to-image (`POST /v1/images/imageToImage`,
 * `strength` required) "works with Recraft V3, V4, and V4.1"; inpainting (`POST /v1/images/inpaint`,
 * `mask` required) runs "on V3 models only". Inputs: PNG, JPG or WEBP (SVG too, which llmkit does
 * not sniff), up to 10 MB and 16 MP, sides 256-4096 px. The mask is grayscale, exactly the image's
 * size, pure white (repaint) or pure black (keep).
 * https://www.recraft.ai/docs/api-reference/tools/image-to-image, .../tools/inpainting, .../models/recraft-v3
 */
const INPUT_LIMITS = { mimeTypes: ['image/png', 'image/jpeg', 'image/webp'], maxBytes: 10 * 1024 * 1024, minSide: 256, maxSide: 4096, maxPixels: 16_777_216 } as const
const IMAGE_TO_IMAGE = { maxImages: 1, strength: 'required' } as const
const V3_IMAGE_INPUTS = { operations: { 'image-to-image': IMAGE_TO_IMAGE, inpaint: { maxImages: 1, mask: 'required' } }, ...INPUT_LIMITS, mask: { sameSize: true, kind: 'luminance' } } as const
const V4_IMAGE_INPUTS = { operations: { 'image-to-image': IMAGE_TO_IMAGE }, ...INPUT_LIMITS } as const

const common = {
  mode: 'sync',
  // n is 1-6 on every model; the core splits larger requests.
  maxImagesPerCall: 6,
  qualities: [],
  // Recraft styles (realistic_image, ...) are not llmkit's vivid/natural: they are provider options.
  styles: [],
  // No seed field and no seed echoed: Recraft results are not reproducible.
  seed: null,
  formats: ['url', 'b64_json'],
  source: SOURCE,
} as const

/**
 * Recraft's image models with their true limits (shared/providers/recraft.md). Public ids are
 * `recraft-<version>[-pro][-vector]`; the wire ids are Recraft's (`recraftv3`, `recraftv4_pro_vector`).
 * `recraft:<wire id>` also resolves.
 */
export const recraftModels = [
  { ...common, id: 'recraft-v3', wireId: 'recraftv3', displayName: 'Recraft V3', sizes: V2_V3_SIZES, defaultSize: '1024x1024', negativePrompt: true, outputMimeTypes: ['image/png'], maxPromptLength: V3_PROMPT_MAX, providerOptions: V3_OPTIONS, imageInputs: V3_IMAGE_INPUTS },
  { ...common, id: 'recraft-v3-vector', wireId: 'recraftv3_vector', displayName: 'Recraft V3 Vector', sizes: VECTOR_ASPECTS, defaultSize: '1:1', negativePrompt: true, outputMimeTypes: ['image/svg+xml'], maxPromptLength: V3_PROMPT_MAX, providerOptions: V2_OPTIONS, imageInputs: V3_IMAGE_INPUTS },
  { ...common, id: 'recraft-v2', wireId: 'recraftv2', displayName: 'Recraft V2', sizes: V2_V3_SIZES, defaultSize: '1024x1024', negativePrompt: true, outputMimeTypes: ['image/png'], maxPromptLength: V3_PROMPT_MAX, providerOptions: V2_OPTIONS },
  { ...common, id: 'recraft-v2-vector', wireId: 'recraftv2_vector', displayName: 'Recraft V2 Vector', sizes: VECTOR_ASPECTS, defaultSize: '1:1', negativePrompt: true, outputMimeTypes: ['image/svg+xml'], maxPromptLength: V3_PROMPT_MAX, providerOptions: V2_OPTIONS },
  { ...common, id: 'recraft-v4', wireId: 'recraftv4', displayName: 'Recraft V4', sizes: V4_SIZES, defaultSize: '1024x1024', negativePrompt: false, outputMimeTypes: ['image/png'], maxPromptLength: V4_PROMPT_MAX, providerOptions: V4_OPTIONS, imageInputs: V4_IMAGE_INPUTS },
  { ...common, id: 'recraft-v4-vector', wireId: 'recraftv4_vector', displayName: 'Recraft V4 Vector', sizes: VECTOR_ASPECTS, defaultSize: '1:1', negativePrompt: false, outputMimeTypes: ['image/svg+xml'], maxPromptLength: V4_PROMPT_MAX, providerOptions: V4_OPTIONS, imageInputs: V4_IMAGE_INPUTS },
  { ...common, id: 'recraft-v4-pro', wireId: 'recraftv4_pro', displayName: 'Recraft V4 Pro', sizes: V4_PRO_SIZES, defaultSize: '2048x2048', negativePrompt: false, outputMimeTypes: ['image/png'], maxPromptLength: V4_PROMPT_MAX, providerOptions: V4_OPTIONS, imageInputs: V4_IMAGE_INPUTS },
  { ...common, id: 'recraft-v4-pro-vector', wireId: 'recraftv4_pro_vector', displayName: 'Recraft V4 Pro Vector', sizes: VECTOR_ASPECTS, defaultSize: '1:1', negativePrompt: false, outputMimeTypes: ['image/svg+xml'], maxPromptLength: V4_PROMPT_MAX, providerOptions: V4_OPTIONS, imageInputs: V4_IMAGE_INPUTS },
  // V4.1 and V4 Styles: wire ids as Recraft's model list spells them (recraftv4_1*, recraftv4_styles*).
  // Their size lists are not published apart; they take the V4 / V4 Pro lists (same generation).
  { ...common, id: 'recraft-v4-1', wireId: 'recraftv4_1', displayName: 'Recraft V4.1', sizes: V4_SIZES, defaultSize: '1024x1024', negativePrompt: false, outputMimeTypes: ['image/png'], maxPromptLength: V4_PROMPT_MAX, providerOptions: V4_OPTIONS, imageInputs: V4_IMAGE_INPUTS },
  { ...common, id: 'recraft-v4-1-vector', wireId: 'recraftv4_1_vector', displayName: 'Recraft V4.1 Vector', sizes: VECTOR_ASPECTS, defaultSize: '1:1', negativePrompt: false, outputMimeTypes: ['image/svg+xml'], maxPromptLength: V4_PROMPT_MAX, providerOptions: V4_OPTIONS, imageInputs: V4_IMAGE_INPUTS },
  { ...common, id: 'recraft-v4-1-pro', wireId: 'recraftv4_1_pro', displayName: 'Recraft V4.1 Pro', sizes: V4_PRO_SIZES, defaultSize: '2048x2048', negativePrompt: false, outputMimeTypes: ['image/png'], maxPromptLength: V4_PROMPT_MAX, providerOptions: V4_OPTIONS, imageInputs: V4_IMAGE_INPUTS },
  { ...common, id: 'recraft-v4-1-pro-vector', wireId: 'recraftv4_1_pro_vector', displayName: 'Recraft V4.1 Pro Vector', sizes: VECTOR_ASPECTS, defaultSize: '1:1', negativePrompt: false, outputMimeTypes: ['image/svg+xml'], maxPromptLength: V4_PROMPT_MAX, providerOptions: V4_OPTIONS, imageInputs: V4_IMAGE_INPUTS },
  { ...common, id: 'recraft-v4-styles', wireId: 'recraftv4_styles', displayName: 'Recraft V4 Styles', sizes: V4_SIZES, defaultSize: '1024x1024', negativePrompt: false, outputMimeTypes: ['image/png'], maxPromptLength: V4_PROMPT_MAX, ...V4_STYLES },
  { ...common, id: 'recraft-v4-styles-vector', wireId: 'recraftv4_styles_vector', displayName: 'Recraft V4 Styles Vector', sizes: VECTOR_ASPECTS, defaultSize: '1:1', negativePrompt: false, outputMimeTypes: ['image/svg+xml'], maxPromptLength: V4_PROMPT_MAX, ...V4_STYLES },
  { ...common, id: 'recraft-v4-styles-pro', wireId: 'recraftv4_styles_pro', displayName: 'Recraft V4 Styles Pro', sizes: V4_PRO_SIZES, defaultSize: '2048x2048', negativePrompt: false, outputMimeTypes: ['image/png'], maxPromptLength: V4_PROMPT_MAX, ...V4_STYLES },
  { ...common, id: 'recraft-v4-styles-pro-vector', wireId: 'recraftv4_styles_pro_vector', displayName: 'Recraft V4 Styles Pro Vector', sizes: VECTOR_ASPECTS, defaultSize: '1:1', negativePrompt: false, outputMimeTypes: ['image/svg+xml'], maxPromptLength: V4_PROMPT_MAX, ...V4_STYLES },
] as const satisfies readonly ModelCapabilities[]

/** Model ids in the table, plus any other string for newer models. */
export type RecraftImageModelId = (typeof recraftModels)[number]['id'] | (string & {})
