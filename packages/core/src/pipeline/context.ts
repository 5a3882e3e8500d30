import type { ImageGenerationRequest } from '../request.js'
import type { ImageGenerationResponse } from '../response.js'
import type { Clock, Logger } from '../logger.js'
import type { ProgressListener } from '../progress.js'
import type { NormalizedRequest } from '../registry/plugin.js'
import type { ResolvedModel } from '../registry/resolve-model.js'
import type { ResolvedInputs } from '../inputs/image-input.js'

/** The state one generation carries through the middleware pipeline. */
export interface GenerationContext {
  /** The request as the caller (or an outer middleware) gave it. Never mutated. */
  readonly request: ImageGenerationRequest
  /** The model the request resolved to. */
  readonly model: ResolvedModel
  /** Provider id, shorthand for `model.plugin.id`. */
  readonly providerId: string
  /** Set by capability validation: what the provider will receive. */
  readonly normalized: NormalizedRequest | undefined
  /** 1 for the first attempt; the retry middleware counts up. */
  readonly attempt: number
  /** Aborts the generation; every wait takes it. */
  readonly signal: AbortSignal
  /**
   * Set by `attemptTimeout` for async models: `signal` plus the attempt deadline. It bounds only
   * the submit of the job (a hung submit is given up and retried); the accepted job is bounded
   * by `jobTimeoutMs`. Undefined: no attempt deadline.
   */
  readonly submitSignal?: AbortSignal | undefined
  /** Logger (redacting; never log keys or image data). */
  readonly logger: Logger
  /** Clock. */
  readonly clock: Clock
  /** Progress listener of the caller, if any. */
  readonly onProgress: ProgressListener | undefined
  /** Deadline of an async job for this call, in milliseconds; undefined: the client's `jobTimeoutMs`. */
  readonly jobTimeoutMs: number | undefined
  /** Which part of a split request this context is (0-based); undefined when not split. */
  readonly part: number | undefined
  /**
   * The request's input images, read and sniffed once per generation (https inputs fetched under
   * the client's download rules); undefined when the request has none.
   */
  readonly inputs?: ResolvedInputs | undefined
  /** Per-middleware scratch space: write only under your middleware's own name. */
  readonly metadata: Record<string, unknown>
  /** Resolves another model id with this client's registry (fallback uses it). */
  resolve(modelId: string): ResolvedModel
  /** A copy of this context with some fields replaced, for passing a changed request downstream. */
  derive(changes: Partial<Omit<GenerationContext, 'derive' | 'resolve'>>): GenerationContext
}

/** Continues the pipeline, optionally with a derived context. */
export type Next = (ctx?: GenerationContext) => Promise<ImageGenerationResponse>

/**
 * A middleware: gets the context and `next`, returns the response. Koa-style onion.
 *
 * @example
 * ```ts
 * const timing: Middleware = async (ctx, next) => {
 *   const start = performance.now()
 *   try { return await next() } finally { console.log(ctx.model.modelId, performance.now() - start) }
 * }
 * ```
 */
export type Middleware = (ctx: GenerationContext, next: Next) => Promise<ImageGenerationResponse>

/** Fields a context is created from. */
export type ContextInit = Omit<GenerationContext, 'derive' | 'providerId'>

/**
 * The normalized request of a context, for middleware that run after `validateCapabilities`.
 * @throws Error naming `who` when it is missing (a pipeline assembled in the wrong order).
 */
export function requireNormalized(ctx: Pick<GenerationContext, 'normalized'>, who: string): NormalizedRequest {
  if (ctx.normalized === undefined) throw new Error(`${who} needs ctx.normalized; the validateCapabilities middleware must run first`)
  return ctx.normalized
}

/** Creates a context whose `derive` keeps `metadata` shared (one bag per generation). */
export function createContext(init: ContextInit): GenerationContext {
  const ctx: GenerationContext = {
    ...init,
    providerId: init.model.plugin.id,
    derive(changes) {
      const merged = { ...ctx, ...changes }
      return createContext(merged)
    },
  }
  return Object.freeze(ctx)
}
