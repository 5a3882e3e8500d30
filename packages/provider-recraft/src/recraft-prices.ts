import type { ModelPrice } from '@llmkit/core'

/** Day these figures were read. */
const AS_OF = '2026-11-29'
/** Recraft sells API units at 1,000 per US dollar; responses report the units a call used. */
const USD_PER_UNIT = 0.001

function perImage(model: string, usd: number, source: string): ModelPrice {
  return {
    model,
    price: { kind: 'per-image', usd },
    usage: { usdPerCredit: USD_PER_UNIT },
    source,
    asOf: AS_OF,
    confidence: 'official',
    note: `${Math.round(usd / USD_PER_UNIT)} API units per image ($1 = 1,000 units); the units a response reports are billed exactly`,
  }
}

/** A price not read from Recraft's own pages: `confidence: 'unconfirmed'`, with why. */
function unconfirmed(model: string, usd: number, why: string): ModelPrice {
  const row = perImage(model, usd, PRICING)
  return { ...row, confidence: 'unconfirmed', note: `${why} Not confirmed on ${PRICING}. ${row.note ?? ''}`.trim() }
}

const PRICING = 'https://www.recraft.ai/docs/api-reference/pricing'
const V4 = 'https://www.recraft.ai/docs/api-reference/models/recraft-v4'

/** Prices of the Recraft table models: raster and vector, per image. */
export const recraftPrices: readonly ModelPrice[] = [
  perImage('recraft-v3', 0.04, PRICING),
  perImage('recraft-v3-vector', 0.08, PRICING),
  perImage('recraft-v2', 0.022, PRICING),
  perImage('recraft-v2-vector', 0.044, PRICING),
  perImage('recraft-v4', 0.04, V4),
  perImage('recraft-v4-vector', 0.08, V4),
  perImage('recraft-v4-pro', 0.25, V4),
  perImage('recraft-v4-pro-vector', 0.3, V4),
  // V4.1 and V4 Styles: no Recraft price page was reachable (2026-11-29); the V4 prices of the same tier, unconfirmed.
  unconfirmed('recraft-v4-1', 0.04, 'Assumed equal to Recraft V4.'),
  unconfirmed('recraft-v4-1-vector', 0.08, 'Assumed equal to Recraft V4 Vector.'),
  unconfirmed('recraft-v4-1-pro', 0.25, 'Assumed equal to Recraft V4 Pro.'),
  unconfirmed('recraft-v4-1-pro-vector', 0.3, 'Assumed equal to Recraft V4 Pro Vector.'),
  unconfirmed('recraft-v4-styles', 0.04, 'Assumed equal to Recraft V4.'),
  unconfirmed('recraft-v4-styles-vector', 0.08, 'Assumed equal to Recraft V4 Vector.'),
  unconfirmed('recraft-v4-styles-pro', 0.25, 'Assumed equal to Recraft V4 Pro.'),
  unconfirmed('recraft-v4-styles-pro-vector', 0.3, 'Assumed equal to Recraft V4 Pro Vector.'),
]
