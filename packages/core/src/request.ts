import { z } from 'zod'
import { InvalidRequestError, LLMKitError } from './errors.js'
import { sniffImageType } from './media.js'
import { acceptImageInput, IMAGE_OPERATIONS, type ImageInput, type ImageOperation } from './inputs/image-input.js'

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

/** Output file formats a request can ask for; models that produce one format only honor just it. */
export const OutputFormat = {
  /** PNG: lossless, keeps transparency. */
  Png: 'png',
  /** JPEG: smallest, no transparency. */
  Jpeg: 'jpeg',
  /** WebP: small, keeps transparency. */
  Webp: 'webp',
} as const
/** One of {@link OutputFormat}'s values. */
export type OutputFormat = (typeof OutputFormat)[keyof typeof OutputFormat]

/** Background handling (GPT image models, Runway's gpt_image_2). */
export const ImageBackground = {
  /** A transparent background (needs a PNG or WebP output). */
  Transparent: 'transparent',
  /** An opaque background. */
  Opaque: 'opaque',
  /** The model decides. */
  Auto: 'auto',
} as const
/** One of {@link ImageBackground}'s values. */
export type ImageBackground = (typeof ImageBackground)[keyof typeof ImageBackground]

/** An aspect ratio `'W:H'`, e.g. `'16:9'`. */
export type AspectRatio = `${number}:${number}`

/** Widest aspect ratio accepted (either way round) before any provider is asked. */
export const MAX_ASPECT_RATIO = 16

/** Largest seed any provider accepts (unsigned 32-bit); models narrow it in their capabilities. */
export const MAX_SEED = 4_294_967_295
/** Largest side accepted in a `'WxH'` size before any provider is asked. */
export const MAX_SIDE_PX = 16_384
/**
 * Longest model id: a pinned Replicate version (`owner/name:<64 hex>`) is about 200 characters.
 * The bound also keeps the "did you mean" search of an unknown id cheap.
 */
export const MAX_MODEL_ID_LENGTH = 512
/**
 * Deepest nesting and most values in `provider_options`: far above any provider's documented
 * shape (Recraft's `text_layout` is four levels deep), low enough that copying them is cheap.
 */
export const MAX_PROVIDER_OPTION_DEPTH = 32
/** See {@link MAX_PROVIDER_OPTION_DEPTH}. */
export const MAX_PROVIDER_OPTION_VALUES = 100_000

const sizePattern = /^([1-9]\d{0,4})x([1-9]\d{0,4})$/
const ratioPattern = /^([1-9]\d{0,3}(?:\.\d{1,3})?):([1-9]\d{0,3}(?:\.\d{1,3})?)$/
// A lone surrogate cannot be encoded as UTF-8: providers would receive U+FFFD instead of the text.
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** Text a provider can receive as written: well-formed Unicode without NUL characters. */
const text = (field: string) =>
  z
    .string()
    .refine((s) => !s.includes('\u0000'), `${field} must not contain NUL characters`)
    .refine((s) => !loneSurrogate.test(s), `${field} must be well-formed Unicode (it has a lone surrogate, e.g. half of an emoji cut by slicing)`)

/** zod schemas of each field, shared by the builder and the plain-object form. */
export const requestFieldSchemas = {
  model: text('model')
    .trim()
    .min(1, 'model must be a non-empty model id such as "dall-e-3"')
    .max(MAX_MODEL_ID_LENGTH, `model must be at most ${MAX_MODEL_ID_LENGTH} characters`),
  prompt: text('prompt').refine((p) => p.trim().length > 0, 'prompt must not be empty: describe the image to generate'),
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
  aspect_ratio: z
    .string()
    .refine((s) => {
      const m = ratioPattern.exec(s)
      if (m === null) return false
      const r = Number(m[1]) / Number(m[2])
      return r <= MAX_ASPECT_RATIO && r >= 1 / MAX_ASPECT_RATIO
    }, `aspect_ratio must be 'W:H' with positive numbers, e.g. '16:9', no wider than ${MAX_ASPECT_RATIO}:1 either way`),
  output_format: z.enum(Object.values(OutputFormat) as [OutputFormat, ...OutputFormat[]], {
    error: `output_format must be one of ${Object.values(OutputFormat).join(', ')}`,
  }),
  output_compression: z.number().int('output_compression must be a whole number').min(0, 'output_compression must be 0 to 100').max(100, 'output_compression must be 0 to 100'),
  background: z.enum(Object.values(ImageBackground) as [ImageBackground, ...ImageBackground[]], {
    error: `background must be one of ${Object.values(ImageBackground).join(', ')}`,
  }),
  negative_prompt: text('negative_prompt'),
  seed: z.number().int('seed must be a whole number').min(0, 'seed must be 0 or more').max(MAX_SEED, `seed must be at most ${MAX_SEED}`),
  provider_options: z.record(z.string(), z.unknown()),
  strength: z.number().min(0, 'strength must be 0 to 1').max(1, 'strength must be 0 to 1 (1 lets the result move furthest from the source)'),
  operation: z.enum(IMAGE_OPERATIONS as [ImageOperation, ...ImageOperation[]], {
    error: `operation must be one of ${IMAGE_OPERATIONS.join(', ')}`,
  }),
} as const

/** Most input images one request carries (OpenAI's GPT image edits take 16). */
export const MAX_INPUT_IMAGES = 16

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
  /** Aspect ratio `'W:H'`; size-only models get the nearest size (with a warning). */
  aspect_ratio?: AspectRatio | string | undefined
  /** Image file format. @defaultValue the model's default (often PNG) */
  output_format?: OutputFormat | undefined
  /** Compression 0-100 for `jpeg`/`webp` output. */
  output_compression?: number | undefined
  /** Background handling. */
  background?: ImageBackground | undefined
  /** What the image should not contain. */
  negative_prompt?: string | undefined
  /** Seed for reproducible results. */
  seed?: number | undefined
  /** Provider-specific settings, passed through after validation against the model's table. */
  provider_options?: Record<string, unknown> | undefined
  /** Source or reference images, in order: bytes, a Blob, a `data:` URL or an `https:` URL. */
  images?: readonly ImageInput[] | undefined
  /** The mask of an edit or inpaint (rules per model: alpha or white-on-black, same size). */
  mask?: ImageInput | undefined
  /** How far the result may move from the source image, 0-1 (image-to-image). */
  strength?: number | undefined
  /** What to do with the images; the model's first offered operation when left out. */
  operation?: ImageOperation | undefined
}

/** zod schema of {@link ImageGenerationRequestInit}; unknown keys are an error, never dropped. */
export const imageGenerationRequestSchema = z.strictObject({
  model: requestFieldSchemas.model,
  // Checked after parsing: a variation needs none (see ImageGenerationRequest.from).
  prompt: z.string().optional(),
  n: requestFieldSchemas.n.optional(),
  size: requestFieldSchemas.size.optional(),
  quality: requestFieldSchemas.quality.optional(),
  style: requestFieldSchemas.style.optional(),
  format: requestFieldSchemas.format.optional(),
  aspect_ratio: requestFieldSchemas.aspect_ratio.optional(),
  output_format: requestFieldSchemas.output_format.optional(),
  output_compression: requestFieldSchemas.output_compression.optional(),
  background: requestFieldSchemas.background.optional(),
  negative_prompt: requestFieldSchemas.negative_prompt.optional(),
  seed: requestFieldSchemas.seed.optional(),
  provider_options: requestFieldSchemas.provider_options.optional(),
  images: z.array(z.unknown()).max(MAX_INPUT_IMAGES, `images takes at most ${MAX_INPUT_IMAGES} images`).optional(),
  mask: z.unknown().optional(),
  strength: requestFieldSchemas.strength.optional(),
  operation: requestFieldSchemas.operation.optional(),
})

function check<K extends keyof typeof requestFieldSchemas>(field: K, value: unknown): z.output<(typeof requestFieldSchemas)[K]> {
  const parsed = safeParse(requestFieldSchemas[field], value, field)
  if (!parsed.success) {
    throw new InvalidRequestError(`Invalid ${field}: ${parsed.issue?.message ?? 'invalid value'} (got ${describe(value)})`, {
      param: field,
    })
  }
  return parsed.data as z.output<(typeof requestFieldSchemas)[K]>
}

/**
 * zod's `safeParse` that also turns what zod cannot survive (a Proxy whose traps throw, a revoked
 * Proxy) into an InvalidRequestError naming the field.
 */
function safeParse<S extends z.ZodType>(schema: S, value: unknown, param: string | undefined): { success: true; data: z.output<S> } | { success: false; issue: z.core.$ZodIssue | undefined } {
  try {
    const parsed = schema.safeParse(value)
    // zod writes its messages lazily, reading the value again: do it here, inside the guard.
    return parsed.success ? { success: true, data: parsed.data } : { success: false, issue: parsed.error.issues[0] }
  } catch (error) {
    throw new InvalidRequestError(`Invalid ${param ?? 'request'}: the value could not be read (${errorText(error)}); pass plain data`, { param })
  }
}

/** A short description of any value for a message; never throws (a hostile toString, a Proxy). */
function describe(value: unknown): string {
  try {
    if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)
    if (typeof value === 'bigint') return `${value}n (a BigInt)`
    if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return String(value)
    return Array.isArray(value) ? 'an array' : `a${typeof value === 'function' ? ' function' : 'n object'}`
  } catch {
    return 'an unreadable value'
  }
}

function invalidOption(path: string, what: string): InvalidRequestError {
  return new InvalidRequestError(`Invalid ${path}: ${what}; provider options must be plain JSON (strings, finite numbers, booleans, null, arrays, plain objects)`, {
    param: path,
  })
}

/**
 * A plain JSON copy of `provider_options`, read once: getters, Proxies and later mutation of the
 * caller's object cannot change what is validated and sent. `__proto__` and other odd keys stay
 * plain data. `undefined` values are left out, as JSON does.
 *
 * @throws {@link InvalidRequestError} naming the path of a value JSON cannot carry (BigInt,
 * function, symbol, NaN, Infinity, a class instance, a cycle) or that cannot be read.
 */
function copyProviderOptions(value: unknown): Record<string, unknown> {
  let values = 0
  const ancestors = new Set<object>()
  const copy = (v: unknown, path: string, depth: number): unknown => {
    if (++values > MAX_PROVIDER_OPTION_VALUES) throw invalidOption('provider_options', `more than ${MAX_PROVIDER_OPTION_VALUES} values`)
    switch (typeof v) {
      case 'string':
      case 'boolean':
      case 'undefined':
        return v
      case 'number':
        if (!Number.isFinite(v)) throw invalidOption(path, `${v} is not a finite number`)
        return v
      case 'object':
        break
      default:
        throw invalidOption(path, `${describe(v)} is a ${typeof v}, which JSON cannot carry`)
    }
    if (v === null) return null
    if (depth >= MAX_PROVIDER_OPTION_DEPTH) throw invalidOption(path, `nested deeper than ${MAX_PROVIDER_OPTION_DEPTH} levels`)
    if (ancestors.has(v)) throw invalidOption(path, 'is circular (it contains itself)')
    ancestors.add(v)
    try {
      if (Array.isArray(v)) {
        const length = v.length
        if (length > MAX_PROVIDER_OPTION_VALUES) throw invalidOption(path, `more than ${MAX_PROVIDER_OPTION_VALUES} values`)
        const out: unknown[] = []
        // JSON writes undefined array items (and holes) as null.
        for (let i = 0; i < length; i++) out.push(copy(v[i], `${path}.${i}`, depth + 1) ?? null)
        return out
      }
      const proto: unknown = Object.getPrototypeOf(v)
      if (proto !== Object.prototype && proto !== null) throw invalidOption(path, `${describe(v)} is not a plain object (a class instance such as a Date, Map or Buffer)`)
      const out: Record<string, unknown> = {}
      for (const key of Object.keys(v)) {
        const item = copy((v as Record<string, unknown>)[key], `${path}.${key}`, depth + 1)
        // defineProperty keeps a `__proto__` key as data instead of changing the prototype.
        if (item !== undefined) Object.defineProperty(out, key, { value: item, enumerable: true, writable: true, configurable: true })
      }
      return out
    } finally {
      ancestors.delete(v)
    }
  }
  try {
    const top = copy(value, 'provider_options', 0)
    if (top === null || typeof top !== 'object' || Array.isArray(top)) throw invalidOption('provider_options', `expected an object of settings, got ${describe(value)}`)
    return top as Record<string, unknown>
  } catch (error) {
    if (LLMKitError.isInstance(error)) throw error
    // A throwing getter or Proxy trap.
    throw invalidOption('provider_options', `could not be read (${errorText(error)})`)
  }
}

function errorText(error: unknown): string {
  try {
    return error instanceof Error ? error.message : describe(error)
  } catch {
    return 'unreadable error'
  }
}

/**
 * The caller's plain object read once into a prototype-free record of its own enumerable
 * fields: inherited keys are ignored, and a throwing getter or Proxy trap becomes an
 * InvalidRequestError instead of escaping as a TypeError.
 */
function readInit(init: unknown): Record<string, unknown> | ImageGenerationRequest {
  if (init === null || init === undefined || typeof init !== 'object') {
    throw new InvalidRequestError(`Invalid request: expected an ImageGenerationRequest or an object such as { model: 'dall-e-3', prompt: 'A cat' }, got ${describe(init)}`)
  }
  try {
    // instanceof reads the prototype, which a Proxy can refuse.
    if (init instanceof ImageGenerationRequest) return init
    let source = init as Record<string, unknown>
    // A request built by a second installed copy of llmkit fails instanceof; take its data.
    const toJSON = source['toJSON']
    if (typeof toJSON === 'function') {
      const plain: unknown = toJSON.call(source)
      if (plain === null || typeof plain !== 'object') throw new InvalidRequestError(`Invalid request: its toJSON() returned ${describe(plain)}, not an object`)
      source = plain as Record<string, unknown>
    }
    if (Array.isArray(source)) throw new InvalidRequestError('Invalid request: expected an object, got an array')
    const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>
    for (const key of Object.keys(source)) Object.defineProperty(out, key, { value: source[key], enumerable: true, writable: true, configurable: true })
    return out
  } catch (error) {
    if (LLMKitError.isInstance(error)) throw error
    throw new InvalidRequestError(`Invalid request: it could not be read (${errorText(error)}); pass a plain object`)
  }
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
  /** Aspect ratio, `'W:H'`. */
  readonly aspect_ratio: string | undefined
  /** Image file format. */
  readonly output_format: OutputFormat | undefined
  /** Compression 0-100 for `jpeg`/`webp`. */
  readonly output_compression: number | undefined
  /** Background handling. */
  readonly background: ImageBackground | undefined
  /** What the image should not contain. */
  readonly negative_prompt: string | undefined
  /** Seed. */
  readonly seed: number | undefined
  /** Provider-specific settings. */
  readonly provider_options: Readonly<Record<string, unknown>> | undefined
  /** Source or reference images, in order. */
  readonly images: readonly ImageInput[] | undefined
  /** The mask. */
  readonly mask: ImageInput | undefined
  /** How far the result may move from the source, 0-1. */
  readonly strength: number | undefined
  /** What to do with the images. */
  readonly operation: ImageOperation | undefined

  constructor(model: string, prompt: string) {
    this.model = check('model', model).trim()
    this.prompt = check('prompt', prompt)
    this.n = undefined
    this.size = undefined
    this.quality = undefined
    this.style = undefined
    this.format = undefined
    this.aspect_ratio = undefined
    this.output_format = undefined
    this.output_compression = undefined
    this.background = undefined
    this.negative_prompt = undefined
    this.seed = undefined
    this.provider_options = undefined
    this.images = undefined
    this.mask = undefined
    this.strength = undefined
    this.operation = undefined
    Object.freeze(this)
  }

  /**
   * A variation of an image: new images like it, without a prompt (dall-e-2).
   * @example
   * ```ts
   * const request = ImageGenerationRequest.variation('dall-e-2', await readImageFile('cat.png')).with_n(3)
   * ```
   */
  static variation(model: string, image: ImageInput): ImageGenerationRequest {
    return copyRequest(variationBase(check('model', model).trim()), { images: Object.freeze([acceptImageInput(image, 'image')]), operation: 'variation' })
  }

  /**
   * Builds a request from its plain-object form. Any value is accepted as input: the object is
   * read once (own fields only), and `provider_options` are copied as plain JSON.
   * @throws {@link InvalidRequestError} naming the first invalid or unknown field, for a value that
   * is not a request object (`null`, a string, an array), or one that cannot be read (a throwing
   * getter, `toJSON` or Proxy).
   */
  static from(init: ImageGenerationRequestInit | ImageGenerationRequest): ImageGenerationRequest {
    const raw = readInit(init)
    if (raw instanceof ImageGenerationRequest) return raw
    const options = raw['provider_options'] === undefined ? undefined : copyProviderOptions(raw['provider_options'])
    const parsed = safeParse(imageGenerationRequestSchema, { ...raw, provider_options: undefined }, undefined)
    if (!parsed.success) {
      const issue = parsed.issue
      const param = issue?.path.join('.') || (issue?.code === 'unrecognized_keys' ? issue.keys.join(', ') : undefined)
      const message = issue?.code === 'unrecognized_keys'
        ? `unknown field(s) ${issue.keys.join(', ')}; use provider_options for provider-specific settings`
        : issue?.message ?? 'invalid request'
      throw new InvalidRequestError(`Invalid ${param ?? 'request'}: ${message}`, { param })
    }
    const d = parsed.data
    const variation = d.operation === 'variation'
    // A variation draws from its image alone; every other request needs a prompt.
    const base = variation && (d.prompt === undefined || d.prompt === '')
      ? variationBase(d.model)
      : new ImageGenerationRequest(d.model, d.prompt as string)
    return copyRequest(base, {
      images: d.images === undefined ? undefined : Object.freeze(d.images.map((input, i) => acceptImageInput(input, `images.${i}`))),
      mask: d.mask === undefined ? undefined : acceptImageInput(d.mask, 'mask'),
      strength: d.strength,
      operation: d.operation,
      n: d.n,
      size: d.size,
      quality: d.quality,
      style: d.style,
      format: d.format,
      aspect_ratio: d.aspect_ratio,
      output_format: d.output_format,
      output_compression: d.output_compression,
      background: d.background,
      negative_prompt: d.negative_prompt,
      seed: d.seed,
      provider_options: options,
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

  /**
   * Aspect ratio `'W:H'`, e.g. `'16:9'`. Ratio models take it directly; size-only models get the
   * nearest size, with a warning (or an error under `unsupported: 'error'`) when its ratio differs.
   */
  with_aspect_ratio(ratio: AspectRatio | string): ImageGenerationRequest {
    return copyRequest(this, { aspect_ratio: check('aspect_ratio', ratio) })
  }

  /** Image file format: `'png'`, `'jpeg'` or `'webp'`. Models that cannot choose warn or fail, by policy. */
  with_output_format(format: OutputFormat): ImageGenerationRequest {
    return copyRequest(this, { output_format: check('output_format', format) })
  }

  /** Compression 0-100 (100 = best quality) for `jpeg` or `webp` output; set an output format too. */
  with_output_compression(compression: number): ImageGenerationRequest {
    return copyRequest(this, { output_compression: check('output_compression', compression) })
  }

  /** Background: `'transparent'` (PNG or WebP only), `'opaque'` or `'auto'`. */
  with_background(background: ImageBackground): ImageGenerationRequest {
    return copyRequest(this, { background: check('background', background) })
  }

  /** What NOT to include. Models without negative prompts warn or fail, by policy. */
  with_negative_prompt(prompt: string): ImageGenerationRequest {
    return copyRequest(this, { negative_prompt: check('negative_prompt', prompt) })
  }

  /** Seed for reproducible results (0 to 4294967295; models may narrow the range). */
  with_seed(seed: number): ImageGenerationRequest {
    return copyRequest(this, { seed: check('seed', seed) })
  }

  /**
   * Provider-specific settings, e.g. `{ background: 'transparent' }`; merged with earlier ones.
   * Kept as a plain JSON copy; the model's table checks names and types when the request is sent.
   * @throws {@link InvalidRequestError} naming the path of a value JSON cannot carry (BigInt,
   * function, symbol, NaN, a Date or other class instance, a cycle) or that cannot be read.
   */
  with_provider_options(options: Record<string, unknown>): ImageGenerationRequest {
    const merged = copyProviderOptions(this.provider_options ?? {})
    for (const [key, value] of Object.entries(copyProviderOptions(options))) {
      Object.defineProperty(merged, key, { value, enumerable: true, writable: true, configurable: true })
    }
    return copyRequest(this, { provider_options: merged })
  }

  /**
   * Adds an input image (repeatable; order kept): the source of an edit or image-to-image, or a
   * reference. Bytes (`Uint8Array`, `Buffer`), a `Blob`, a `data:` URL or an `https:` URL (fetched
   * under the client's download rules). Bytes are copied, so changing them later changes nothing.
   */
  with_image(input: ImageInput): ImageGenerationRequest {
    const images = [...(this.images ?? [])]
    if (images.length >= MAX_INPUT_IMAGES) throw new InvalidRequestError(`Invalid images: at most ${MAX_INPUT_IMAGES} images per request`, { param: 'images' })
    images.push(acceptImageInput(input, `images.${images.length}`))
    return copyRequest(this, { images: Object.freeze(images) })
  }

  /** The mask of an edit or inpaint: per model, transparent pixels (OpenAI) or white on black mark the area to repaint. */
  with_mask(input: ImageInput): ImageGenerationRequest {
    return copyRequest(this, { mask: acceptImageInput(input, 'mask') })
  }

  /** How far the result may move from the source image: 0 keeps it, 1 ignores it (image-to-image). */
  with_strength(strength: number): ImageGenerationRequest {
    return copyRequest(this, { strength: check('strength', strength) })
  }

  /** What to do with the images (`'edit'`, `'inpaint'`, `'image-to-image'`, ...); by default the model's first offered operation. */
  with_operation(operation: ImageOperation): ImageGenerationRequest {
    return copyRequest(this, { operation: check('operation', operation) })
  }

  /**
   * The plain-object form, with unset fields left out. Byte inputs are written as `data:` URLs so
   * the form survives JSON; Blobs stay Blobs (read them with `resolveInputs` first to store them).
   */
  toJSON(): ImageGenerationRequestInit {
    const out: ImageGenerationRequestInit = { model: this.model, prompt: this.prompt }
    if (this.images !== undefined) out.images = this.images.map(inputToJSON)
    if (this.mask !== undefined) out.mask = inputToJSON(this.mask)
    for (const key of ['n', 'size', 'quality', 'style', 'format', 'aspect_ratio', 'output_format', 'output_compression', 'background', 'negative_prompt', 'seed', 'provider_options', 'strength', 'operation'] as const) {
      if (this[key] !== undefined) (out as unknown as Record<string, unknown>)[key] = this[key]
    }
    return out
  }

}

/** A request with no prompt, for a variation (the constructor refuses an empty prompt). */
function variationBase(model: string): ImageGenerationRequest {
  const base = copyRequest(new ImageGenerationRequest(model, 'variation'), { operation: 'variation' })
  return Object.freeze(Object.assign(Object.create(ImageGenerationRequest.prototype) as ImageGenerationRequest, base, { prompt: '' }))
}

function inputToJSON(input: ImageInput): ImageInput {
  if (!(input instanceof Uint8Array)) return input
  const type = sniffImageType(input) ?? 'application/octet-stream'
  return `data:${type};base64,${Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('base64')}`
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
