import type { ModelCapabilities } from '@llmkit/core'
import { DALL_E_2_INPUTS, GPT_IMAGE_INPUTS } from './openai-image-inputs.js'

const GPT_IMAGE_SIZES = { kind: 'list', values: ['1024x1024', '1536x1024', '1024x1536'] } as const
const GPT_IMAGE_QUALITIES = ['low', 'medium', 'high', 'auto']
/** DALL·E 3's tiers onto GPT image's: the closest in cost and detail. */
const GPT_IMAGE_QUALITY_MAP = { standard: 'medium', hd: 'high' }
/** GPT image options sent as extra body fields, with their types (openai.md, `CreateImageRequest`: "GPT image only"). */
/**
 * `partial_images` (0-3) asks for previews: with an `onProgress` listener and one image per call,
 * the call streams and each preview reaches the listener as a `partial_image` event (openai-stream.ts).
 */
const GPT_IMAGE_OPTIONS = { output_format: 'string', output_compression: 'integer', background: 'string', moderation: 'string', user: 'string', partial_images: 'integer' } as const
/** DALL·E takes only the end-user id beyond llmkit's own fields. */
const DALL_E_OPTIONS = { user: 'string' } as const
const SOURCE = 'https://platform.openai.com/docs/api-reference/images/create'

function gptImage(id: string, displayName: string, sizes: ModelCapabilities['sizes'] = GPT_IMAGE_SIZES): ModelCapabilities {
  return {
    id,
    wireId: id,
    displayName,
    mode: 'sync',
    maxImagesPerCall: 10,
    sizes,
    // The API's default (CreateImageRequest.size `default: "auto"`): without a size llmkit sends
    // none and the model picks among 1024x1024, 1536x1024 and 1024x1536. The estimate bills the
    // dearest of the three (openai-prices.ts), so a budget never reserves too little.
    defaultSize: 'auto',
    qualities: GPT_IMAGE_QUALITIES,
    qualityMap: GPT_IMAGE_QUALITY_MAP,
    styles: [],
    negativePrompt: false,
    seed: null,
    // GPT image models always answer base64 and reject response_format.
    formats: ['b64_json'],
    outputMimeTypes: ['image/png', 'image/jpeg', 'image/webp'],
    // First-class output_format / output_compression / background (openai.md, `CreateImageRequest`).
    outputFormats: ['png', 'jpeg', 'webp'],
    outputCompression: true,
    backgrounds: ['transparent', 'opaque', 'auto'],
    maxPromptLength: 32_000,
    providerOptions: GPT_IMAGE_OPTIONS,
    // Edits with up to 16 images and an optional mask (openai-image-inputs.ts).
    imageInputs: GPT_IMAGE_INPUTS,
    source: SOURCE,
  }
}

/**
 * OpenAI image models and their true limits (shared/providers/openai.md, per-model matrix).
 * dall-e-3 returns one image per call, so the core splits larger `n` into parallel calls.
 */
export const openaiModels = [
  {
    id: 'dall-e-3',
    wireId: 'dall-e-3',
    displayName: 'DALL·E 3',
    mode: 'sync',
    maxImagesPerCall: 1,
    sizes: { kind: 'list', values: ['1024x1024', '1792x1024', '1024x1792'] },
    defaultSize: '1024x1024',
    // `auto` is the API's default for every model (openai.md, `CreateImageRequest.quality`).
    qualities: ['standard', 'hd', 'auto'],
    styles: ['vivid', 'natural'],
    negativePrompt: false,
    seed: null,
    formats: ['url', 'b64_json'],
    outputMimeTypes: ['image/png'],
    maxPromptLength: 4000,
    providerOptions: DALL_E_OPTIONS,
    source: SOURCE,
  },
  {
    id: 'dall-e-2',
    wireId: 'dall-e-2',
    displayName: 'DALL·E 2',
    mode: 'sync',
    maxImagesPerCall: 10,
    sizes: { kind: 'list', values: ['256x256', '512x512', '1024x1024'] },
    defaultSize: '1024x1024',
    qualities: ['standard', 'auto'],
    styles: [],
    negativePrompt: false,
    seed: null,
    formats: ['url', 'b64_json'],
    outputMimeTypes: ['image/png'],
    maxPromptLength: 1000,
    providerOptions: DALL_E_OPTIONS,
    // Edits (one square PNG, optional mask) and variations (openai-image-inputs.ts).
    imageInputs: DALL_E_2_INPUTS,
    source: SOURCE,
  },
  gptImage('gpt-image-1', 'GPT Image 1'),
  gptImage('gpt-image-1-mini', 'GPT Image 1 mini'),
  gptImage('gpt-image-1.5', 'GPT Image 1.5'),
  // gpt-image-2 also takes custom WxH: sides divisible by 16, up to 3840x2160 pixels in area.
  // Custom WxH (OpenAPI CreateImageRequest.size and shared/providers/openai.md): both edges multiples of 16, at most
  // 3840, at most 3840x2160 pixels, aspect ratio between 1:3 and 3:1.
  gptImage('gpt-image-2', 'GPT Image 2', { kind: 'range', minWidth: 256, maxWidth: 3840, minHeight: 256, maxHeight: 3840, step: 16, maxPixels: 3840 * 2160, maxAspectRatio: 3 }),
] as const satisfies readonly ModelCapabilities[]

/** Model ids in the table, plus any other string for newer models. */
export type OpenAIImageModelId = (typeof openaiModels)[number]['id'] | (string & {})
