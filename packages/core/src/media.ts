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

/**
 * Tells the image type from its first bytes, because providers' `Content-Type` headers and URL
 * extensions are not reliable (a `.png` URL may serve WebP).
 */
export function sniffImageType(bytes: Uint8Array): ImageMimeType | undefined {
  const b = bytes
  if (b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return 'image/png'
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg'
  if (b.length >= 12 && b[0] === 0x52 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x46 && b[8] === 0x57 && b[9] === 0x45 && b[10] === 0x42 && b[11] === 0x50) return 'image/webp'
  if (b.length >= 4 && b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x38) return 'image/gif'
  const head = new TextDecoder().decode(b.subarray(0, 512)).trimStart()
  if (head.startsWith('<svg') || (head.startsWith('<?xml') && head.includes('<svg'))) return 'image/svg+xml'
  return undefined
}

/** {@link sniffImageType} of base64 data, decoding only its head (enough for an SVG's first 512 characters). */
export function sniffBase64Type(b64: string): ImageMimeType | undefined {
  return sniffImageType(Buffer.from(b64.slice(0, 700), 'base64'))
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
