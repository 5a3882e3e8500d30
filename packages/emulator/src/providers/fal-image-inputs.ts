import { inputSize } from '../derive.js'
import type { EmulatorContext } from '../types.js'

/**
 * fal's FLUX image-input endpoints (issue 13), from the fal client's endpoint input types
 * (fal-ai/fal-js `libs/client/src/types/endpoints.ts`): which fields hold documents, the mask
 * and the strength. The queue submit handler (fal.ts) reads the documents here and answers with
 * an image derived from them (`renderDerivedPng`), so a test can see which bytes arrived.
 */
export interface FalImageEndpoint {
  /** Field of the source document(s). */
  readonly images: string
  /** Whether `images` is a list (`image_urls`). */
  readonly list: boolean
  /** Field of the mask document (Fill). */
  readonly mask?: string
  /** Field of the strength (image-to-image): 0.01 to 1 on fal's page. */
  readonly strength?: string
  /** Kontext's `aspect_ratio` enum; absent where the endpoint has no such input. */
  readonly aspectRatios?: readonly string[]
}

const KONTEXT_ASPECTS = ['21:9', '16:9', '4:3', '3:2', '1:1', '2:3', '3:4', '9:16', '9:21']

/** The emulated image endpoints, by endpoint id. */
export const FAL_IMAGE_ENDPOINTS: Readonly<Record<string, FalImageEndpoint>> = {
  'fal-ai/flux/dev/image-to-image': { images: 'image_url', list: false, strength: 'strength' },
  'fal-ai/flux-pro/kontext': { images: 'image_url', list: false, aspectRatios: KONTEXT_ASPECTS },
  'fal-ai/flux-pro/kontext/max': { images: 'image_url', list: false, aspectRatios: KONTEXT_ASPECTS },
  'fal-ai/flux-pro/kontext/multi': { images: 'image_urls', list: true, aspectRatios: KONTEXT_ASPECTS },
  'fal-ai/flux-pro/v1/fill': { images: 'image_url', list: false, mask: 'mask_url' },
}

/** A pydantic-style issue, as fal's 422 lists them. */
export interface FalInputIssue {
  loc: (string | number)[]
  msg: string
  type: string
  ctx?: Record<string, unknown>
}

/** What an image endpoint's submit read: the input bytes (mask last) and the first image's size. */
export interface FalImageInputs {
  readonly inputs: Buffer[]
  readonly size: { width: number; height: number }
}

/**
 * The bytes behind a document the emulator can reach: a `data:` URI, or a file the emulator
 * itself serves (`{origin}/files/<name>`). Other URLs would be downloaded by the real service;
 * the emulator has no network, so it answers as fal does when a download fails.
 */
export function documentBytes(value: string, ctx: EmulatorContext): Buffer | 'undownloadable' | 'malformed' {
  const data = /^data:([\w.+-]+\/[\w.+-]+)?(;[^,]*)?,(.*)$/s.exec(value)
  if (data) return data[2]?.includes(';base64') ? Buffer.from(data[3]!, 'base64') : Buffer.from(decodeURIComponent(data[3]!), 'latin1')
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return 'malformed'
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'malformed'
  const own = url.origin === ctx.origin && url.pathname.startsWith('/files/') ? ctx.files.get(url.pathname.slice('/files/'.length)) : undefined
  return own ? own.bytes : 'undownloadable'
}

/** Reads one document field; pushes fal's issue and returns undefined when it cannot be used. */
function readDocument(value: unknown, loc: (string | number)[], ctx: EmulatorContext, issues: FalInputIssue[]): { bytes: Buffer; width: number; height: number } | undefined {
  if (typeof value !== 'string') {
    issues.push({ loc, msg: 'Input should be a valid string', type: 'string_type' })
    return undefined
  }
  const bytes = documentBytes(value, ctx)
  if (bytes === 'malformed') {
    issues.push({ loc, msg: 'Input should be a valid URL, relative URL without a base', type: 'url_parsing' })
    return undefined
  }
  if (bytes === 'undownloadable') {
    issues.push({ loc, msg: `Failed to download the file. Please check if the URL is accessible: ${value.slice(0, 100)}`, type: 'file_download_error' })
    return undefined
  }
  const size = inputSize(bytes)
  if (size === undefined) {
    issues.push({ loc, msg: 'Failed to load the image. Please ensure the image file is not corrupted and is in a supported format.', type: 'image_load_error' })
    return undefined
  }
  return { bytes, ...size }
}

/**
 * Checks and reads an image endpoint's documents, strength and aspect ratio as fal validates
 * them (a field missing, a document that cannot be downloaded or decoded, a mask of another
 * size, a strength outside 0.01..1, a Kontext ratio outside its enum). Pushes issues; returns the
 * inputs when there were none.
 */
export function readFalImageInputs(endpoint: FalImageEndpoint, input: Record<string, unknown>, ctx: EmulatorContext, issues: FalInputIssue[]): FalImageInputs | undefined {
  const before = issues.length
  const images: { bytes: Buffer; width: number; height: number }[] = []
  const raw = input[endpoint.images]
  if (raw === undefined) issues.push({ loc: ['body', endpoint.images], msg: 'Field required', type: 'missing' })
  else if (endpoint.list) {
    if (!Array.isArray(raw)) issues.push({ loc: ['body', endpoint.images], msg: 'Input should be a valid list', type: 'list_type' })
    else if (raw.length === 0) issues.push({ loc: ['body', endpoint.images], msg: 'List should have at least 1 item after validation, not 0', type: 'too_short', ctx: { min_length: 1 } })
    else raw.forEach((value, i) => {
      const image = readDocument(value, ['body', endpoint.images, i], ctx, issues)
      if (image) images.push(image)
    })
  } else {
    const image = readDocument(raw, ['body', endpoint.images], ctx, issues)
    if (image) images.push(image)
  }
  let mask: { bytes: Buffer; width: number; height: number } | undefined
  if (endpoint.mask !== undefined) {
    const value = input[endpoint.mask]
    if (value === undefined) issues.push({ loc: ['body', endpoint.mask], msg: 'Field required', type: 'missing' })
    else mask = readDocument(value, ['body', endpoint.mask], ctx, issues)
    const first = images[0]
    if (mask && first && (mask.width !== first.width || mask.height !== first.height)) {
      issues.push({ loc: ['body', endpoint.mask], msg: `The mask (${mask.width}x${mask.height}) must have the same dimensions as the image (${first.width}x${first.height})`, type: 'value_error' })
    }
  }
  if (endpoint.strength !== undefined) {
    const strength = input[endpoint.strength]
    if (strength !== undefined && (typeof strength !== 'number' || strength < 0.01 || strength > 1)) {
      issues.push({ loc: ['body', endpoint.strength], msg: 'Input should be a number from 0.01 to 1', type: 'value_error', ctx: { ge: 0.01, le: 1 } })
    }
  }
  // fal ignores fields an input type lacks (an aspect_ratio on Fill); Kontext checks its enum.
  const ratio = input['aspect_ratio']
  if (ratio !== undefined && endpoint.aspectRatios !== undefined && !endpoint.aspectRatios.includes(ratio as string)) {
    issues.push({ loc: ['body', 'aspect_ratio'], msg: `Input should be ${endpoint.aspectRatios.map((r) => `'${r}'`).join(', ')}`, type: 'enum' })
  }
  if (issues.length > before) return undefined
  const inputs = [...images.map((i) => i.bytes), ...(mask ? [mask.bytes] : [])]
  return { inputs, size: { width: images[0]!.width, height: images[0]!.height } }
}
