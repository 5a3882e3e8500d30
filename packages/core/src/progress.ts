/** A step of a generation, delivered to `generateImage(request, { onProgress })`. */
export interface ProgressEvent {
  /**
   * `submitted`: an async job was accepted. `queued`: waiting (with `position` when known).
   * `running`: generating (with `progress` 0-1 when known). `completed`: images ready.
   * `failed`: the job ended without images. `cancelled`: the caller aborted and a remote cancel
   * of the accepted job was requested (it goes on in the background).
   */
  type: 'submitted' | 'queued' | 'running' | 'completed' | 'failed' | 'cancelled'
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
  /** Which part of a split request this is (0-based), when `n` was split. */
  part?: number | undefined
  /** Milliseconds since the job was submitted. */
  elapsedMs: number
}

/** Receives progress events; exceptions it throws are ignored. */
export type ProgressListener = (event: ProgressEvent) => void
