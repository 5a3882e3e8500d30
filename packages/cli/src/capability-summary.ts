import { IMAGE_OPERATIONS, type ModelListing, type ModelPrice, type SizeSpec } from '@llmkit/core'

/** Most sizes or ratios listed in a table cell before the rest are counted. */
const MAX_LISTED = 4

/** A short description of a model's sizes for a table cell. */
export function describeSizes(sizes: SizeSpec): string {
  switch (sizes.kind) {
    case 'list':
    case 'aspect': {
      const shown = sizes.values.slice(0, MAX_LISTED).join(', ')
      const more = sizes.values.length - MAX_LISTED
      const label = sizes.kind === 'aspect' ? 'ratios ' : ''
      return `${label}${shown}${more > 0 ? ` +${more}` : ''}`
    }
    case 'range': {
      const w = sizes.minWidth === sizes.maxWidth ? `${sizes.minWidth}` : `${sizes.minWidth}-${sizes.maxWidth}`
      const h = sizes.minHeight === sizes.maxHeight ? `${sizes.minHeight}` : `${sizes.minHeight}-${sizes.maxHeight}`
      return `${w} x ${h} step ${sizes.step}`
    }
  }
}

/** `$0.04`: dollars without float noise. */
function usd(value: number): string {
  return `$${Math.round(value * 1e6) / 1e6}`
}

/**
 * A short description of a model's price per image for a table cell: one figure, a range over
 * qualities and sizes, a rate per megapixel, or `unknown`; `~` marks an unconfirmed figure.
 */
export function describePrice(price: ModelPrice | undefined): string {
  if (price === undefined) return 'unknown'
  const mark = price.confidence === 'unconfirmed' ? '~' : ''
  const p = price.price
  switch (p.kind) {
    case 'per-image':
      return `${mark}${usd(p.usd)}`
    case 'table': {
      const values = p.rows.map((r) => r.usd)
      const low = Math.min(...values)
      const high = Math.max(...values)
      return `${mark}${low === high ? usd(low) : `${usd(low)}-${usd(high)}`}`
    }
    case 'per-megapixel':
      return `${mark}${usd(p.usdPerMegapixel)}/MP`
    case 'computed':
      return `${mark}by size and quality`
    case 'unknown':
      return 'unknown'
  }
}

/**
 * Which first-class output settings a model honors (`output_format`, `output_compression`,
 * `background`), for a table cell; `-` for none. The values are in `--json` (`outputFormats`,
 * `outputCompression`, `backgrounds`).
 */
export function describeOutputOptions(c: ModelListing['capabilities']): string {
  const options = [
    ...((c.outputFormats ?? []).length > 0 ? ['format'] : []),
    ...(c.outputCompression === true ? ['compression'] : []),
    ...((c.backgrounds ?? []).length > 0 ? ['background'] : []),
  ]
  return options.length > 0 ? options.join(' ') : '-'
}

/**
 * Which operations a model offers on input images, for a table cell: each operation with its
 * image count when it takes several (`edit 1-16`), `+mask` / `+strength` (required) or `+mask?` /
 * `+strength?` (optional), and `(needs image)` when it cannot draw from text alone; `-` for a
 * text-only model.
 * The limits themselves are in `--json` (`capabilities.imageInputs`).
 */
export function describeImageInputs(c: ModelListing['capabilities']): string {
  const spec = c.imageInputs
  if (spec === undefined) return '-'
  const ops = IMAGE_OPERATIONS.flatMap((op) => {
    const o = spec.operations[op]
    if (o === undefined) return []
    const min = o.minImages ?? 1
    const count = o.maxImages > 1 ? ` ${min === o.maxImages ? o.maxImages : `${min}-${o.maxImages}`}` : ''
    const mask = o.mask === 'required' ? ' +mask' : o.mask === 'optional' ? ' +mask?' : ''
    const strength = o.strength === 'required' ? ' +strength' : o.strength === true ? ' +strength?' : ''
    return [`${op}${count}${mask}${strength}`]
  })
  if (ops.length === 0) return '-'
  return `${ops.join(', ')}${spec.textToImage === false ? ' (needs image)' : ''}`
}

/** The row of `llmkit models` for one model, in {@link MODEL_TABLE_HEADER} order. */
export function modelRow(listing: ModelListing, price?: ModelPrice): string[] {
  const c = listing.capabilities
  const seed = c.seed === null ? 'no' : 'yes'
  const mimes = (c.outputMimeTypes ?? []).map((m) => m.replace(/^image\//, '').replace('svg+xml', 'svg'))
  const formats = [...c.formats.map((f) => (f === 'b64_json' ? 'b64' : f)), ...(mimes.length > 0 ? [`(${mimes.join('/')})`] : [])].join(' ')
  const key = listing.configured ? 'set' : `missing: ${listing.envKeys[0] ?? 'no key variable'}`
  return [c.id, listing.provider, String(c.maxImagesPerCall), describeSizes(c.sizes), c.negativePrompt ? 'yes' : 'no', seed, formats, describeOutputOptions(c), describeImageInputs(c), c.mode, describePrice(price), key]
}

/** Column titles of `llmkit models`. */
export const MODEL_TABLE_HEADER = ['MODEL', 'PROVIDER', 'MAX N', 'SIZES', 'NEGATIVE', 'SEED', 'FORMATS', 'CHOOSABLE', 'IMAGES', 'MODE', 'PRICE/IMAGE', 'KEY'] as const
