import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import {
  DEFAULT_DOWNLOAD_SETTINGS,
  DeliveryError,
  type GeneratedImage,
  type ImageGenerationRequestInit,
  type ImageGenerationResponse,
  type JobJournal,
  type LLMKitClient,
  LLMKitError,
  type PaidWork,
  type Warning,
  withDownloadRetry,
} from '@llmkit/core'
import type { ManifestError, ManifestImage, ManifestLine } from './manifest.js'

/** Folder of the images, inside the output directory. */
export const IMAGES_DIR = 'images'

/** Error code of a budget refusal (`BudgetExceededError`): it pauses a batch instead of failing an item. */
export const BUDGET_EXCEEDED_CODE = 'LLMKIT_BUDGET_EXCEEDED'

/** The job-journal key of an item: the same on every worker and every re-run, so an accepted job is resumed. */
export function itemKey(batchId: string, index: number): string {
  return `batch:${batchId}:${index}`
}

/** What {@link runItem} needs. */
export interface ItemInput {
  /** The client that generates (with a job journal, for resuming). */
  readonly client: LLMKitClient
  /** Batch id. */
  readonly batchId: string
  /** 0-based item index. */
  readonly index: number
  /** The item's request. */
  readonly request: ImageGenerationRequestInit
  /** Output folder. */
  readonly outDir: string
  /** Aborts the generation. */
  readonly signal?: AbortSignal | undefined
  /**
   * A crashed run of this item had a submit under way with no job id recorded (see
   * {@link releaseDeadIntents}): the item is submitted again, and its line says the provider may
   * have charged for the first submit too.
   */
  readonly resubmitted?: boolean | undefined
}

/** Most parts a split request has (`n` is at most 10), each journaled as `${key}#${part}`. */
const MAX_PARTS = 10

/**
 * Frees the journal intents a dead run of an item left (a submit under way, no job id recorded).
 * Only for an item whose earlier run is known to be dead (BullMQ handed it over as stalled, or a
 * one-process run restarted): waiting for the intent's lease would only delay the same resubmit,
 * since a dead process never records the job id. Returns whether any intent was freed: the
 * provider may then have received that submit, and the item's line says so.
 */
export async function releaseDeadIntents(journal: JobJournal, batchId: string, index: number): Promise<boolean> {
  const key = itemKey(batchId, index)
  let released = false
  for (const k of [key, ...Array.from({ length: MAX_PARTS }, (_, part) => `${key}#${part}`)]) {
    const record = await journal.get(k)
    if (record?.state !== 'intent') continue
    await journal.release(k, record.owner)
    released = true
  }
  return released
}

/**
 * Whether a crashed earlier run of an item may have been paid for with nothing recorded: a
 * journal intent it left was released, or its model is synchronous (one HTTP call returns the
 * images; the journal records async jobs only, so a sync call in flight at the crash is unknowable).
 */
export async function mayHaveBeenSent(client: LLMKitClient, journal: JobJournal | undefined, batchId: string, index: number, model: string): Promise<boolean> {
  const released = journal === undefined ? false : await releaseDeadIntents(journal, batchId, index)
  if (released) return true
  try {
    return (await client.capabilities(model)).mode === 'sync'
  } catch {
    // An unknown model fails the item before any network call: nothing was sent.
    return false
  }
}

/** Whether an error must stop the item without recording it (it runs again later). */
export function isPause(error: unknown): boolean {
  return LLMKitError.isInstance(error) && error.code === BUDGET_EXCEEDED_CODE
}

/**
 * Generates one item and writes its images, each as soon as it is in hand, then returns its
 * manifest line. The call carries the item's idempotency key, so on a re-run after a crash the
 * client's job journal resumes the provider job that was already accepted (or returns its
 * recorded result) instead of paying for it again.
 *
 * Images are asked for as URLs and streamed to disk one by one (see `writeImage`), so memory
 * does not grow with their size.
 *
 * A provider or request failure is the item's outcome (a line with `status: 'failed'`), and so is
 * a paid image that could not be downloaded after every try (`LLMKIT_DELIVERY`, its URLs in
 * `error.paid`; the images written before it stay listed). A budget refusal, an abort of `signal`
 * and a failure to write to disk are thrown: the item was not finished and must run again.
 */
export async function runItem(input: ItemInput): Promise<ManifestLine> {
  const { client, batchId, index, request, outDir, signal } = input
  const warnings: Warning[] = []
  if (input.resubmitted) {
    warnings.push({ type: 'other', message: 'a crashed run had sent this item to the provider with no answer recorded; it was submitted again, and the provider may have charged for both' })
  }
  // The batch's output is files: URLs are asked for, so each image is streamed from the
  // provider to disk by the core's guarded download (trusted origin, size cap, image check)
  // instead of being held in memory as base64. A byte-only provider's image comes as a data: URL.
  if (request.format === 'b64_json') warnings.push({ type: 'other', message: 'format "b64_json" was replaced by "url": a batch streams every image to disk' })
  const base = { batchId, index, prompt: request.prompt, model: request.model }
  let response
  try {
    response = await client.generateImage({ ...request, format: 'url' }, { signal, idempotencyKey: itemKey(batchId, index) })
  } catch (error) {
    if (isPause(error) || signal?.aborted === true || !LLMKitError.isInstance(error)) throw error
    const charged = error.mayHaveBeenCharged || input.resubmitted === true
    return { ...base, status: 'failed', provider: error.provider, images: [], warnings, error: manifestError(error), mayHaveBeenCharged: charged || undefined, finishedAt: new Date().toISOString() }
  }
  const images: ManifestImage[] = []
  await mkdir(join(outDir, IMAGES_DIR), { recursive: true })
  let failure: LLMKitError | undefined
  for (const [k, image] of response.images.entries()) {
    try {
      images.push(await writeImage(outDir, index, k, image, signal))
    } catch (error) {
      // An abort or a disk failure is not the item's outcome: it runs again. A download that
      // failed for good is: the work is paid, so the line keeps its URLs rather than paying again.
      if (signal?.aborted === true || !LLMKitError.isInstance(error)) throw error
      failure = await undelivered(client, response, error)
      break
    }
  }
  return {
    ...base,
    status: failure === undefined ? 'ok' : 'failed',
    provider: response.provider,
    usedModel: response.model,
    images,
    cost: response.cost,
    timings: response.timings,
    warnings: [...warnings, ...response.warnings],
    attempts: response.attempts,
    mayHaveBeenCharged: response.mayHaveBeenCharged || input.resubmitted === true || undefined,
    error: failure === undefined ? undefined : manifestError(failure),
    finishedAt: new Date().toISOString(),
  }
}

/**
 * The error of paid images that could not be written after every download try: a
 * {@link DeliveryError} (as the core's own delivery throws) holding the provider's URLs, seeds
 * and request id, so they can still be fetched or looked up.
 */
async function undelivered(client: LLMKitClient, response: ImageGenerationResponse, cause: LLMKitError): Promise<LLMKitError> {
  let async = false
  try {
    async = response.model !== undefined && (await client.capabilities(response.model)).mode === 'async'
  } catch {
    // Unknown model: the request id is still recorded.
  }
  const requestId = response.requestIds[0]
  const paid: PaidWork = {
    provider: response.provider ?? '',
    model: response.model ?? '',
    // Async providers report their job id as the request id.
    jobId: async ? requestId : undefined,
    requestId,
    images: response.images.map((i) => ({ url: i.url?.startsWith('data:') ? undefined : i.url, seed: i.seed, mimeType: i.mimeType })),
    ...(response.requestIds.length > 1 ? { requestIds: response.requestIds, jobIds: async ? response.requestIds : undefined } : {}),
  }
  return new DeliveryError(`${response.provider ?? 'The provider'} finished the images but they could not be downloaded: ${cause.message}`, {
    cause,
    paid,
    provider: response.provider,
    model: response.model,
  })
}

/**
 * The line of an item that could not be finished for a reason that is not its own outcome (every
 * try of the worker failed, e.g. the disk was full): the batch still gets one line per item.
 */
export function abandonedLine(batchId: string, index: number, request: ImageGenerationRequestInit, error: unknown): ManifestLine {
  const llmkit = LLMKitError.isInstance(error) ? error : undefined
  return {
    batchId,
    index,
    status: 'failed',
    prompt: request.prompt,
    model: request.model,
    provider: llmkit?.provider,
    images: [],
    warnings: [],
    error: llmkit === undefined ? { code: 'LLMKIT_BATCH_ITEM_ABANDONED', message: error instanceof Error ? error.message : String(error) } : manifestError(llmkit),
    finishedAt: new Date().toISOString(),
  }
}

function manifestError(error: LLMKitError): ManifestError {
  return { code: error.code, message: error.message, mayHaveBeenCharged: error.mayHaveBeenCharged || undefined, paid: error.paid }
}

/** `000042`: file names sort in batch order up to a million items. */
function pad(index: number): string {
  return String(index).padStart(6, '0')
}

/**
 * Streams one image to disk with the core's `saveFile` (written under a temporary name and
 * renamed, so a file with the final name is always whole, and nothing is left on a failure; the
 * extension comes from the bytes), tried again under the core's one download-retry rule
 * (`withDownloadRetry`, the one its own delivery uses): a 5xx, a reset or a timeout is tried again
 * after the host's `Retry-After` or backoff; never the generation.
 */
async function writeImage(outDir: string, index: number, k: number, image: GeneratedImage, signal: AbortSignal | undefined): Promise<ManifestImage> {
  const stem = `${IMAGES_DIR}/${pad(index)}-${k}`
  const saved = await withDownloadRetry(() => image.saveFile(join(outDir, stem), { signal }), DEFAULT_DOWNLOAD_SETTINGS, { signal })
  const ext = saved.path.slice(join(outDir, stem).length)
  return { file: `${stem}${ext}`, seed: image.seed, mimeType: saved.mimeType ?? image.mimeType, bytes: saved.bytes, revisedPrompt: image.revised_prompt }
}
