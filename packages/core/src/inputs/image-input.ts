import { readFile } from 'node:fs/promises'
import { imageSize } from 'image-size'
import { InvalidRequestError } from '../errors.js'
import { parseDataUrl, sniffImageType } from '../media.js'

/**
 * An image given to a request (`with_image`, `with_mask`): bytes (`Uint8Array`, `Buffer`), a
 * `Blob`, a `data:` URL or an `https:` URL. Files are never read implicitly; use
 * {@link readImageFile} to read a path you name.
 */
export type ImageInput = Uint8Array | Blob | string

/** What a request with images asks of the model. */
export const ImageOperation = {
  /** Change the image as the prompt says (OpenAI's edits; FLUX Kontext). */
  Edit: 'edit',
  /** Repaint the area a mask marks. */
  Inpaint: 'inpaint',
  /** Extend the image beyond its borders. */
  Outpaint: 'outpaint',
  /** A new image that keeps the source's composition, as far as `strength` lets it move. */
  ImageToImage: 'image-to-image',
  /** Variations of an image, without a prompt (dall-e-2). */
  Variation: 'variation',
  /** A new image guided by reference images (Runway's references). */
  Reference: 'reference',
} as const
/** One of {@link ImageOperation}'s values. */
export type ImageOperation = (typeof ImageOperation)[keyof typeof ImageOperation]
/** Every operation, in the order the core prefers them when a request names none. */
export const IMAGE_OPERATIONS: readonly ImageOperation[] = Object.freeze(['edit', 'inpaint', 'outpaint', 'image-to-image', 'variation', 'reference'])

/** Input formats any provider takes; rows narrow them. */
export type InputMimeType = 'image/png' | 'image/jpeg' | 'image/webp'
const INPUT_TYPES: readonly InputMimeType[] = ['image/png', 'image/jpeg', 'image/webp']
const EXTENSIONS: Readonly<Record<InputMimeType, string>> = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/webp': 'webp' }

/** Largest input read at all, before any model limit: far above every provider's (OpenAI: 50 MB). */
export const MAX_INPUT_BYTES = 64 * 1024 * 1024

/**
 * An input image as a provider receives it: read once, its type sniffed from the bytes, its size
 * and alpha channel known, so providers send it without checking it again.
 */
export interface InputImage {
  /** The bytes (never changed after the request was built). */
  readonly bytes: Uint8Array
  /** Sniffed from the bytes, never from a name or header. */
  readonly mimeType: InputMimeType
  /** Width in pixels. */
  readonly width: number
  /** Height in pixels. */
  readonly height: number
  /** Whether the image has an alpha channel (PNG color types 4/6 or tRNS, WebP's alpha flag). */
  readonly hasAlpha: boolean
  /** The `https:` URL it was given as; providers that take URLs may send it instead of the bytes. */
  readonly url: string | undefined
  /** A file name for multipart parts: `image-1.png`, `image-2.jpg`, `mask.png`. */
  readonly fileName: string
  /** `data:<type>;base64,<bytes>`. */
  toDataUrl(): string
  /** The bytes as a Blob with the sniffed type, for `FormData`. */
  toBlob(): Blob
}

/** The inputs of one request, read and checked once per generation. */
export interface ResolvedInputs {
  /** Source or reference images, in the order given. */
  readonly images: readonly InputImage[]
  /** The mask, if any. */
  readonly mask: InputImage | undefined
}

/**
 * Reads an image file you name into bytes for `with_image` / `with_mask`. llmkit never reads
 * paths by itself, so a prompt or request coming from elsewhere cannot make it read your files.
 * @throws {@link InvalidRequestError} when the file cannot be read or is larger than 64 MiB.
 */
export async function readImageFile(path: string): Promise<Uint8Array> {
  let bytes: Buffer
  try {
    bytes = await readFile(path)
  } catch (error) {
    const code = (error as { code?: unknown }).code
    throw new InvalidRequestError(`Cannot read image file ${JSON.stringify(path)}: ${typeof code === 'string' ? code : String(error)}`, { param: 'image' })
  }
  if (bytes.length > MAX_INPUT_BYTES) throw new InvalidRequestError(`Image file ${JSON.stringify(path)} is ${bytes.length} bytes; inputs are at most ${MAX_INPUT_BYTES} bytes`, { param: 'image' })
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

/**
 * Checks the form of an input when the request is built (no I/O): bytes are copied so later
 * changes by the caller cannot alter what is sent; strings must be `data:` or `https:` URLs.
 * @throws {@link InvalidRequestError} naming `param`.
 */
export function acceptImageInput(input: unknown, param: string): ImageInput {
  if (input instanceof Uint8Array) {
    if (input.byteLength === 0) throw new InvalidRequestError(`Invalid ${param}: the image is empty (0 bytes)`, { param })
    if (input.byteLength > MAX_INPUT_BYTES) throw new InvalidRequestError(`Invalid ${param}: ${input.byteLength} bytes; inputs are at most ${MAX_INPUT_BYTES} bytes`, { param })
    return new Uint8Array(input)
  }
  if (typeof Blob !== 'undefined' && input instanceof Blob) {
    if (input.size === 0) throw new InvalidRequestError(`Invalid ${param}: the image is empty (0 bytes)`, { param })
    if (input.size > MAX_INPUT_BYTES) throw new InvalidRequestError(`Invalid ${param}: ${input.size} bytes; inputs are at most ${MAX_INPUT_BYTES} bytes`, { param })
    return input
  }
  if (typeof input === 'string') {
    if (input.startsWith('data:')) {
      if (parseDataUrl(input) === undefined) throw new InvalidRequestError(`Invalid ${param}: a data: URL must be base64 (data:image/png;base64,...)`, { param })
      return input
    }
    let url: URL | undefined
    try {
      url = new URL(input)
    } catch {
      url = undefined
    }
    if (url !== undefined && (url.protocol === 'https:' || url.protocol === 'http:')) return input
    throw new InvalidRequestError(
      `Invalid ${param}: expected bytes (Uint8Array or Buffer), a Blob, a data: URL or an https: URL, got the string ${JSON.stringify(input.slice(0, 40))}; to use a file, pass await readImageFile(path)`,
      { param },
    )
  }
  throw new InvalidRequestError(`Invalid ${param}: expected bytes (Uint8Array or Buffer), a Blob, a data: URL or an https: URL`, { param })
}

/** How https inputs are fetched (the client passes its guarded download). */
export type FetchInput = (url: string, signal: AbortSignal) => Promise<Uint8Array>

/**
 * Reads every input of a request into {@link InputImage}s: Blobs are read, `data:` URLs decoded,
 * https URLs fetched with `fetchInput` (under the client's download rules). Each is sniffed and
 * measured; anything that is not a PNG, JPEG or WebP is an InvalidRequestError naming it.
 */
export async function resolveInputs(
  request: { readonly images?: readonly ImageInput[] | undefined; readonly mask?: ImageInput | undefined },
  fetchInput: FetchInput,
  signal: AbortSignal,
): Promise<ResolvedInputs> {
  const images = request.images ?? []
  const resolved = await Promise.all(images.map((input, i) => resolveOne(input, `images.${i}`, `image-${i + 1}`, fetchInput, signal)))
  const mask = request.mask === undefined ? undefined : await resolveOne(request.mask, 'mask', 'mask', fetchInput, signal)
  return Object.freeze({ images: Object.freeze(resolved), mask })
}

async function resolveOne(input: ImageInput, param: string, baseName: string, fetchInput: FetchInput, signal: AbortSignal): Promise<InputImage> {
  let bytes: Uint8Array
  let url: string | undefined
  if (input instanceof Uint8Array) bytes = input
  else if (typeof input === 'string') {
    const data = parseDataUrl(input)
    if (data !== undefined) bytes = new Uint8Array(Buffer.from(data.base64, 'base64'))
    else {
      url = input
      bytes = await fetchInput(input, signal)
    }
  } else bytes = new Uint8Array(await input.arrayBuffer())
  return describeImage(bytes, param, baseName, url)
}

/**
 * Sniffs and measures image bytes.
 * @throws {@link InvalidRequestError} when they are not a PNG, JPEG or WebP whose size can be read.
 */
export function describeImage(bytes: Uint8Array, param: string, baseName: string, url?: string | undefined): InputImage {
  const type = sniffImageType(bytes)
  if (type === undefined || !(INPUT_TYPES as readonly string[]).includes(type)) {
    const what = type === undefined ? 'not an image llmkit recognises' : `a ${type.slice(6).toUpperCase()} image`
    throw new InvalidRequestError(`Invalid ${param}: ${what}; inputs must be PNG, JPEG or WebP`, { param })
  }
  const mimeType = type as InputMimeType
  let width: number | undefined
  let height: number | undefined
  try {
    const size = imageSize(bytes)
    // A JPEG's EXIF orientation 5-8 swaps the sides the provider sees.
    const swap = (size.orientation ?? 1) >= 5
    width = swap ? size.height : size.width
    height = swap ? size.width : size.height
  } catch {
    width = undefined
  }
  if (width === undefined || height === undefined || width <= 0 || height <= 0) throw new InvalidRequestError(`Invalid ${param}: the ${mimeType.slice(6).toUpperCase()} image is truncated or corrupt (its size cannot be read)`, { param })
  const fileName = `${baseName}.${EXTENSIONS[mimeType]}`
  const image: InputImage = {
    bytes,
    mimeType,
    width,
    height,
    hasAlpha: hasAlphaChannel(bytes, mimeType),
    url,
    fileName,
    toDataUrl: () => `data:${mimeType};base64,${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')}`,
    toBlob: () => new Blob([bytes as Uint8Array<ArrayBuffer>], { type: mimeType }),
  }
  return Object.freeze(image)
}

/** Whether the bytes carry an alpha channel: masks with transparent areas need one (OpenAI). */
export function hasAlphaChannel(bytes: Uint8Array, mimeType: InputMimeType): boolean {
  if (mimeType === 'image/png') {
    // IHDR's color type (byte 25): 4 = gray + alpha, 6 = RGBA. Otherwise a tRNS chunk adds alpha.
    const colorType = bytes[25]
    if (colorType === 4 || colorType === 6) return true
    return findPngChunk(bytes, 'tRNS')
  }
  if (mimeType === 'image/webp') {
    const chunk = String.fromCharCode(bytes[12] ?? 0, bytes[13] ?? 0, bytes[14] ?? 0, bytes[15] ?? 0)
    // VP8X: flags byte 20, bit 4 = alpha. VP8L: the alpha hint is bit 4 of byte 24 (after 14-bit width and height).
    if (chunk === 'VP8X') return ((bytes[20] ?? 0) & 0x10) !== 0
    if (chunk === 'VP8L') return (((bytes[24] ?? 0) >> 4) & 1) === 1
    return false
  }
  return false
}

/** Walks PNG chunks up to IDAT (where tRNS must appear); bounded by the byte length. */
function findPngChunk(bytes: Uint8Array, name: string): boolean {
  let offset = 8
  while (offset + 8 <= bytes.length) {
    const length = ((bytes[offset]! << 24) >>> 0) + (bytes[offset + 1]! << 16) + (bytes[offset + 2]! << 8) + bytes[offset + 3]!
    const type = String.fromCharCode(bytes[offset + 4]!, bytes[offset + 5]!, bytes[offset + 6]!, bytes[offset + 7]!)
    if (type === name) return true
    if (type === 'IDAT' || type === 'IEND') return false
    offset += 12 + length
  }
  return false
}
