import type { NormalizedRequest } from '../registry/plugin.js'
import type { Usage } from '../response.js'
import type { Cost, ImagePrice, ModelPrice, PriceInput } from './price.js'

/** The area an aspect-ratio model is assumed to render (those services pick about one megapixel). */
const ASPECT_MODEL_PIXELS = 1024 * 1024

/** US dollars rounded to whole micro-dollars, the unit budget stores count in, so sums never drift. */
export function roundUsd(usd: number): number {
  return Math.round(usd * 1e6) / 1e6
}

/** `$0.04`, `$0.0025`: dollars without float noise. */
export function formatUsd(usd: number): string {
  return `$${roundUsd(usd).toString()}`
}

/** The price of `modelId` in `prices`, or undefined. */
export function findPrice(prices: readonly ModelPrice[] | undefined, modelId: string): ModelPrice | undefined {
  return prices?.find((p) => p.model === modelId)
}

interface OutputShape {
  /** `'WxH'` or `'W:H'`, as table rows name sizes. */
  readonly key: string | undefined
  readonly width: number | undefined
  readonly height: number | undefined
}

/** The output size the provider will bill: the request's size or ratio, else the model's default. */
function outputShape(req: NormalizedRequest): OutputShape {
  if (req.size !== undefined) return { key: `${req.size.width}x${req.size.height}`, width: req.size.width, height: req.size.height }
  const spec = req.aspectRatio ?? req.capabilities.defaultSize
  if (spec === undefined) return { key: undefined, width: undefined, height: undefined }
  const pixel = /^(\d+)x(\d+)$/.exec(spec)
  if (pixel) return { key: spec, width: Number(pixel[1]), height: Number(pixel[2]) }
  const ratio = /^(\d+(?:\.\d+)?):(\d+(?:\.\d+)?)$/.exec(spec)
  if (!ratio) return { key: spec, width: undefined, height: undefined }
  // An aspect model renders about one megapixel at that ratio.
  const r = Number(ratio[1]) / Number(ratio[2])
  return { key: spec, width: Math.round(Math.sqrt(ASPECT_MODEL_PIXELS * r)), height: Math.round(Math.sqrt(ASPECT_MODEL_PIXELS / r)) }
}

/** One image's price and how it was found, or why there is none. */
type UnitPrice = { readonly usd: number; readonly detail: string; readonly fallback: boolean } | { readonly unknown: string }

function unitPrice(price: ImagePrice, input: PriceInput, sizeKey: string | undefined): UnitPrice {
  switch (price.kind) {
    case 'per-image':
      return { usd: price.usd, detail: 'per image', fallback: false }
    case 'table': {
      const row = price.rows.find(
        (r) =>
          (r.qualities === undefined || (input.quality !== undefined && r.qualities.includes(input.quality))) &&
          (r.sizes === undefined || (sizeKey !== undefined && r.sizes.includes(sizeKey))),
      )
      if (row) return { usd: row.usd, detail: 'per image', fallback: false }
      // No row for this combination: the highest listed price, so a budget never reserves too little.
      const highest = Math.max(...price.rows.map((r) => r.usd))
      return { usd: highest, detail: 'per image (no listed row; highest listed price)', fallback: true }
    }
    case 'per-megapixel': {
      if (input.width === undefined || input.height === undefined) return { unknown: 'the output size is unknown, and this model is priced per megapixel' }
      const raw = (input.width * input.height) / (price.pixelsPerMegapixel ?? 1_000_000)
      const megapixels = price.roundUp ? Math.max(1, Math.ceil(raw - 1e-9)) : raw
      return { usd: megapixels * price.usdPerMegapixel, detail: `${formatUsd(price.usdPerMegapixel)}/MP × ${roundUsd(megapixels)} MP`, fallback: false }
    }
    case 'computed': {
      // The formula decides what an unknown size costs (OpenAI's `auto` default: the dearest size it may pick).
      const usd = price.usdPerImage(input)
      if (usd === undefined) return { unknown: `the formula (${price.formula}) does not cover this size and quality` }
      return { usd, detail: price.formula, fallback: false }
    }
    case 'unknown':
      return { unknown: price.reason }
  }
}

/** What {@link priceRequest} returns: a cost, or why there is none. */
export type PricedRequest = { readonly cost: Cost } | { readonly unknown: string }

/**
 * Prices `images` images of a normalized request from the table (no network): the request's
 * size or aspect ratio, else the model's default size; its quality, else the price's
 * `defaultQuality`. The result is always marked `estimated`.
 */
export function priceRequest(price: ModelPrice | undefined, req: NormalizedRequest, images: number = req.n): PricedRequest {
  if (price === undefined) return { unknown: `no price is known for ${req.modelId}` }
  const shape = outputShape(req)
  const quality = req.quality ?? price.defaultQuality
  const unit = unitPrice(price.price, { width: shape.width, height: shape.height, quality }, shape.key)
  if ('unknown' in unit) return { unknown: `${req.modelId}: ${unit.unknown}` }
  const what = [req.modelId, quality, shape.key].filter((s) => s !== undefined).join(' ')
  const basis = `${what}: ${formatUsd(unit.usd)} ${unit.detail} × ${images} (price table, ${price.confidence}, ${price.asOf}, ${price.source})`
  return { cost: { usd: roundUsd(unit.usd * images), estimated: true, basis } }
}

/** {@link priceRequest} as a Cost or undefined. */
export function estimateRequestCost(price: ModelPrice | undefined, req: NormalizedRequest, images: number = req.n): Cost | undefined {
  const priced = priceRequest(price, req, images)
  return 'cost' in priced ? priced.cost : undefined
}

/**
 * The exact cost from what the provider reported: tokens (GPT image models) or credits, priced
 * with the model's {@link ModelPrice.usage} rates. Undefined when nothing usable was reported.
 */
export function costFromUsage(price: ModelPrice | undefined, usage: Usage | undefined): Cost | undefined {
  const rates = price?.usage
  if (price === undefined || rates === undefined || usage === undefined) return undefined
  const source = `${price.confidence}, ${price.asOf}, ${price.source}`
  const { inputUsdPerMillionTokens: inRate, outputUsdPerMillionTokens: outRate, usdPerCredit } = rates
  if (outRate !== undefined && usage.outputTokens !== undefined) {
    const input = usage.inputTokens ?? 0
    const usd = (input * (inRate ?? 0) + usage.outputTokens * outRate) / 1e6
    const basis = `${price.model}: ${input} input tokens × ${formatUsd(inRate ?? 0)}/1M + ${usage.outputTokens} output tokens × ${formatUsd(outRate)}/1M, as reported (rates: ${source})`
    return { usd: roundUsd(usd), estimated: false, basis }
  }
  if (usdPerCredit !== undefined && usage.credits !== undefined) {
    return { usd: roundUsd(usage.credits * usdPerCredit), estimated: false, basis: `${price.model}: ${usage.credits} credits × ${formatUsd(usdPerCredit)}, as reported (rate: ${source})` }
  }
  return undefined
}

/** Sums costs (split parts, kept charges); estimated when any part is. */
export function sumCosts(costs: readonly Cost[]): Cost | undefined {
  if (costs.length === 0) return undefined
  if (costs.length === 1) return costs[0]
  return {
    usd: roundUsd(costs.reduce((n, c) => n + c.usd, 0)),
    estimated: costs.some((c) => c.estimated),
    basis: costs.map((c) => c.basis).join('; '),
  }
}
