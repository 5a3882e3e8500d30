import type { ImageGenerationResponse } from '../response.js'
import type { GenerationContext, Middleware, Next } from './context.js'

/** The innermost handler, which calls the provider. */
export type Terminal = (ctx: GenerationContext) => Promise<ImageGenerationResponse>

/**
 * Composes middleware into one handler (Koa's onion). Checked at compose time: every entry
 * must be a function. Checked on every call, in every environment (a second `next()` is a
 * second paid generation):
 * - per context, only one `next()` may be in flight, and none may follow one that succeeded;
 * - a middleware may not resolve while its `next()` is still running.
 * Passing a derived context to `next(child)` runs the rest of the pipeline for that context,
 * which is how split-n fans out in parallel.
 *
 * @throws TypeError at compose time for a non-function entry.
 */
export function compose(middleware: readonly Middleware[], terminal: Terminal): Terminal {
  if (!Array.isArray(middleware)) throw new TypeError('Middleware stack must be an array')
  middleware.forEach((fn, i) => {
    if (typeof fn !== 'function') throw new TypeError(`Middleware at index ${i} must be a function, got ${typeof fn}`)
  })
  if (typeof terminal !== 'function') throw new TypeError('Terminal handler must be a function')

  const dispatch = (index: number, ctx: GenerationContext): Promise<ImageGenerationResponse> => {
    const fn = middleware[index]
    if (fn === undefined) return terminal(ctx)
    const inFlight = new Set<GenerationContext>()
    const succeeded = new Set<GenerationContext>()
    let pending = 0
    const next: Next = async (child) => {
      const target = child ?? ctx
      if (inFlight.has(target)) throw new Error(`Middleware #${index} (${fn.name || 'anonymous'}) called next() while a previous next() was still running`)
      if (succeeded.has(target)) throw new Error(`Middleware #${index} (${fn.name || 'anonymous'}) called next() again after it succeeded; that would pay for a second generation`)
      inFlight.add(target)
      pending++
      try {
        const res = await dispatch(index + 1, target)
        succeeded.add(target)
        return res
      } finally {
        inFlight.delete(target)
        pending--
      }
    }
    return Promise.resolve(fn(ctx, next)).then((res) => {
      if (pending > 0) {
        throw new Error(`Middleware #${index} (${fn.name || 'anonymous'}) resolved before its downstream finished; missing an await or return?`)
      }
      if (res === undefined || res === null) {
        throw new Error(`Middleware #${index} (${fn.name || 'anonymous'}) returned no response; return the result of next()`)
      }
      return res
    })
  }
  return (ctx) => dispatch(0, ctx)
}
