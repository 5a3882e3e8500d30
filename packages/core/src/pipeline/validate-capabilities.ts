import { normalizeRequest, type UnsupportedPolicy } from './normalize-request.js'
import type { Middleware } from './context.js'
import { guessedWarning } from '../registry/capabilities.js'

/** Options of {@link validateCapabilities}. */
export interface ValidateCapabilitiesOptions {
  /** Settings the model cannot honor: dropped with a warning, or an error. @defaultValue 'warn' */
  unsupported?: UnsupportedPolicy | undefined
  /** Ids of installed models that take images, named when a text-only model gets images. */
  imageModels?: (() => readonly string[]) | undefined
}

/**
 * The first built-in middleware: checks the request against the model's capability row
 * before any network call, maps what can be mapped, and records a warning (or throws, by
 * policy) for everything else. Sets `ctx.normalized` for the rest of the pipeline.
 */
export function validateCapabilities(options: ValidateCapabilitiesOptions = {}): Middleware {
  const policy = options.unsupported ?? 'warn'
  if (policy !== 'warn' && policy !== 'error') throw new TypeError(`Expected \`unsupported\` to be 'warn' or 'error', got ${String(policy)}.`)
  return async function validateCapabilitiesMiddleware(ctx, next) {
    const { request, warnings } = normalizeRequest(ctx.request, ctx.model.modelId, ctx.model.capabilities, policy, { inputs: ctx.inputs, imageModels: options.imageModels })
    // A model opened outside its provider's table says so on every response (never an error).
    const guessed = guessedWarning(ctx.model.modelId, ctx.model.capabilities)
    if (guessed !== undefined) warnings.unshift(guessed)
    const res = await next(ctx.derive({ normalized: request }))
    return warnings.length === 0 ? res : res.with({ warnings: [...warnings, ...res.warnings] })
  }
}
