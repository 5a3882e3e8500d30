import { z } from 'zod'
import { InvalidRequestError } from './errors.js'

/** The five named sizes of the seed API; any other `'WxH'` string is accepted too. */
export const ImageSize = {
  /** 256x256: thumbnails, icons. */
  Square256: '256x256',
  /** 512x512: small avatars. */
  Square512: '512x512',
  /** 1024x1024: the default. */
  Square1024: '1024x1024',
  /** 1024x1792: portraits, posters. */
  Portrait1024x1792: '1024x1792',
  /** 1792x1024: wide scenes. */
  Landscape1792x1024: '1792x1024',
} as const
/** A named size or any `'WxH'` pixel size. */
export type ImageSize = (typeof ImageSize)[keyof typeof ImageSize] | `${number}x${number}`

/** Quality tiers. `Standard`/`Hd` are DALL·E 3's; `Low`..`Auto` are the GPT image models'. */
export const ImageQuality = {
  /** Faster, cheaper. */
  Standard: 'standard',
  /** More detail. */
  Hd: 'hd',
  /** GPT image: fastest. */
  Low: 'low',
  /** GPT image: balanced. */
  Medium: 'medium',
  /** GPT image: most detail. */
  High: 'high',
  /** GPT image: the model decides. */
  Auto: 'auto',
} as const
/** One of {@link ImageQuality}'s values. */
export type ImageQuality = (typeof ImageQuality)[keyof typeof ImageQuality]

/** Rendering styles (DALL·E 3). */
export const ImageStyle = {
  /** Realistic. */
  Natural: 'natural',
  /** Dramatic, vivid. */
  Vivid: 'vivid',
} as const
/** One of {@link ImageStyle}'s values. */
export type ImageStyle = (typeof ImageStyle)[keyof typeof ImageStyle]

/** How images come back: a download URL or base64 data. */
export const ImageFormat = {
  /** A URL (a `data:` URL for providers that only return bytes). */
  Url: 'url',
  /** Base64-encoded image bytes (URLs are downloaded for you). */
  B64Json: 'b64_json',
} as const
/** One of {@link ImageFormat}'s values. */
export type ImageFormat = (typeof ImageFormat)[keyof typeof ImageFormat]

/** Largest seed any provider accepts (unsigned 32-bit); models narrow it in their capabilities. */
export const MAX_SEED = 4_294_967_295
/** Largest side accepted in a `'WxH'` size before any provider is asked. */
export const MAX_SIDE_PX = 16_384

const sizePattern = /^([1-9]\d{0,4})x([1-9]\d{0,4})$/

/** zod schemas of each field, shared by the builder and the plain-object form. */
export const requestFieldSchemas = {
  model: z.string().trim().min(1, 'model must be a non-empty model id such as "dall-e-3"'),
  prompt: z.string().refine((p) => p.trim().length > 0, 'prompt must not be empty: describe the image to generate'),
  n: z.number().int('n must be a whole number').min(1, 'n must be at least 1').max(10, 'n must be at most 10; make several calls for more images'),
  size: z
    .string()
    .refine((s) => {
      const m = sizePattern.exec(s)
      return m !== null && Number(m[1]) <= MAX_SIDE_PX && Number(m[2]) <= MAX_SIDE_PX
    }, `size must be an ImageSize or 'WxH' in pixels (each side 1-${MAX_SIDE_PX}), e.g. '1024x1024'`),
  quality: z.enum(Object.values(ImageQuality) as [ImageQuality, ...ImageQuality[]], {
    error: `quality must be one of ${Object.values(ImageQuality).join(', ')}`,
  }),
  style: z.enum(Object.values(ImageStyle) as [ImageStyle, ...ImageStyle[]], {
    error: `style must be one of ${Object.values(ImageStyle).join(', ')}`,
  }),
  format: z.enum(Object.values(ImageFormat) as [ImageFormat, ...ImageFormat[]], {
    error: `format must be 'url' or 'b64_json'`,
  }),
  negative_prompt: z.string(),
  seed: z.number().int('seed must be a whole number').min(0, 'seed must be 0 or more').max(MAX_SEED, `seed must be at most ${MAX_SEED}`),
  provider_options: z.record(z.string(), z.unknown()),
} as const

/** The plain-object form of a request, accepted by `client.generateImage({...})`. */
export interface ImageGenerationRequestInit {
  /** Model id, alias or `provider:model`. */
  model: string
  /** What to draw. */
  prompt: string
  /** Number of images, 1-10. @defaultValue 1 */
  n?: number | undefined
  /** Pixel size. @defaultValue the model's default */
  size?: ImageSize | string | undefined
  /** Quality tier. */
  quality?: ImageQuality | undefined
  /** Style. */
  style?: ImageStyle | undefined
  /** Output format. @defaultValue `'url'` */
  format?: ImageFormat | undefined
  /** What the image should not contain. */
  negative_prompt?: string | undefined
  /** Seed for reproducible results. */
  seed?: number | undefined
  /** Provider-specific settings, passed through after validation against the model's table. */
  provider_options?: Record<string, unknown> | undefined
}

/** zod schema of {@link ImageGenerationRequestInit}; unknown keys are an error, never dropped. */
export const imageGenerationRequestSchema = z.strictObject({
  model: requestFieldSchemas.model,
  prompt: requestFieldSchemas.prompt,
  n: requestFieldSchemas.n.optional(),
  size: requestFieldSchemas.size.optional(),
  quality: requestFieldSchemas.quality.optional(),
  style: requestFieldSchemas.style.optional(),
  format: requestFieldSchemas.format.optional(),
  negative_prompt: requestFieldSchemas.negative_prompt.optional(),
  seed: requestFieldSchemas.seed.optional(),
  provider_options: requestFieldSchemas.provider_options.optional(),
})

function check<K extends keyof typeof requestFieldSchemas>(field: K, value: unknown): z.output<(typeof requestFieldSchemas)[K]> {
  const parsed = requestFieldSchemas[field].safeParse(value)
  if (!parsed.success) {
    throw new InvalidRequestError(`Invalid ${field}: ${parsed.error.issues[0]?.message ?? 'invalid value'} (got ${describe(value)})`, {
      param: field,
    })
  }
  return parsed.data as z.output<(typeof requestFieldSchemas)[K]>
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)
  return String(value)
}

/**
 * An immutable image generation request. Every `with_*` method validates its argument and
 * returns a new request, so a request can be shared and reused safely.
 *
 * @throws {@link InvalidRequestError} when the model id or prompt is empty, or a builder value is invalid.
 * @example
 * ```ts
 * const request = new ImageGenerationRequest('dall-e-3', 'A Renaissance portrait')
 *   .with_size(ImageSize.Landscape1792x1024)
 *   .with_quality(ImageQuality.Hd)
 * ```
 */
export class ImageGenerationRequest {
  /** Model id, alias or `provider:model`. */
  readonly model: string
  /** What to draw. */
  readonly prompt: string
  /** Number of images. */
  readonly n: number | undefined
  /** Pixel size, `'WxH'`. */
  readonly size: string | undefined
  /** Quality tier. */
  readonly quality: ImageQuality | undefined
  /** Style. */
  readonly style: ImageStyle | undefined
  /** Output format. */
  readonly format: ImageFormat | undefined
  /** What the image should not contain. */
  readonly negative_prompt: string | undefined
  /** Seed. */
  readonly seed: number | undefined
  /** Provider-specific settings. */
  readonly provider_options: Readonly<Record<string, unknown>> | undefined

  constructor(model: string, prompt: string) {
    this.model = check('model', model).trim()
    this.prompt = check('prompt', prompt)
    this.n = undefined
    this.size = undefined
    this.quality = undefined
    this.style = undefined
    this.format = undefined
    this.negative_prompt = undefined
    this.seed = undefined
    this.provider_options = undefined
    Object.freeze(this)
  }

  /**
   * Builds a request from its plain-object form.
   * @throws {@link InvalidRequestError} naming the first invalid or unknown field.
   */
  static from(init: ImageGenerationRequestInit | ImageGenerationRequest): ImageGenerationRequest {
    if (init instanceof ImageGenerationRequest) return init
    // A request built by a second installed copy of llmkit fails instanceof; take its data.
    if (typeof (init as { toJSON?: unknown }).toJSON === 'function') init = (init as ImageGenerationRequest).toJSON()
    const parsed = imageGenerationRequestSchema.safeParse(init)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      const param = issue?.path.join('.') || (issue?.code === 'unrecognized_keys' ? issue.keys.join(', ') : undefined)
      const message = issue?.code === 'unrecognized_keys'
        ? `unknown field(s) ${issue.keys.join(', ')}; use provider_options for provider-specific settings`
        : issue?.message ?? 'invalid request'
      throw new InvalidRequestError(`Invalid ${param ?? 'request'}: ${message}`, { param })
    }
    const d = parsed.data
    return copyRequest(new ImageGenerationRequest(d.model, d.prompt), {
      n: d.n,
      size: d.size,
      quality: d.quality,
      style: d.style,
      format: d.format,
      negative_prompt: d.negative_prompt,
      seed: d.seed,
      provider_options: d.provider_options,
    })
  }

  /** Number of images, 1-10. Above the model's per-call limit, calls are split for you. */
  with_n(count: number): ImageGenerationRequest {
    return copyRequest(this, { n: check('n', count) })
  }

  /** Image size: an {@link ImageSize} or `'WxH'`. Sizes a model lacks are mapped to the nearest with a warning. */
  with_size(size: ImageSize | string): ImageGenerationRequest {
    return copyRequest(this, { size: check('size', size) })
  }

  /** Quality tier. */
  with_quality(quality: ImageQuality): ImageGenerationRequest {
    return copyRequest(this, { quality: check('quality', quality) })
  }

  /** Style. */
  with_style(style: ImageStyle): ImageGenerationRequest {
    return copyRequest(this, { style: check('style', style) })
  }

  /** Output format: URL or base64. Always honored (downloads or `data:` URLs as needed). */
  with_format(format: ImageFormat): ImageGenerationRequest {
    return copyRequest(this, { format: check('format', format) })
  }

  /** What NOT to include. Models without negative prompts warn or fail, by policy. */
  with_negative_prompt(prompt: string): ImageGenerationRequest {
    return copyRequest(this, { negative_prompt: check('negative_prompt', prompt) })
  }

  /** Seed for reproducible results (0 to 4294967295; models may narrow the range). */
  with_seed(seed: number): ImageGenerationRequest {
    return copyRequest(this, { seed: check('seed', seed) })
  }

  /** Provider-specific settings, e.g. `{ background: 'transparent' }`; merged with earlier ones. */
  with_provider_options(options: Record<string, unknown>): ImageGenerationRequest {
    const checked = check('provider_options', options)
    return copyRequest(this, { provider_options: { ...this.provider_options, ...checked } })
  }

  /** The plain-object form, with unset fields left out. */
  toJSON(): ImageGenerationRequestInit {
    const out: ImageGenerationRequestInit = { model: this.model, prompt: this.prompt }
    for (const key of ['n', 'size', 'quality', 'style', 'format', 'negative_prompt', 'seed', 'provider_options'] as const) {
      if (this[key] !== undefined) (out as unknown as Record<string, unknown>)[key] = this[key]
    }
    return out
  }

}

function copyRequest(
  from: ImageGenerationRequest,
  changes: Partial<Omit<ImageGenerationRequestInit, 'model' | 'prompt'>>,
): ImageGenerationRequest {
  const next = Object.create(ImageGenerationRequest.prototype) as ImageGenerationRequest
  Object.assign(next, from, changes)
  if (next.provider_options) Object.freeze(next.provider_options)
  return Object.freeze(next)
}
