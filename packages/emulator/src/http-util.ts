import type { EmulatorReply } from './types.js'

/** A JSON answer. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): EmulatorReply {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) }
}

/** A plain-text answer. */
export function text(status: number, body: string, headers: Record<string, string> = {}): EmulatorReply {
  return { status, headers: { 'content-type': 'text/plain; charset=utf-8', ...headers }, body }
}

/** The bearer token of a request, if any. */
export function bearer(authorization: string | undefined, scheme = 'Bearer'): string | undefined {
  if (!authorization) return undefined
  const prefix = `${scheme} `
  return authorization.startsWith(prefix) ? authorization.slice(prefix.length).trim() : undefined
}

/** Parses 'WxH'; undefined when malformed. */
export function parseSize(size: unknown): { width: number; height: number } | undefined {
  if (typeof size !== 'string') return undefined
  const m = /^(\d+)x(\d+)$/.exec(size)
  return m ? { width: Number(m[1]), height: Number(m[2]) } : undefined
}

/** Pixel size of an aspect ratio at about one megapixel, rounded to 64 (how aspect-only services answer). */
export function sizeForAspect(ratio: string, megapixels = 1): { width: number; height: number } {
  const [w, h] = ratio.split(':').map(Number)
  const area = megapixels * 1024 * 1024
  const width = Math.round(Math.sqrt((area * w!) / h!) / 64) * 64
  const height = Math.round(Math.sqrt((area * h!) / w!) / 64) * 64
  return { width, height }
}

/** Sleeps; the timer is unref'd so a held request never keeps a closing process alive. */
export function delay(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms).unref()) : Promise.resolve()
}
