/** Image MIME types llmkit recognises, with the file extension `save()` gives each. */
export const IMAGE_EXTENSIONS = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/webp': 'webp',
  'image/gif': 'gif',
  'image/svg+xml': 'svg',
} as const satisfies Record<string, string>

/** A MIME type llmkit knows the extension of. */
export type ImageMimeType = keyof typeof IMAGE_EXTENSIONS

/** Bytes of the head that SVG sniffing reads: room for an XML declaration, comments and a DOCTYPE. */
const SVG_SNIFF_BYTES = 1024

/**
 * Tells the image type from its first bytes, because providers' `Content-Type` headers and URL
 * extensions are not reliable (a `.png` URL may serve WebP). Only the five types llmkit returns
 * are recognised; HTML, JSON, XML that is not SVG, and anything else are undefined.
 */
export function sniffImageType(bytes: Uint8Array): ImageMimeType | undefined {
  const b = bytes
  if (b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47 && b[4] === 0x0d && b[5] === 0x0a && b[6] === 0x1a && b[7] === 0x0a) return 'image/png'
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg'
  if (b.length >= 12 && b[0] === 0x52 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x46 && b[8] === 0x57 && b[9] === 0x45 && b[10] === 0x42 && b[11] === 0x50) return 'image/webp'
  // GIF87a or GIF89a.
  if (b.length >= 6 && b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x38 && (b[4] === 0x37 || b[4] === 0x39) && b[5] === 0x61) return 'image/gif'
  if (isSvg(b)) return 'image/svg+xml'
  return undefined
}

/**
 * SVG is text, so it is recognised by its root element: after an optional BOM, XML declaration,
 * comments, processing instructions and an `svg` DOCTYPE, the first element must be `<svg`.
 * An HTML page with an inline `<svg>` is not an SVG image.
 */
function isSvg(bytes: Uint8Array): boolean {
  let head = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(0, SVG_SNIFF_BYTES))
  if (head.charCodeAt(0) === 0xfeff) head = head.slice(1)
  for (let i = 0; i < 20; i++) {
    head = head.trimStart()
    if (head.startsWith('<?')) {
      const end = head.indexOf('?>')
      if (end < 0) return false
      head = head.slice(end + 2)
    } else if (head.startsWith('<!--')) {
      const end = head.indexOf('-->')
      if (end < 0) return false
      head = head.slice(end + 3)
    } else if (/^<!DOCTYPE\s+svg[\s>]/i.test(head)) {
      const end = head.indexOf('>')
      if (end < 0) return false
      // A DOCTYPE with an internal subset (`[...]`) ends at `]>`.
      const subset = head.indexOf('[')
      const close = subset >= 0 && subset < end ? head.indexOf(']>') : end - 1
      if (close < 0) return false
      head = head.slice(close + 2)
    } else {
      return /^<svg[\s>/]/.test(head)
    }
  }
  return false
}

/** {@link sniffImageType} of base64 data, decoding only its head (enough for an SVG's first 1024 bytes). */
export function sniffBase64Type(b64: string): ImageMimeType | undefined {
  return sniffImageType(Buffer.from(b64.slice(0, 1400), 'base64'))
}

/**
 * Whether a string is base64 (standard or URL-safe alphabet, optional padding): what a provider
 * returns as image data must decode as it says, and Node's decoder silently skips junk.
 */
export function isBase64(value: string): boolean {
  if (value.length === 0 || value.length % 4 === 1) return false
  return /^[A-Za-z0-9+/_-]+={0,2}$/.test(value) && (value.length % 4 === 0 || !value.endsWith('='))
}

/**
 * The file extension an image calls for: its bytes win over the provider's MIME type, because a
 * `.png` URL may serve WebP and vector models return SVG. Undefined for an unknown type.
 */
export function imageExtension(bytes: Uint8Array, mimeType?: string | undefined): string | undefined {
  const type = sniffImageType(bytes) ?? mimeType
  return type === undefined ? undefined : (IMAGE_EXTENSIONS as Readonly<Record<string, string>>)[type]
}

/** Number of bytes a base64 string decodes to, without decoding it. */
export function base64DecodedLength(b64: string): number {
  let padding = 0
  if (b64.endsWith('==')) padding = 2
  else if (b64.endsWith('=')) padding = 1
  return Math.floor((b64.length * 3) / 4) - padding
}

/** Splits a `data:<mime>;base64,<data>` URL; undefined for any other string. */
export function parseDataUrl(url: string): { mimeType: string; base64: string } | undefined {
  if (!url.startsWith('data:')) return undefined
  const comma = url.indexOf(',')
  if (comma < 0) return undefined
  const meta = url.slice(5, comma)
  if (!meta.endsWith(';base64')) return undefined
  return { mimeType: meta.slice(0, -';base64'.length) || 'application/octet-stream', base64: url.slice(comma + 1) }
}
