import { writeFile, mkdir } from 'node:fs/promises'
import { join, relative, resolve, isAbsolute } from 'node:path'
import { performance } from 'node:perf_hooks'
import { type ImageBackground, type ImageGenerationRequestInit, type ImageGenerationResponse, type ImageOperation, type ImageQuality, type ImageStyle, type OutputFormat, LLMKitClient, LLMKitError, pendingCancellations, readImageFile, type Warning } from '@llmkit/core'
import type { CliContext } from './context.js'
import { environmentWith, startInProcessEmulator, type EmulatorHandle } from './emulate.js'
import { describeFailure, jsonFailure } from './errors-output.js'
import { EXIT_CODES, exitCodeFor, type ExitCode } from './exit-codes.js'
import { extensionFor, imageBaseName } from './file-names.js'
import { createProgressReporter } from './progress.js'
import { prepareOutputFolder, rescueFolder, writeFailure } from './output-folder.js'
import { readStdinPrompt } from './stdin-prompt.js'
import { formatBytes, formatMs } from './table.js'

/** Options of `llmkit generate`, as parsed from the command line. */
export interface GenerateCommandOptions {
  /** Model id, alias or `provider:model`. */
  model: string
  /** Number of images. */
  n?: number | undefined
  /** `'WxH'`, already expanded from presets. */
  size?: string | undefined
  /** Quality tier. */
  quality?: ImageQuality | undefined
  /** Style. */
  style?: ImageStyle | undefined
  /** Aspect ratio `'W:H'`. */
  aspectRatio?: string | undefined
  /** Image file format. */
  outputFormat?: OutputFormat | undefined
  /** Compression 0-100 for jpeg/webp. */
  compression?: number | undefined
  /** Background. */
  background?: ImageBackground | undefined
  /** Negative prompt. */
  negative?: string | undefined
  /** Seed. */
  seed?: number | undefined
  /** What the provider is asked to return. @defaultValue 'url' */
  format?: 'url' | 'b64' | undefined
  /** Output folder. @defaultValue the current folder */
  output?: string | undefined
  /** Deadline of the whole generation in seconds (remote jobs are cancelled after it). @defaultValue the client's (900 s) */
  timeout?: number | undefined
  /** Print one machine-readable JSON document on stdout. */
  json?: boolean | undefined
  /** Run against an in-process emulator. */
  emulate?: boolean | undefined
  /** Input image files (`--image`, repeatable): source or reference images, in order. */
  image?: string[] | undefined
  /** Mask file (`--mask`). */
  mask?: string | undefined
  /** How far the result may move from the input image, 0-1 (`--strength`). */
  strength?: number | undefined
  /** What to do with the images (`--operation`); the model's default when absent. */
  operation?: ImageOperation | undefined
}

/**
 * Reads `--image` and `--mask` files (relative to the working folder) before anything is sent:
 * a missing or unreadable file is a bad-input error naming it. The core then checks types and
 * limits against the model's row, also before the network.
 */
async function readInputFiles(options: GenerateCommandOptions, cwd: string): Promise<Pick<ImageGenerationRequestInit, 'images' | 'mask'>> {
  const images = await Promise.all((options.image ?? []).map((path) => readImageFile(resolve(cwd, path))))
  const mask = options.mask === undefined ? undefined : await readImageFile(resolve(cwd, options.mask))
  return { images: images.length > 0 ? images : undefined, mask }
}

/** One saved image in the `--json` result. */
export interface SavedImage {
  /**
   * Path written, relative to the current folder when inside it. Absent only when the image
   * could be written nowhere; then `url` is where it still is.
   */
  path?: string | undefined
  /**
   * Why the image is not in the output folder: it could not be written there after it was
   * generated, so it was saved to `path` in the rescue folder instead (or, failing that, only its
   * `url` is left).
   */
  rescued?: string | undefined
  /** File size in bytes. */
  bytes: number
  /** MIME type sniffed from the bytes. */
  mimeType: string | undefined
  /** Pixel width, when known. */
  width?: number | undefined
  /** Pixel height, when known. */
  height?: number | undefined
  /** Seed of the image, when reported. */
  seed?: number | undefined
  /** Provider URL (absent for byte-only providers and with `--format b64`). */
  url?: string | undefined
  /** The prompt the model actually used. */
  revised_prompt?: string | undefined
}

/** The `--json` document of a successful `llmkit generate`. */
export interface GenerateResult {
  ok: true
  model: string | undefined
  provider: string | undefined
  prompt: string
  images: SavedImage[]
  warnings: readonly Warning[]
  usage: ImageGenerationResponse['usage']
  requestIds: readonly string[]
  timings: { totalMs: number; generateMs: number; providerMs?: number | undefined; downloadMs?: number | undefined; saveMs: number }
}

/** Writes bytes to `<dir>/<base>.<ext>`, adding `-2`, `-3`... instead of overwriting an existing file. */
async function writeUnique(dir: string, base: string, ext: string, bytes: Uint8Array): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const path = join(dir, `${base}${attempt === 1 ? '' : `-${attempt}`}.${ext}`)
    try {
      await writeFile(path, bytes, { flag: 'wx' })
      return path
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 999) throw error
    }
  }
}

function displayPath(cwd: string, path: string): string {
  const rel = relative(cwd, path)
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path
}

/**
 * What Ctrl-C did, and only that: the jobs whose cancel was requested (from the job runner's
 * `cancelled` events), or that no job id existed yet, and whether a request already sent in full
 * may still be billed (e.g. a Replicate create held open by `Prefer: wait` has no id to cancel).
 */
export function interruptMessage(cancelledJobs: readonly { provider: string; jobId: string }[], error: unknown): string {
  const sentUnanswered = LLMKitError.isInstance(error) && error.mayHaveBeenCharged
  if (cancelledJobs.length > 0) {
    const jobs = cancelledJobs.map((j) => `${j.provider} ${j.jobId}`).join(', ')
    return `Interrupted: asked the provider to cancel ${cancelledJobs.length} remote job(s) (${jobs}); one may still finish and be billed if the cancel came too late.`
  }
  if (sentUnanswered) return 'Interrupted: no remote job id was known, so nothing was cancelled; a request had already been sent and the provider may still complete and bill it.'
  return 'Interrupted: no remote job had been created, so nothing needed cancelling.'
}

function describeWarning(w: Warning): string {
  return `warning: ${w.message}`
}

/**
 * `llmkit generate`: generates images, saves them with names from model, prompt and seed and the
 * extension their bytes call for, and prints paths, warnings and timings (or one JSON document).
 * Returns the exit code; never calls `process.exit`.
 */
export async function runGenerate(promptArgument: string, options: GenerateCommandOptions, ctx: CliContext): Promise<ExitCode> {
  let prompt = promptArgument
  const started = performance.now()
  const controller = new AbortController()
  const reporter = createProgressReporter(ctx.stderr)
  const cancelledJobs: { provider: string; jobId: string }[] = []
  let interrupts = 0
  const offInterrupt = ctx.onInterrupt(() => {
    interrupts++
    if (interrupts === 1) {
      reporter.cancelling()
      controller.abort()
    } else {
      // A second Ctrl-C means "now": give up on cancelling remote jobs.
      reporter.stop()
      ctx.stderr.write('Interrupted twice: exiting without waiting for cancellation.\n')
      process.exit(EXIT_CODES.interrupted)
    }
  })
  let emulator: EmulatorHandle | undefined
  try {
    if (prompt === '-') prompt = await readStdinPrompt(ctx.stdin ?? process.stdin)
    // Checked before anything is sent: a bad -o costs nothing.
    const dir = resolve(ctx.cwd, options.output ?? '.')
    await prepareOutputFolder(dir)
    const inputs = await readInputFiles(options, ctx.cwd)
    if (options.emulate) emulator = await startInProcessEmulator()
    const deadlineMs = options.timeout === undefined ? undefined : options.timeout * 1000
    const client = LLMKitClient.fromEnv({
      env: environmentWith(ctx.env, emulator),
      ...(deadlineMs === undefined ? {} : { timeout: { totalTimeoutMs: deadlineMs, attemptTimeoutMs: deadlineMs }, jobTimeoutMs: deadlineMs }),
    })
    const init: ImageGenerationRequestInit = {
      model: options.model,
      prompt,
      n: options.n,
      size: options.size,
      quality: options.quality,
      style: options.style,
      aspect_ratio: options.aspectRatio,
      output_format: options.outputFormat,
      output_compression: options.compression,
      background: options.background,
      negative_prompt: options.negative,
      seed: options.seed,
      format: options.format === 'b64' ? 'b64_json' : options.format === 'url' ? 'url' : undefined,
      ...inputs,
      strength: options.strength,
      operation: options.operation,
    }
    const count = options.n ?? 1
    reporter.start(options.model, count)
    const response = await client.generateImage(init, {
      signal: controller.signal,
      onProgress: (event) => {
        if (event.type === 'cancelled' && event.jobId !== undefined) cancelledJobs.push({ provider: event.provider, jobId: event.jobId })
        reporter.event(event)
      },
    })
    const generatedAt = performance.now()
    for (const w of response.warnings) reporter.log(describeWarning(w))

    const images: SavedImage[] = []
    let rescuedCount = 0
    for (const [index, image] of response.images.entries()) {
      const bytes = await image.bytes({ signal: controller.signal })
      const ext = extensionFor(bytes, image.mimeType)
      const base = imageBaseName(response.model ?? options.model, prompt || (options.operation ?? 'image'), index, image.seed)
      const url = image.url?.startsWith('data:') ? undefined : image.url
      let shown: string | undefined
      let rescued: string | undefined
      try {
        shown = displayPath(ctx.cwd, await writeUnique(dir, base, ext, bytes))
        reporter.saved(index, shown)
      } catch (error) {
        // The image is generated and paid for: it must not be lost with the folder.
        rescuedCount++
        rescued = `could not write to ${displayPath(ctx.cwd, dir)} (${writeFailure(error)})`
        try {
          await mkdir(rescueFolder(), { recursive: true })
          shown = await writeUnique(rescueFolder(), base, ext, bytes)
          reporter.log(`error: image ${index + 1}: ${rescued}; saved it to ${shown} instead`)
        } catch (second) {
          rescued += `, nor to ${rescueFolder()} (${writeFailure(second)})`
          reporter.log(`error: image ${index + 1}: ${rescued}; ${url !== undefined ? `it is still at ${url} (download it before it expires)` : 'its bytes could not be kept'}`)
        }
      }
      images.push({
        path: shown,
        rescued,
        bytes: bytes.byteLength,
        mimeType: extensionMime(ext),
        width: image.width,
        height: image.height,
        seed: image.seed,
        url,
        revised_prompt: image.revised_prompt,
      })
    }
    reporter.stop()
    const done = performance.now()
    const result: GenerateResult = {
      ok: true,
      model: response.model,
      provider: response.provider,
      prompt,
      images,
      warnings: response.warnings,
      usage: response.usage,
      requestIds: response.requestIds,
      timings: {
        totalMs: Math.round(done - started),
        generateMs: Math.round(response.timings?.totalMs ?? generatedAt - started),
        providerMs: response.timings?.providerMs,
        downloadMs: response.timings?.downloadMs,
        saveMs: Math.round(done - generatedAt),
      },
    }
    if (options.json) {
      ctx.stdout.write(`${JSON.stringify(result, null, 2)}\n`)
    } else {
      for (const image of images) ctx.stdout.write(`${image.path ?? image.url ?? '(lost)'}\n`)
      const sizes = images.map((i) => formatBytes(i.bytes)).join(', ')
      ctx.stderr.write(
        `Generated ${images.length} image(s) with ${result.model ?? options.model} (${result.provider ?? '?'}) in ${formatMs(result.timings.totalMs)}` +
          ` [generate ${formatMs(result.timings.generateMs)}, save ${formatMs(result.timings.saveMs)}]: ${sizes}\n`,
      )
    }
    // Exit 1 when an image could not go where it was asked to (the messages say where it is).
    return rescuedCount > 0 ? EXIT_CODES.internal : EXIT_CODES.ok
  } catch (error) {
    reporter.stop()
    const interrupted = controller.signal.aborted
    // Cancels (after Ctrl-C or a job timeout) run in the background, each bounded by its own
    // timeout; the process must not exit before they reach the provider. A second Ctrl-C exits at once.
    await pendingCancellations()
    const code = interrupted ? EXIT_CODES.interrupted : exitCodeFor(error)
    if (options.json) {
      ctx.stdout.write(`${JSON.stringify({ ...jsonFailure(error), exitCode: code }, null, 2)}\n`)
    } else if (interrupted) {
      ctx.stderr.write(`${interruptMessage(cancelledJobs, error)}\n`)
    } else {
      for (const line of describeFailure(error, ctx.cwd)) ctx.stderr.write(`${line}\n`)
    }
    return code
  } finally {
    offInterrupt()
    await emulator?.close()
  }
}

function extensionMime(ext: string): string | undefined {
  return { png: 'image/png', jpg: 'image/jpeg', webp: 'image/webp', gif: 'image/gif', svg: 'image/svg+xml' }[ext]
}
