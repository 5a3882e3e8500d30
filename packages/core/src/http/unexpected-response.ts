import { ProviderError } from '../errors.js'

/**
 * Which answer did not have the expected shape:
 * - `result`: the 2xx answer that carries the images (a sync provider's generation call);
 * - `submit`: an async provider's 2xx submit answer, whose job id could not be read;
 * - `poll`: a status (or result) read of a job the provider already accepted.
 */
export type ResponsePhase = 'result' | 'submit' | 'poll'

/** What {@link unexpectedResponse} needs to say. */
export interface UnexpectedResponseInit {
  /** Provider id. */
  provider: string
  /** Model id. */
  model?: string | undefined
  /** Which answer it was. */
  phase: ResponsePhase
  /**
   * What was wrong: a sentence, or a schema error (zod's `error`), whose first issue is named
   * (`data.0.url: expected string`). Never the raw body: it may echo secrets.
   */
  detail: string | SchemaIssues
  /** Provider request id or job id. */
  requestId?: string | undefined
  /** HTTP status of the answer. @defaultValue 200 */
  status?: number | undefined
}

/** A schema validation error's issues (zod's `ZodError` has this shape). */
export interface SchemaIssues {
  /** The issues, first the most telling. */
  readonly issues: readonly { readonly path: readonly PropertyKey[]; readonly message: string }[]
}

function describe(detail: string | SchemaIssues): string {
  if (typeof detail === 'string') return detail
  const issue = detail.issues[0]
  return issue === undefined ? 'invalid' : `${issue.path.map(String).join('.') || 'body'}: ${issue.message}`
}

const WHAT: Readonly<Record<ResponsePhase, string>> = {
  result: 'answered 2xx with an unexpected response shape',
  submit: 'accepted the job but its answer has no readable job id',
  poll: 'answered a status request with an unexpected shape',
}

const CONSEQUENCE: Readonly<Record<ResponsePhase, string>> = {
  result: 'The work was probably done and charged, so llmkit does not retry it (that would pay twice)',
  submit: 'The job may exist and be charged, so llmkit does not submit it again; check the provider dashboard',
  poll: 'The job is polled again',
}

/**
 * The one rule for a provider answer llmkit cannot read, so every provider classifies it alike:
 * it is the provider's fault, never the caller's (a {@link ProviderError}, not an
 * InvalidRequestError). A garbled `result` or `submit` answer followed a 2xx, so the work may
 * have been done and billed: not retryable, `mayHaveBeenCharged`. A garbled `poll` answer of an
 * accepted job is transient: retryable, so the job runner polls again (bounded by its
 * `maxPollFailures`), and the job is never submitted twice.
 *
 * @example
 * ```ts
 * const parsed = schema.safeParse(res.json())
 * if (!parsed.success) throw unexpectedResponse({ provider: 'acme', model: req.modelId, phase: 'result', detail: parsed.error.issues[0]?.message ?? 'invalid' })
 * ```
 */
export function unexpectedResponse(init: UnexpectedResponseInit): ProviderError {
  const who = init.model === undefined ? init.provider : `${init.provider} ${init.model}`
  const id = init.requestId === undefined ? '' : ` (request ${init.requestId})`
  const transient = init.phase === 'poll'
  return new ProviderError(`${who}: the provider ${WHAT[init.phase]}${id}: ${describe(init.detail)}. ${CONSEQUENCE[init.phase]}`, {
    provider: init.provider,
    model: init.model,
    requestId: init.requestId,
    status: init.status ?? 200,
    providerCode: 'unexpected_response',
    retryable: transient,
    mayHaveBeenCharged: !transient,
  })
}
