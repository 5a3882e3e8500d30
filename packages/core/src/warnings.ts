import type { PaidWork } from './errors.js'

/**
 * A structured notice that a request was not honored exactly. Nothing is dropped silently:
 * every mapped or dropped setting produces one of these (or an error, by policy).
 */
export interface Warning {
  /**
   * `unsupported`: a setting the model cannot honor was dropped.
   * `mapped`: a setting was changed to the nearest value the model takes.
   * `content`: the provider flagged an image (e.g. NSFW) but returned it.
   * `other`: anything else (partial results, retries...).
   */
  type: 'unsupported' | 'mapped' | 'content' | 'other'
  /** The setting concerned, e.g. `seed`, `size`, `provider_options.foo`. */
  setting?: string | undefined
  /** What happened, in a sentence. */
  message: string
  /** Value that was asked for. */
  requested?: unknown
  /** Value that was used instead. */
  used?: unknown
  /** What a failed part of a split request was paid for and could not deliver (`partialFailure: 'partial'`). */
  paid?: PaidWork | undefined
}
