import type { Warning } from '../warnings.js'

/**
 * Prices as data. A provider plugin publishes one {@link ModelPrice} per table model (its
 * `prices` field); the core turns them into `response.cost`, `client.estimateCost()` and the
 * budget's reservations. Every price names its source and the date it was read, and says how
 * sure it is, because provider pricing pages change without notice.
 */

/**
 * How sure a price is:
 * - `official`: read on the provider's own pricing or model page;
 * - `secondary`: from a page that reproduces the provider's table (a mirror, an aggregator
 *   quoting the provider), consistent with other sources, not read on the provider's page;
 * - `unconfirmed`: the best figure found, which could not be confirmed; treat as a guess.
 */
export type PriceConfidence = 'official' | 'secondary' | 'unconfirmed'

/** One row of a {@link TablePrice}: a price per image for some qualities and sizes. */
export interface PriceRow {
  /** Quality tiers (the model's own names) this row covers; omitted: every quality. */
  readonly qualities?: readonly string[] | undefined
  /** Sizes this row covers, `'WxH'` (or `'W:H'` for aspect models); omitted: every size. */
  readonly sizes?: readonly string[] | undefined
  /** US dollars per image. */
  readonly usd: number
}

/** The same price for every image. */
export interface PerImagePrice {
  readonly kind: 'per-image'
  /** US dollars per image. */
  readonly usd: number
}

/**
 * A price by quality and size: the first matching row wins. A request no row matches is
 * charged at the highest listed price (an estimate, so a budget never under-reserves).
 */
export interface TablePrice {
  readonly kind: 'table'
  /** Rows, the first match wins. */
  readonly rows: readonly PriceRow[]
}

/** A price per megapixel of output (fal's FLUX billing). */
export interface PerMegapixelPrice {
  readonly kind: 'per-megapixel'
  /** US dollars per megapixel. */
  readonly usdPerMegapixel: number
  /** Pixels in one billed megapixel. @defaultValue 1_000_000 */
  readonly pixelsPerMegapixel?: number | undefined
  /** Bill whole megapixels, rounding up. @defaultValue false */
  readonly roundUp?: boolean | undefined
}

/** What a {@link ComputedPrice} formula receives. */
export interface PriceInput {
  /** Output width in pixels, when known. */
  readonly width: number | undefined
  /** Output height in pixels, when known. */
  readonly height: number | undefined
  /** Quality tier (the model's own name), when known. */
  readonly quality: string | undefined
}

/** A price given by a formula (e.g. output tokens from size and quality). */
export interface ComputedPrice {
  readonly kind: 'computed'
  /** What the formula does, shown in `cost.basis`. */
  readonly formula: string
  /** US dollars for one image; undefined when the input is outside the formula. */
  usdPerImage(input: PriceInput): number | undefined
}

/** No usable price (billed by GPU time, or the figure could not be found). */
export interface UnknownPrice {
  readonly kind: 'unknown'
  /** Why there is no price, shown in warnings and errors. */
  readonly reason: string
}

/** How one image of a model is priced. */
export type ImagePrice = PerImagePrice | TablePrice | PerMegapixelPrice | ComputedPrice | UnknownPrice

/** Rates that turn what a provider reports (tokens, credits) into an exact cost. */
export interface UsageRates {
  /** US dollars per million input tokens (text prompt). */
  readonly inputUsdPerMillionTokens?: number | undefined
  /** US dollars per million output (image) tokens. */
  readonly outputUsdPerMillionTokens?: number | undefined
  /** US dollars per reported credit or unit. */
  readonly usdPerCredit?: number | undefined
}

/**
 * The price of one model, with where it came from.
 *
 * @example
 * ```ts
 * const price: ModelPrice = {
 *   model: 'dall-e-2',
 *   price: { kind: 'table', rows: [{ sizes: ['256x256'], usd: 0.016 }, { sizes: ['512x512'], usd: 0.018 }, { usd: 0.02 }] },
 *   source: 'https://openai.com/api/pricing/', asOf: '2026-11-29', confidence: 'official',
 * }
 * ```
 */
export interface ModelPrice {
  /** Model id as in the capability table (or an open id such as `replicate:owner/name`'s `owner/name`). */
  readonly model: string
  /** How an image is priced. */
  readonly price: ImagePrice
  /** Exact pricing of reported usage; when the provider reports it, the cost is not an estimate. */
  readonly usage?: UsageRates | undefined
  /** Quality tier billed when the request names none (the provider's default). */
  readonly defaultQuality?: string | undefined
  /** Pricing page the figure was read from. */
  readonly source: string
  /** Date the figure was read, `YYYY-MM-DD`. */
  readonly asOf: string
  /** How sure the figure is. */
  readonly confidence: PriceConfidence
  /** Anything a reader should know (credits per image, what could not be confirmed). */
  readonly note?: string | undefined
}

/** What `client.estimateCost()` returns: the cost of a request before any call. */
export interface CostEstimate {
  /** US dollars; undefined when the model's price is unknown. */
  readonly usd: number | undefined
  /** Always true: the figure comes from the price table. */
  readonly estimated: true
  /** How it was computed, or why it could not be. */
  readonly basis: string
  /** Provider id. */
  readonly provider: string
  /** Model id. */
  readonly model: string
  /** Images priced (the request's `n`). */
  readonly images: number
  /** Provider calls the request will make after `n` is split by the model's per-call maximum. */
  readonly calls: number
  /** The price used, when there is one. */
  readonly price: ModelPrice | undefined
  /** What normalization mapped or dropped (sizes snapped, qualities mapped), which the price reflects. */
  readonly warnings: readonly Warning[]
}

/**
 * What a generation cost, in US dollars. `estimated` is true when it comes from the price table
 * rather than from usage the provider reported; `basis` says how it was computed.
 */
export interface Cost {
  /** US dollars. */
  readonly usd: number
  /** True when computed from the price table (the provider reported no cost). */
  readonly estimated: boolean
  /** How it was computed, e.g. `dall-e-3 hd 1024x1792: $0.12/image × 2 (official, 2026-11-29)`. */
  readonly basis: string
}
