import { fal } from '@llmkit/provider-fal'
import { openai } from '@llmkit/provider-openai'
import { recraft } from '@llmkit/provider-recraft'
import { replicate } from '@llmkit/provider-replicate'
import { runway } from '@llmkit/provider-runway'
import { stability } from '@llmkit/provider-stability'
import { ImageQuality, ImageStyle, LLMKitClient, type ModelCapabilities, type ProviderPlugin } from 'llmkit'
import nock from 'nock'
import { headersOf } from '../nock.js'

/** The six providers with the base URLs the captured bodies are sent to. */
export const plugins: readonly ProviderPlugin[] = [openai(), fal(), stability(), recraft(), runway(), replicate()]

export const BASES = {
  openai: 'https://openai.conformance.test/v1',
  fal: 'https://fal.conformance.test',
  stability: 'https://stability.conformance.test',
  recraft: 'https://recraft.conformance.test/v1',
  runway: 'https://runway.conformance.test',
  replicate: 'https://replicate.conformance.test/v1',
} as const

const env = {
  OPENAI_API_KEY: 'sk-conformance-0123456789',
  OPENAI_BASE_URL: BASES.openai,
  FAL_KEY: 'fal-conformance-0123456789',
  FAL_BASE_URL: BASES.fal,
  STABILITY_API_KEY: 'sk-stab-conformance-0123',
  STABILITY_BASE_URL: BASES.stability,
  RECRAFT_API_KEY: 'recraft-conformance-0123',
  RECRAFT_BASE_URL: BASES.recraft,
  RUNWAYML_API_SECRET: 'key_conformance_0123456789',
  RUNWAYML_BASE_URL: BASES.runway,
  REPLICATE_API_TOKEN: 'r8_conformance_0123456789',
  REPLICATE_BASE_URL: BASES.replicate,
}

// No retry and no client-side rate limit: each capture is one exchange, and the test stays fast.
const client = new LLMKitClient({ providers: [...plugins], env, retry: false, rateLimit: false })

/** One request body as it left the client. */
export interface CapturedBody {
  readonly path: string
  readonly contentType: string
  /** JSON bodies parsed; multipart forms as an object of their text fields (every value a string). */
  readonly body: unknown
}

let current: Promise<CapturedBody>[] | undefined

/**
 * Answers every POST to the six base URLs with a 400, so nothing is polled or downloaded, and
 * records its body for {@link captureBodies}. Call once per file (nock stays until `stopCapture`).
 */
export function startCapture(): void {
  nock.disableNetConnect()
  for (const base of Object.values(BASES)) {
    const scope = nock(new URL(base).origin).persist().post(/.*/).reply(400, { error: { message: 'conformance capture' } }, { 'content-type': 'application/json' })
    scope.on('request', (req: { path?: string; url?: string; headers: Record<string, string> | Headers }, _i: unknown, raw: string) => {
      const contentType = headersOf(req.headers)['content-type'] ?? ''
      const path = req.path ?? new URL(req.url ?? '/', base).pathname
      current?.push(parse(path, contentType, raw))
    })
  }
}

/** Removes the interceptors {@link startCapture} added. */
export function stopCapture(): void {
  nock.cleanAll()
  nock.enableNetConnect()
  nock.restore()
}

/** Sends `request` through the real client and returns every POST body it sent. */
export async function captureBodies(request: Record<string, unknown>): Promise<CapturedBody[]> {
  const seen: Promise<CapturedBody>[] = []
  current = seen
  try {
    await client.generateImage(request as never)
  } catch {
    // The 400 every capture answers with: expected.
  } finally {
    current = undefined
  }
  return Promise.all(seen)
}

async function parse(path: string, contentType: string, raw: string): Promise<CapturedBody> {
  if (contentType.startsWith('multipart/form-data')) {
    const form = await new Response(raw, { headers: { 'content-type': contentType } }).formData()
    const body: Record<string, string> = {}
    for (const [k, v] of form.entries()) body[k] = String(v)
    return { path, contentType, body }
  }
  return { path, contentType, body: JSON.parse(raw) as unknown }
}

const QUALITIES = new Set<string>(Object.values(ImageQuality))
const STYLES = new Set<string>(Object.values(ImageStyle))

/** A real 2x2 PNG, as a `data:` URL the client reads as an input image. */
const INPUT_PNG = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg=='

/** A `'WxH'` size the row lists, or one inside its range / aspect list. */
function sizesOf(caps: ModelCapabilities): string[] {
  const s = caps.sizes
  if (s.kind === 'list') return [...s.values]
  if (s.kind === 'range') {
    const w = Math.min(Math.max(1024, s.minWidth), s.maxWidth)
    const h = Math.min(Math.max(768, s.minHeight), s.maxHeight)
    return [`${w - (w % s.step)}x${h - (h % s.step)}`]
  }
  return s.values.map((r) => {
    const [w, h] = r.split(':').map(Number) as [number, number]
    const scale = 1024 / Math.max(w, h)
    return `${Math.round(w * scale)}x${Math.round(h * scale)}`
  })
}

/** Options a row cannot run without, filled with plausible values. */
function required(caps: ModelCapabilities): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const name of caps.requiredProviderOptions ?? []) {
    if (name === 'referenceImages') out[name] = [{ uri: 'https://example.com/reference.png', tag: 'ref' }]
    else if (name === 'style_id') out[name] = OPTION_SAMPLES['style_id']
    else throw new Error(`conformance: no sample value for required option ${name} of ${caps.id}`)
  }
  return out
}

/** A plausible value for each provider option the tables declare, as a caller would pass it. */
const OPTION_SAMPLES: Record<string, unknown> = {
  // OpenAI
  output_format: 'png',
  output_compression: 80,
  background: 'opaque',
  moderation: 'low',
  user: 'user-1234',
  // fal
  num_inference_steps: 4,
  guidance_scale: 7.5,
  enable_safety_checker: true,
  acceleration: 'regular',
  prompt_expansion: true,
  // Stability
  cfg_scale: 7,
  steps: 30,
  sampler: 'K_DPMPP_2M',
  clip_guidance_preset: 'FAST_BLUE',
  style_preset: 'anime',
  // Recraft
  style: 'digital_illustration',
  substyle: 'pixel_art',
  style_id: '6a0e4c1e-6f6d-4a8e-9b53-0e5d8f3f1c11',
  controls: { artistic_level: 2, no_text: true, colors: [{ rgb: [200, 40, 40] }] },
  text_layout: [{ text: 'Hi', bbox: [[0.1, 0.1], [0.5, 0.1], [0.5, 0.3], [0.1, 0.3]] }],
  // Runway
  referenceImages: [{ uri: 'https://example.com/reference.png', tag: 'ref' }],
  contentModeration: { publicFigureThreshold: 'low' },
  // Replicate
  output_quality: 90,
  megapixels: '1',
  go_fast: true,
  disable_safety_checker: false,
  guidance: 3,
  image: 'https://example.com/input.png',
  prompt_strength: 0.8,
  safety_tolerance: 2,
  prompt_upsampling: true,
  image_prompt: 'https://example.com/prompt.png',
  scheduler: 'K_EULER',
  refine: 'no_refiner',
  high_noise_frac: 0.8,
  apply_watermark: true,
  lora_scale: 0.6,
  mask: 'https://example.com/mask.png',
  cfg: 4.5,
  style_type: 'Auto',
  magic_prompt_option: 'Auto',
  resolution: 'None',
}

/**
 * Representative requests for a row: the bare minimum, then one with everything the row
 * supports (n, size, quality, style, seed, negative prompt), then one per size, quality, style,
 * aspect ratio, output format and background, then one per declared provider option.
 */
export function requestsFor(caps: ModelCapabilities): { label: string; request: Record<string, unknown>; mayRefuse?: boolean }[] {
  const reference = caps.imageInputs?.operations.reference
  // A row that needs an input image (issue 13: Stability's edit endpoints, FLUX Kontext) has no
  // text-only body to check; its image bodies are asserted by the provider's nock and e2e tests.
  // Reference images (Runway) travel in the same JSON body, so those rows are checked with one.
  if (caps.imageInputs?.textToImage === false && reference === undefined) return []
  const base = {
    model: caps.id,
    prompt: 'a lighthouse at dusk, oil painting',
    ...(caps.requiredProviderOptions ? { provider_options: required(caps) } : {}),
    ...(caps.imageInputs?.textToImage === false ? { images: [INPUT_PNG] } : {}),
  }
  const sizes = sizesOf(caps)
  const qualities = caps.qualities.filter((q) => QUALITIES.has(q))
  const styles = caps.styles.filter((s) => STYLES.has(s))
  const full: Record<string, unknown> = { ...base, n: Math.min(2, caps.maxImagesPerCall) === 1 ? 2 : Math.min(3, caps.maxImagesPerCall), size: sizes[0] }
  if (qualities[0]) full['quality'] = qualities[0]
  if (styles[0]) full['style'] = styles[0]
  if (caps.seed) full['seed'] = Math.min(caps.seed.max, 1234)
  if (caps.negativePrompt) full['negative_prompt'] = 'blurry, text'
  return [
    { label: 'minimal', request: base },
    { label: 'full', request: full },
    ...(caps.seed ? [{ label: 'seed at max, split', request: { ...base, n: 2, seed: caps.seed.max } }] : []),
    ...sample(sizes).map((size) => ({ label: `size ${size}`, request: { ...base, size } })),
    ...qualities.map((quality) => ({ label: `quality ${quality}`, request: { ...base, quality } })),
    ...styles.map((style) => ({ label: `style ${style}`, request: { ...base, style } })),
    // Issue 12's first-class fields, from the row's data. A ratio goes to every row (size-only
    // models get the nearest size with a warning); the row may refuse what it cannot honor.
    ...['1:1', '16:9', '2:3'].map((aspect_ratio) => ({ label: `aspect_ratio ${aspect_ratio}`, request: { ...base, aspect_ratio }, mayRefuse: true })),
    ...(caps.outputFormats ?? []).map((output_format) => ({
      label: `output_format ${output_format}`,
      request: { ...base, output_format, ...(caps.outputCompression && output_format !== 'png' ? { output_compression: 80 } : {}) },
      mayRefuse: true,
    })),
    ...(caps.backgrounds ?? []).map((background) => ({
      label: `background ${background}`,
      request: { ...base, background, ...(background === 'transparent' && caps.outputFormats?.includes('png') ? { output_format: 'png' } : {}) },
      mayRefuse: true,
    })),
    // Issue 13: reference images from with_image() (Runway), at the model's maximum count, tagged where the model takes tags.
    ...(reference === undefined
      ? []
      : [
          {
            label: `with_image references ×${reference.maxImages}`,
            request: {
              ...base,
              images: Array.from({ length: reference.maxImages }, () => INPUT_PNG),
              ...(caps.providerOptions?.['reference_tags'] ? { provider_options: { reference_tags: Array.from({ length: reference.maxImages }, (_, i) => `ref_${i + 1}`) } } : {}),
            },
          },
        ]),
    // One declared provider option at a time; the client may refuse one (e.g. a style on Recraft V4) before the network.
    ...Object.keys(caps.providerOptions ?? {})
      .filter((name) => name in OPTION_SAMPLES)
      .map((name) => ({
        label: `provider option ${name}`,
        request: { ...base, provider_options: { ...(base.provider_options ?? {}), [name]: OPTION_SAMPLES[name] } },
        mayRefuse: true,
      })),
  ]
}

/** First, middle and last of a list: enough sizes to catch a mapping gap without 60 requests a row. */
function sample<T>(list: readonly T[]): T[] {
  return [...new Set([list[0], list[Math.floor(list.length / 2)], list[list.length - 1]])].filter((x): x is T => x !== undefined)
}
