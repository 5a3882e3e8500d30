import { ImageGenerationRequest, type Middleware } from 'llmkit'

/**
 * Prepends a house style to every prompt. User middleware runs before capability validation,
 * so it may hand a changed request downstream; the caller's request object is never mutated.
 */
export function promptPrefix(prefix: string): Middleware {
  return async function promptPrefixMiddleware(ctx, next) {
    const request = ImageGenerationRequest.from({ ...ctx.request.toJSON(), prompt: `${prefix}${ctx.request.prompt}` })
    return next(ctx.derive({ request }))
  }
}

/** One timing record per generation. */
export interface Timing {
  model: string
  ms: number
  images: number
  ok: boolean
}

/**
 * Measures each generation end to end (retries, fallbacks and split parts included, since it
 * wraps every built-in) and reports it to `report`.
 */
export function timing(report: (t: Timing) => void): Middleware {
  return async function timingMiddleware(ctx, next) {
    const started = performance.now()
    try {
      const res = await next()
      report({ model: res.model ?? ctx.model.modelId, ms: performance.now() - started, images: res.count, ok: true })
      return res
    } catch (error) {
      report({ model: ctx.model.modelId, ms: performance.now() - started, images: 0, ok: false })
      throw error
    }
  }
}
