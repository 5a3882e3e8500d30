import { createHash } from 'node:crypto'
import { crc32 } from 'node:zlib'
import { imageSize } from 'image-size'
import { renderPng } from './png.js'

/** Largest side of a derived image: inputs can be large, answers stay cheap to render. */
const MAX_DERIVED_SIDE = 2048
/** The PNG text keyword under which a derived image names its inputs. */
export const DERIVED_KEYWORD = 'llmkit-emulator-inputs'

/** SHA-256 (hex) of input bytes: what a derived image records, and what a test compares. */
export function inputDigest(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

/** Pixel size of an input image (PNG, JPEG, WebP), or undefined when it cannot be read. */
export function inputSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  try {
    const size = imageSize(bytes)
    return size.width > 0 && size.height > 0 ? { width: size.width, height: size.height } : undefined
  } catch {
    return undefined
  }
}

/** `image/png`, `image/jpeg` or `image/webp` from the magic bytes; undefined for anything else. */
export function inputType(bytes: Uint8Array): 'image/png' | 'image/jpeg' | 'image/webp' | undefined {
  if (bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return 'image/png'
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg'
  if (bytes.length >= 12 && String.fromCharCode(...bytes.subarray(0, 4)) === 'RIFF' && String.fromCharCode(...bytes.subarray(8, 12)) === 'WEBP') return 'image/webp'
  return undefined
}

/**
 * Whether an input has an alpha channel, as the providers read it: a PNG of colour type 4 or 6 or
 * with a tRNS chunk, a WebP whose VP8X header sets the alpha flag. JPEG never.
 */
export function inputHasAlpha(bytes: Uint8Array): boolean {
  const type = inputType(bytes)
  if (type === 'image/webp') return String.fromCharCode(...bytes.subarray(12, 16)) === 'VP8X' && ((bytes[20] ?? 0) & 0x10) !== 0
  if (type !== 'image/png' || bytes.length < 33) return false
  if (bytes[25] === 4 || bytes[25] === 6) return true
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  // tRNS comes before the first IDAT; the walk is bounded by the byte length.
  let offset = 8
  while (offset + 8 <= buf.length) {
    const type = buf.toString('latin1', offset + 4, offset + 8)
    if (type === 'tRNS') return true
    if (type === 'IDAT' || type === 'IEND') return false
    offset += 12 + buf.readUInt32BE(offset)
  }
  return false
}

/**
 * The emulator's answer to an edit, image-to-image, variation or reference request: a PNG the size
 * of the first input (or `size` when given), drawn from the inputs' bytes and `key`, with a tEXt
 * chunk listing the SHA-256 of every input (mask last) so a test can see what arrived.
 */
export function renderDerivedPng(inputs: readonly Uint8Array[], key: string, size?: { width: number; height: number }): Buffer {
  const digests = inputs.map(inputDigest)
  const first = inputs[0] === undefined ? undefined : inputSize(inputs[0])
  const target = size ?? first ?? { width: 1024, height: 1024 }
  const scale = Math.min(1, MAX_DERIVED_SIDE / Math.max(target.width, target.height))
  const width = Math.max(1, Math.round(target.width * scale))
  const height = Math.max(1, Math.round(target.height * scale))
  const png = renderPng(width, height, `${key}|${digests.join(',')}`)
  return withTextChunk(png, DERIVED_KEYWORD, digests.join(','))
}

/** The input digests a derived image records; empty for any other PNG. */
export function derivedInputs(png: Uint8Array): string[] {
  const buf = Buffer.from(png.buffer, png.byteOffset, png.byteLength)
  let offset = 8
  while (offset + 8 <= buf.length) {
    const length = buf.readUInt32BE(offset)
    const type = buf.toString('latin1', offset + 4, offset + 8)
    if (type === 'tEXt') {
      const data = buf.toString('latin1', offset + 8, offset + 8 + length)
      const [keyword, value] = data.split('\0')
      if (keyword === DERIVED_KEYWORD) return value === '' || value === undefined ? [] : value.split(',')
    }
    if (type === 'IEND') break
    offset += 12 + length
  }
  return []
}

/** Inserts a tEXt chunk right after IHDR (byte 33). */
function withTextChunk(png: Buffer, keyword: string, text: string): Buffer {
  const data = Buffer.from(`${keyword}\0${text}`, 'latin1')
  const chunk = Buffer.alloc(12 + data.length)
  chunk.writeUInt32BE(data.length, 0)
  chunk.write('tEXt', 4, 'latin1')
  data.copy(chunk, 8)
  chunk.writeUInt32BE(crc32(chunk.subarray(4, 8 + data.length)), 8 + data.length)
  return Buffer.concat([png.subarray(0, 33), chunk, png.subarray(33)])
}
