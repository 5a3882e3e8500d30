import { createReadStream, existsSync } from 'node:fs'
import { appendFile, mkdir, open, stat, truncate } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import type { Cost, PaidWork, Timings, Warning } from '@llmkit/core'

/** File name of the manifest in the output directory. */
export const MANIFEST_FILE = 'manifest.jsonl'

/** One image of a manifest line. */
export interface ManifestImage {
  /** Path of the image file, relative to the output directory. */
  readonly file: string
  /** Seed of the image, when the provider reported it. */
  readonly seed?: number | undefined
  /** MIME type. */
  readonly mimeType?: string | undefined
  /** Size in bytes. */
  readonly bytes: number
  /** The prompt the model actually used, when it rewrote it. */
  readonly revisedPrompt?: string | undefined
}

/** Why an item failed, as data. */
export interface ManifestError {
  /** Stable error code, e.g. `LLMKIT_CONTENT_POLICY`. */
  readonly code: string
  /** The error's message. */
  readonly message: string
  /** The provider may have charged for the failed call. */
  readonly mayHaveBeenCharged?: boolean | undefined
  /** Work the provider finished and billed but could not be delivered (URLs, job id, seeds). */
  readonly paid?: PaidWork | undefined
}

/** One line of `manifest.jsonl`: what happened to one item of the batch. */
export interface ManifestLine {
  /** Batch id. */
  readonly batchId: string
  /** 0-based index of the item in the batch (its line among the valid requests). */
  readonly index: number
  /** `'ok'` when images were written, `'failed'` otherwise. */
  readonly status: 'ok' | 'failed'
  /** The prompt. */
  readonly prompt: string
  /** Model id as requested. */
  readonly model: string
  /** Provider that produced the images (or that failed). */
  readonly provider?: string | undefined
  /** Model actually used (after fallback). */
  readonly usedModel?: string | undefined
  /** Images written, in order. */
  readonly images: readonly ManifestImage[]
  /** What the item cost, when known (an estimate where the provider reports no cost). */
  readonly cost?: Cost | undefined
  /** Timings of the generation, in milliseconds. */
  readonly timings?: Timings | undefined
  /** Settings that were mapped or dropped, and other notices. */
  readonly warnings: readonly Warning[]
  /** Provider attempts made. */
  readonly attempts?: number | undefined
  /** The provider may have charged for an attempt that was retried. */
  readonly mayHaveBeenCharged?: boolean | undefined
  /** Why the item failed. */
  readonly error?: ManifestError | undefined
  /** When the item was finished (ISO 8601). */
  readonly finishedAt: string
}

/** The manifest path of an output directory. */
export function manifestPath(outDir: string): string {
  return join(outDir, MANIFEST_FILE)
}

/**
 * Appends one line with a single `write` on a file opened in append mode, so lines written by
 * several workers sharing the directory never interleave.
 */
export async function appendManifestLine(outDir: string, line: ManifestLine): Promise<void> {
  const path = manifestPath(outDir)
  await mkdir(dirname(path), { recursive: true })
  await appendFile(path, `${JSON.stringify(line)}\n`, { flag: 'a' })
}

/**
 * Cuts a torn last line (a machine that died in the middle of a write), so every line left is
 * whole JSON and the item it belonged to is done again.
 */
export async function repairManifest(outDir: string): Promise<void> {
  const path = manifestPath(outDir)
  if (!existsSync(path)) return
  const { size } = await stat(path)
  if (size === 0) return
  const handle = await open(path, 'r')
  try {
    // Read backwards in blocks until the last newline.
    const block = 64 * 1024
    let end = size
    const last = Buffer.alloc(1)
    await handle.read(last, 0, 1, size - 1)
    if (last[0] === 0x0a) return
    while (end > 0) {
      const start = Math.max(0, end - block)
      const buf = Buffer.alloc(end - start)
      await handle.read(buf, 0, buf.length, start)
      const nl = buf.lastIndexOf(0x0a)
      if (nl >= 0) {
        await truncate(path, start + nl + 1)
        return
      }
      end = start
    }
    await truncate(path, 0)
  } finally {
    await handle.close()
  }
}

/** What {@link manifestIndices} keeps of a line. */
export interface ManifestOutcome {
  readonly status: ManifestLine['status']
  /** Cost in US dollars (0 when unknown). */
  readonly usd: number
}

/** The items that have a line in the manifest, with their outcome (streamed; the manifest is never held whole). */
export async function manifestIndices(outDir: string): Promise<Map<number, ManifestOutcome>> {
  const done = new Map<number, ManifestOutcome>()
  const path = manifestPath(outDir)
  if (!existsSync(path)) return done
  const reader = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity })
  for await (const text of reader) {
    if (text === '') continue
    try {
      const parsed = JSON.parse(text) as { index?: unknown; status?: unknown; cost?: { usd?: unknown } }
      const usd = typeof parsed.cost?.usd === 'number' ? parsed.cost.usd : 0
      if (typeof parsed.index === 'number') done.set(parsed.index, { status: parsed.status === 'ok' ? 'ok' : 'failed', usd })
    } catch {
      // Not a manifest line (a torn line is cut by repairManifest first): its item runs again.
    }
  }
  return done
}

/** The manifest line of item `index`, if it has one (the recovery check of a re-run item; streamed). */
export async function findManifestLine(outDir: string, index: number): Promise<ManifestLine | undefined> {
  const path = manifestPath(outDir)
  if (!existsSync(path)) return undefined
  const reader = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity })
  for await (const text of reader) {
    if (text === '') continue
    try {
      const parsed = JSON.parse(text) as ManifestLine
      if (parsed.index === index) {
        reader.close()
        return parsed
      }
    } catch {
      // A torn last line: not this item's.
    }
  }
  return undefined
}
