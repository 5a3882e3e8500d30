import type { PaidWork } from '@llmkit/core'
import { EXIT_CODES, exitCodeFor, type ExitCode } from './exit-codes.js'
import { specificHint } from './hints.js'

/** What to do next, by exit code: the error says what happened, this says how to get on. */
const HINTS: Readonly<Partial<Record<ExitCode, string>>> = Object.freeze({
  [EXIT_CODES.badInput]: 'Check the options (llmkit generate --help) and the model list (llmkit models).',
  [EXIT_CODES.auth]: 'Set the API key variable named above (llmkit models shows which are set), or add --emulate to try offline.',
  [EXIT_CODES.rateLimit]: 'Rate limit or quota reached: wait and retry, or check your plan and billing.',
  [EXIT_CODES.providerFailure]: 'The provider or the network failed: retry later; the message above says which.',
  [EXIT_CODES.internal]: 'This looks like a bug in llmkit; please report it with the command you ran.',
})

/** A failure as `--json` prints it. */
export interface JsonFailure {
  ok: false
  exitCode: ExitCode
  error: Record<string, unknown>
}

/** The `--json` document of a failure; never holds keys (llmkit errors redact them). */
export function jsonFailure(error: unknown): JsonFailure {
  const exitCode = exitCodeFor(error)
  const toJSON = (error as { toJSON?: () => Record<string, unknown> } | null)?.toJSON
  const base = typeof toJSON === 'function' ? toJSON.call(error) : {}
  const e = error as { name?: unknown; code?: unknown; message?: unknown }
  return {
    ok: false,
    exitCode,
    error: { name: e?.name ?? 'Error', code: e?.code ?? 'LLMKIT_CLI_INTERNAL', message: e?.message ?? String(error), ...base },
  }
}

/**
 * Human lines for a failure: the message, then a hint (specific to the error when there is one,
 * else the exit code's). `cwd` lets the hint see the project's own packages.
 */
export function describeFailure(error: unknown, cwd?: string | undefined): string[] {
  const exitCode = exitCodeFor(error)
  const message = error instanceof Error ? error.message : String(error)
  const name = error instanceof Error ? error.name : 'Error'
  const lines = [`error: ${message}${exitCode === EXIT_CODES.internal || name === 'Error' ? '' : ` [${name}]`}`]
  lines.push(...describePaid((error as { paid?: PaidWork } | null)?.paid))
  const hint = specificHint(error, cwd) ?? HINTS[exitCode]
  if (hint !== undefined) lines.push(`hint: ${hint}`)
  return lines
}

/**
 * Work the provider finished and billed but that could not be delivered: its URLs and job id,
 * so a failed command never loses a paid image (the URLs expire, so they come first).
 */
function describePaid(paid: PaidWork | undefined): string[] {
  if (paid === undefined) return []
  const urls = paid.images.flatMap((image) => (image.url === undefined ? [] : [`  ${image.url}`]))
  const job = paid.jobId === undefined ? '' : ` (job ${paid.jobId})`
  if (urls.length === 0) return paid.jobId === undefined ? [] : [`paid: ${paid.provider} ${paid.model} finished the work${job}; look it up with the provider before it expires`]
  return [`paid: ${paid.provider} ${paid.model} finished the work${job}; download the images before the URLs expire:`, ...urls]
}
