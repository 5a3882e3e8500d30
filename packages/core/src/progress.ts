/** A step of a generation, delivered to `generateImage(request, { onProgress })`. */
export interface ProgressEvent {
  /**
   * `submitted`: an async job was accepted. `queued`: waiting (with `position` when known).
   * `running`: generating (with `progress` 0-1 when known). `completed`: images ready.
   * `failed`: the job ended without images. `cancelled`: the caller aborted and a remote cancel
   * of the accepted job was requested (it goes on in the background). `partial_image`: a preview
   * of an image still rendering (`image`, with `index` and `partialImageIndex`), from providers
   * that stream them (GPT image with `partial_images`); the final image comes in the response.
   */
  type: 'submitted' | 'queued' | 'running' | 'completed' | 'failed' | 'cancelled' | 'partial_image'
  /** Provider id. */
  provider: string
  /** Model id. */
  model: string
  /** Remote job id for async providers. */
  jobId?: string | undefined
  /** Requests ahead in the provider's queue. */
  position?: number | undefined
  /** Fraction done, 0-1. */
  progress?: number | undefined
  /** What the provider last said about the job, when it reports text (Replicate: its last log line). */
  message?: string | undefined
  /** Which part of a split request this is (0-based), when `n` was split. */
  part?: number | undefined
  /** Milliseconds since the job was submitted. */
  elapsedMs: number
  /** With `partial_image`: which image of the call the preview belongs to (0-based). */
  index?: number | undefined
  /** With `partial_image`: which preview of that image this is (0-based, in the order they arrive). */
  partialImageIndex?: number | undefined
  /** With `partial_image`: the preview itself. */
  image?: PartialImage | undefined
}

/** A preview of an image still rendering, delivered in a `partial_image` {@link ProgressEvent}. */
export interface PartialImage {
  /** The preview's bytes, base64. Not checked like the final image: show it, do not keep it. */
  readonly b64: string
  /** Its MIME type, e.g. `image/png`. */
  readonly mimeType: string
}

/** Receives progress events; exceptions it throws are ignored. */
export type ProgressListener = (event: ProgressEvent) => void
