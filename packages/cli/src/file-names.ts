import { imageExtension } from '@llmkit/core'

/** Longest prompt part of a file name, in characters; keeps names readable and under path limits. */
const MAX_PROMPT_SLUG = 48

/** Lower-case ASCII words joined by dashes: safe on every file system. */
export function slugify(text: string, maxLength = MAX_PROMPT_SLUG): string {
  const slug = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
  const cut = slug.length > maxLength ? slug.slice(0, maxLength).replace(/-[^-]*$/, '') || slug.slice(0, maxLength) : slug
  return cut || 'image'
}

/**
 * The extension an image's bytes call for. Bytes win over the provider's MIME type, because
 * a `.png` URL may serve WebP or JPEG, and vector models return SVG.
 */
export function extensionFor(bytes: Uint8Array, mimeType?: string | undefined): string {
  return imageExtension(bytes, mimeType) ?? 'bin'
}

/**
 * Base name (no extension) of image `index` (0-based): `<model>-<prompt>-<n>[-s<seed>]`. The
 * index stays even with a seed, because providers that return a batch report one seed for all.
 */
export function imageBaseName(model: string, prompt: string, index: number, seed?: number | undefined): string {
  const tail = seed !== undefined ? `${index + 1}-s${seed}` : String(index + 1)
  return `${slugify(model, 40)}-${slugify(prompt)}-${tail}`
}
