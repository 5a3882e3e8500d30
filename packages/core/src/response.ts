import { mkdir, rename, rm, writeFile } from 'node:fs/promises'
import { dirname, extname } from 'node:path'
import { InvalidRequestError } from './errors.js'
import { bindImageDownloads, downloadImage, downloadImageToFile, imageDownloadsOf, notAnImage, type SavedImage } from './http/download.js'
import { base64DecodedLength, imageExtension, parseDataUrl, sniffBase64Type, sniffImageType } from './media.js'
import type { Cost } from './cost/price.js'
import type { Warning } from './warnings.js'

/** Sizes of URL images fetched by `bytes()` or `save()`, for `byteLength` (images are frozen). */
const fetchedSizes = new WeakMap<GeneratedImage, number>()

/** Fields of a {@link GeneratedImage}. */
export interface GeneratedImageInit {
  /** Download URL (`data:` URL for byte-only providers). */
  url?: string | undefined
  /** Base64 image bytes. */
  b64_json?: string | undefined
  /** The prompt the model actually used. */
  revised_prompt?: string | undefined
  /** MIME type, e.g. `image/png`, `image/svg+xml`. */
  mimeType?: string | undefined
  /** Seed that produced this image, when the provider reports it. */
  seed?: number | undefined
  /** Pixel width, when known. */
  width?: number | undefined
  /** Pixel height, when known. */
  height?: number | undefined
  /** When a provider URL stops working. */
  expiresAt?: Date | undefined
}

/**
 * One generated image: a URL, base64 data, or both.
 *
 * @example
 * ```ts
 * const image = response.first()
 * if (image) await image.save('out/cat.png')
 * ```
 */
export class GeneratedImage {
  /** Download URL. Provider URLs expire (OpenAI: 60 min), so fetch them soon. */
  readonly url: string | undefined
  /** Base64-encoded image bytes. */
  readonly b64_json: string | undefined
  /** The prompt the model actually used (DALL·E 3). */
  readonly revised_prompt: string | undefined
  /** MIME type, when known from the provider or the bytes. */
  readonly mimeType: string | undefined
  /** Seed of this image, when the provider reports it. */
  readonly seed: number | undefined
  /** Pixel width, when known. */
  readonly width: number | undefined
  /** Pixel height, when known. */
  readonly height: number | undefined
  /** When `url` stops working, when known. */
  readonly expiresAt: Date | undefined

  constructor(init: GeneratedImageInit = {}) {
    this.url = init.url
    this.b64_json = init.b64_json
    this.revised_prompt = init.revised_prompt
    this.mimeType = init.mimeType ?? mimeFromData(init)
    this.seed = init.seed
    this.width = init.width
    this.height = init.height
    this.expiresAt = init.expiresAt
    Object.freeze(this)
  }

  /** An image from a download URL. */
  static from_url(url: string): GeneratedImage {
    return new GeneratedImage({ url })
  }

  /** An image from base64 data. */
  static from_b64(data: string): GeneratedImage {
    return new GeneratedImage({ b64_json: data })
  }

  /** A copy with the revised prompt set. */
  with_revised_prompt(prompt: string): GeneratedImage {
    const copy = new GeneratedImage({ ...this.toJSON(), expiresAt: this.expiresAt, revised_prompt: prompt })
    bindImageDownloads(copy, imageDownloadsOf(this))
    return copy
  }

  /**
   * Size of the image in bytes: decoded from `b64_json` (or a `data:` URL), or, for a remote URL,
   * counted once `bytes()` or `save()` has fetched it; 0 for a URL image not fetched yet.
   */
  get byteLength(): number {
    if (this.b64_json !== undefined) return base64DecodedLength(this.b64_json)
    const data = this.url === undefined ? undefined : parseDataUrl(this.url)
    return data === undefined ? (fetchedSizes.get(this) ?? 0) : base64DecodedLength(data.base64)
  }

  /**
   * The image bytes: decoded from `b64_json`, or downloaded from `url` (size-capped, redirects not
   * followed). An image a client returned may be fetched from its provider's configured origin
   * and the client's `downloads.allowHosts`, as the client does (a cache hit too: the client's
   * trust is applied when it is served, never stored); any other URL, and every URL of an image
   * built by hand, must be https to a public address.
   * @throws {@link NetworkError} when the URL expired or failed; {@link InvalidRequestError} when
   * there is no data or the URL is refused.
   */
  async bytes(options: { signal?: AbortSignal } = {}): Promise<Buffer> {
    if (this.b64_json !== undefined) return Buffer.from(this.b64_json, 'base64')
    if (this.url !== undefined) {
      const { bytes } = await downloadImage(this.url, { ...imageDownloadsOf(this), signal: options.signal })
      // The same check delivery makes: an HTML error page or JSON served under an image URL is
      // not an image, whatever its content-type says.
      if (sniffImageType(bytes) === undefined) throw notAnImage(this.url)
      fetchedSizes.set(this, bytes.length)
      return bytes
    }
    throw new InvalidRequestError('This image has neither url nor b64_json: nothing to read')
  }

  /**
   * Writes the image to `path`, creating folders. Without an extension, one is added from the
   * image type (`.png`, `.jpg`, `.webp`, `.svg`). A path with an extension is kept exactly as
   * given, even when it does not match the bytes: a vector model's SVG saved as `image.png` is
   * SVG text in `image.png` (renaming silently would surprise more); check `mimeType` first.
   * Returns the path written.
   */
  async save(path: string, options: { signal?: AbortSignal } = {}): Promise<string> {
    return (await this.saveFile(path, options)).path
  }

  /**
   * {@link GeneratedImage.save}, returning the path written with the file's size and the type its
   * bytes show. A URL image is streamed to disk as it downloads (memory does not grow with its
   * size), with the same trust, cap and image check as {@link GeneratedImage.bytes}; base64 data is
   * decoded and written. The file appears whole or not at all: it is written under a temporary
   * name beside `path` and renamed when complete, and nothing is left behind on a failure.
   * @throws as {@link GeneratedImage.bytes} does, or the file system's error.
   */
  async saveFile(path: string, options: { signal?: AbortSignal } = {}): Promise<SavedImage> {
    if (this.b64_json === undefined && this.url !== undefined) {
      const saved = await downloadImageToFile(this.url, path, { ...imageDownloadsOf(this), signal: options.signal, addExtension: true })
      fetchedSizes.set(this, saved.bytes)
      return saved
    }
    const bytes = await this.bytes(options)
    const ext = imageExtension(bytes, this.mimeType)
    const target = extname(path) === '' && ext !== undefined ? `${path}.${ext}` : path
    await mkdir(dirname(target), { recursive: true })
    const tmp = `${target}.${process.pid}-${Math.random().toString(36).slice(2, 10)}.tmp`
    try {
      await writeFile(tmp, bytes)
      await rename(tmp, target)
    } catch (error) {
      await rm(tmp, { force: true })
      throw error
    }
    return { path: target, bytes: bytes.length, mimeType: sniffImageType(bytes) ?? this.mimeType }
  }

  /** The plain fields (seed API names). */
  toJSON(): GeneratedImageInit {
    const out: GeneratedImageInit = {}
    for (const key of ['url', 'b64_json', 'revised_prompt', 'mimeType', 'seed', 'width', 'height'] as const) {
      if (this[key] !== undefined) (out as Record<string, unknown>)[key] = this[key]
    }
    return out
  }
}

function mimeFromData(init: GeneratedImageInit): string | undefined {
  const data = init.url === undefined ? undefined : parseDataUrl(init.url)
  if (data !== undefined) return data.mimeType
  if (init.b64_json !== undefined) return sniffBase64Type(init.b64_json)
  return undefined
}

/** Provider-reported usage (tokens, credits), when given. */
export interface Usage {
  /** Input tokens (GPT image). */
  inputTokens?: number | undefined
  /** Output tokens (GPT image). */
  outputTokens?: number | undefined
  /** Total tokens. */
  totalTokens?: number | undefined
  /** Provider credits or units spent, when reported. */
  credits?: number | undefined
  /** The provider's usage object as received. */
  raw?: unknown
}

/** Timings of a call, in milliseconds. */
export interface Timings {
  /** Whole call including retries, downloads and waits. */
  totalMs: number
  /** Time inside the provider call(s). */
  providerMs?: number | undefined
  /** Time spent downloading URLs to honor `b64_json`. */
  downloadMs?: number | undefined
}

/** Fields of an {@link ImageGenerationResponse}. */
export interface ImageGenerationResponseInit {
  /** Unix seconds. */
  created: number
  /** The images, in request order. */
  images: readonly GeneratedImage[]
  /** What could not be honored exactly. */
  warnings?: readonly Warning[] | undefined
  /** Provider id that produced the images. */
  provider?: string | undefined
  /** Model id actually used (after fallback). */
  model?: string | undefined
  /** Provider usage, summed over split calls. */
  usage?: Usage | undefined
  /** Timings. */
  timings?: Timings | undefined
  /** Provider request ids, one per provider call. */
  requestIds?: readonly string[] | undefined
  /** Provider attempts made (retries included; the largest over split parts). @defaultValue 1 */
  attempts?: number | undefined
  /** An attempt before the one that succeeded had an ambiguous outcome, so the provider may have charged twice. @defaultValue false */
  mayHaveBeenCharged?: boolean | undefined
  /** What the call cost (summed over split parts, retries and fallback models); undefined when the price is unknown. */
  cost?: Cost | undefined
  /** Served from the response cache, with no provider call. @defaultValue false */
  cached?: boolean | undefined
}

/**
 * The result of `generateImage`: the images, plus warnings, provider, model, usage and timings.
 */
export class ImageGenerationResponse {
  /** Unix timestamp (seconds) of creation. */
  readonly created: number
  /** The generated images, in order. */
  readonly images: readonly GeneratedImage[]
  /** Settings that were mapped or dropped, and other notices. Empty when all was honored. */
  readonly warnings: readonly Warning[]
  /** Provider id, e.g. `openai`. */
  readonly provider: string | undefined
  /** Model id actually used. */
  readonly model: string | undefined
  /** Provider-reported usage. */
  readonly usage: Usage | undefined
  /** Timings in milliseconds. */
  readonly timings: Timings | undefined
  /** Provider request ids. */
  readonly requestIds: readonly string[]
  /** Provider attempts made, retries included (for a split request, the most any part needed). */
  readonly attempts: number
  /**
   * True when a retry followed an attempt whose outcome was ambiguous (sent in full, no answer):
   * the provider may have charged for that attempt too. A batch reports it.
   */
  readonly mayHaveBeenCharged: boolean
  /**
   * What the call cost in US dollars: from the usage the provider reported (`estimated: false`)
   * or from the price table (`estimated: true`), summed over split parts, and including attempts
   * that may have been charged (retries after an ambiguous outcome, fallback models). A cache hit
   * costs 0. Undefined when the model's price is unknown.
   */
  readonly cost: Cost | undefined
  /**
   * True when the response came from the cache (the client's `cache` option): no provider call
   * was made and nothing was paid for it (`cost` is 0 or undefined, `timings.providerMs` 0).
   */
  readonly cached: boolean

  constructor(init: ImageGenerationResponseInit) {
    this.created = init.created
    this.images = Object.freeze([...init.images])
    this.warnings = Object.freeze([...(init.warnings ?? [])])
    this.provider = init.provider
    this.model = init.model
    this.usage = init.usage
    this.timings = init.timings
    this.requestIds = Object.freeze([...(init.requestIds ?? [])])
    this.attempts = init.attempts ?? 1
    this.mayHaveBeenCharged = init.mayHaveBeenCharged ?? false
    this.cost = init.cost
    this.cached = init.cached ?? false
    Object.freeze(this)
  }

  /** Number of images. */
  get count(): number {
    return this.images.length
  }

  /**
   * Total size of the images in bytes: base64 and `data:` images always; a URL image once its
   * `bytes()` or `save()` has fetched it (0 before: a URL response holds no bytes).
   */
  get total_size(): number {
    let total = 0
    for (const image of this.images) total += image.byteLength
    return total
  }

  /** The first image, or undefined when there is none. */
  first(): GeneratedImage | undefined {
    return this.images[0]
  }

  /** A copy with some fields replaced (middleware use this; responses stay immutable). */
  with(changes: Partial<ImageGenerationResponseInit>): ImageGenerationResponse {
    return new ImageGenerationResponse({
      created: this.created,
      images: this.images,
      warnings: this.warnings,
      provider: this.provider,
      model: this.model,
      usage: this.usage,
      timings: this.timings,
      requestIds: this.requestIds,
      attempts: this.attempts,
      mayHaveBeenCharged: this.mayHaveBeenCharged,
      cost: this.cost,
      cached: this.cached,
      ...changes,
    })
  }
}
