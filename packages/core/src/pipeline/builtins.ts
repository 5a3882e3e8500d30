import type { Middleware } from './context.js'
import { type ValidateCapabilitiesOptions, validateCapabilities } from './validate-capabilities.js'

/** Settings of the built-in middleware, given to the client. */
export interface BuiltinOptions extends ValidateCapabilitiesOptions {}

/**
 * The built-in middleware, outermost first. User middleware added with `client.use()` wraps
 * all of them, so it sees the caller's request before validation.
 */
export function builtinMiddleware(options: BuiltinOptions): Middleware[] {
  return [validateCapabilities({ unsupported: options.unsupported })]
}
