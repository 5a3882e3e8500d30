/**
 * Exit codes of the `llmkit` command, as data so the README, `--help` and tests read one table.
 * Scripts branch on them: retry on 4 later, fix the command on 2, fix the environment on 3.
 */
export const EXIT_CODES = Object.freeze({
  /** Every image was generated and saved. */
  ok: 0,
  /** A bug or an unexpected failure (please report it). */
  internal: 1,
  /** Bad input: unknown option or model, invalid size/seed/n, unsupported setting, rejected prompt. */
  badInput: 2,
  /** Authentication or configuration: missing or invalid API key, permission denied. */
  auth: 3,
  /** Rate limit, quota or the `--budget-usd` budget exhausted: try again later, or raise the limit. */
  rateLimit: 4,
  /** Provider, network, timeout or async job failure. */
  providerFailure: 5,
  /** Interrupted with Ctrl-C (128 + SIGINT); accepted remote jobs were asked to cancel. */
  interrupted: 130,
})

/** One of {@link EXIT_CODES}' values. */
export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES]

/**
 * Error codes (`LLMKitError.code`) by exit code. Codes, not classes, are matched: a provider
 * package may load a second copy of the core, and `instanceof` fails across copies.
 */
const EXIT_BY_ERROR_CODE: Readonly<Record<string, ExitCode>> = Object.freeze({
  LLMKIT_INVALID_REQUEST: EXIT_CODES.badInput,
  LLMKIT_UNSUPPORTED_CAPABILITY: EXIT_CODES.badInput,
  LLMKIT_MODEL_NOT_FOUND: EXIT_CODES.badInput,
  LLMKIT_CONTENT_POLICY: EXIT_CODES.badInput,
  LLMKIT_AUTHENTICATION: EXIT_CODES.auth,
  LLMKIT_PERMISSION_DENIED: EXIT_CODES.auth,
  LLMKIT_PROVIDER_NOT_CONFIGURED: EXIT_CODES.auth,
  LLMKIT_RATE_LIMIT: EXIT_CODES.rateLimit,
  LLMKIT_BUDGET_EXCEEDED: EXIT_CODES.rateLimit,
  LLMKIT_TIMEOUT: EXIT_CODES.providerFailure,
  LLMKIT_NETWORK: EXIT_CODES.providerFailure,
  LLMKIT_PROVIDER: EXIT_CODES.providerFailure,
  LLMKIT_JOB_FAILED: EXIT_CODES.providerFailure,
  LLMKIT_DELIVERY: EXIT_CODES.providerFailure,
  LLMKIT_ERROR: EXIT_CODES.providerFailure,
  LLMKIT_ABORT: EXIT_CODES.interrupted,
})

/** The exit code for an error thrown by llmkit (or by the command itself). */
export function exitCodeFor(error: unknown): ExitCode {
  if (error instanceof UsageError) return EXIT_CODES.badInput
  const code = (error as { code?: unknown } | null)?.code
  if (typeof code === 'string') {
    const mapped = EXIT_BY_ERROR_CODE[code]
    if (mapped !== undefined) return mapped
    if (code.startsWith('LLMKIT_')) return EXIT_CODES.providerFailure
  }
  return EXIT_CODES.internal
}

/** A mistake in the command line that commander cannot see (e.g. `--size` in a wrong form). */
export class UsageError extends Error {
  override readonly name = 'UsageError'
  /** Stable code for `--json` output. */
  readonly code = 'LLMKIT_CLI_USAGE'
}

/** Exit-code table for `--help` and the README. */
export function exitCodeHelp(): string {
  return [
    'Exit codes:',
    '  0    success',
    '  1    unexpected error',
    '  2    bad input (option, model, size, seed, unsupported setting, rejected prompt)',
    '  3    authentication or configuration (API key missing or invalid)',
    '  4    rate limit or quota exhausted',
    '  5    provider, network, timeout or job failure',
    '  130  interrupted (Ctrl-C); accepted remote jobs were asked to cancel',
  ].join('\n')
}
