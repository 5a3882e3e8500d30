import type { ComputedPrice, ModelPrice, PriceRow } from '@llmkit/core'

/** Day these figures were read. */
const AS_OF = '2026-11-29'
const PRICING = 'https://developers.openai.com/api/docs/pricing'

/** The three GPT image sizes: the square one is cheaper than the two 3:2 ones. */
const SQUARE = ['1024x1024']
const WIDE = ['1536x1024', '1024x1536']

/**
 * The default size `auto` (no size sent): the model picks one of the three standard sizes, so it
 * is billed (and reserved) as the dearest of them at the quality asked, the 3:2 ones.
 */
const AUTO = 'auto'

/**
 * A GPT image table: per quality, square and 3:2 prices. Quality `auto` lets the model choose, so
 * it is billed (and reserved) as `high`, the most it can cost; size `auto` as 3:2 (see AUTO).
 */
function gptImageRows(low: [number, number], medium: [number, number], high: [number, number]): PriceRow[] {
  return [
    { qualities: ['low'], sizes: SQUARE, usd: low[0] },
    { qualities: ['low'], sizes: [...WIDE, AUTO], usd: low[1] },
    { qualities: ['medium'], sizes: SQUARE, usd: medium[0] },
    { qualities: ['medium'], sizes: [...WIDE, AUTO], usd: medium[1] },
    { qualities: ['high', 'auto'], sizes: SQUARE, usd: high[0] },
    { qualities: ['high', 'auto'], sizes: [...WIDE, AUTO], usd: high[1] },
  ]
}

/** Output-token factors of gpt-image-2 per quality (`auto` billed as `high`). */
const GPT_IMAGE_2_QUALITY_FACTORS: Readonly<Record<string, number>> = { low: 16, medium: 48, high: 96, auto: 96 }
/** gpt-image-2 image output, US dollars per million tokens. */
const GPT_IMAGE_2_OUTPUT_USD_PER_M = 30

/**
 * Output tokens of one gpt-image-2 image, as OpenAI's pricing calculator computes them
 * (reconstructed by the community; it reproduces OpenAI's published examples exactly:
 * 1024x1024 low/medium/high = 196/1756/7024 tokens, 1536x1024 high = 5488 tokens).
 */
export function gptImage2OutputTokens(quality: string, width: number, height: number): number | undefined {
  const q = GPT_IMAGE_2_QUALITY_FACTORS[quality]
  if (q === undefined) return undefined
  const long = Math.max(width, height)
  const short = Math.min(width, height)
  const shortFactor = Math.floor((2 * q * short + long) / (2 * long))
  return Math.ceil((q * shortFactor * (2_000_000 + width * height)) / 4_000_000)
}

/** The sizes `auto` picks among (CreateImageRequest.size: "the standard sizes ... supported by the GPT image models"). */
const STANDARD_SIZES: readonly (readonly [number, number])[] = [
  [1024, 1024],
  [1536, 1024],
  [1024, 1536],
]

const gptImage2Price: ComputedPrice = {
  kind: 'computed',
  formula: `output tokens from size and quality × $${GPT_IMAGE_2_OUTPUT_USD_PER_M}/1M (size auto: the dearest standard size)`,
  usdPerImage: ({ width, height, quality }) => {
    // No size: the default `auto`, billed as the dearest standard size it may pick.
    const candidates = width === undefined || height === undefined ? STANDARD_SIZES : [[width, height] as const]
    const tokens = candidates.map(([w, h]) => gptImage2OutputTokens(quality ?? 'auto', w, h))
    if (tokens.some((t) => t === undefined)) return undefined
    return (Math.max(...(tokens as number[])) * GPT_IMAGE_2_OUTPUT_USD_PER_M) / 1e6
  },
}

/**
 * Prices of the OpenAI image models, per image. GPT image models also report token usage, so a
 * response's cost is computed from the reported tokens (exact) and the table is the estimate
 * reserved before the call. Prompt (text input) tokens are not in the per-image estimates.
 */
export const openaiPrices: readonly ModelPrice[] = [
  {
    model: 'dall-e-3',
    price: {
      kind: 'table',
      rows: [
        { qualities: ['standard'], sizes: ['1024x1024'], usd: 0.04 },
        { qualities: ['standard'], sizes: ['1792x1024', '1024x1792'], usd: 0.08 },
        { qualities: ['hd'], sizes: ['1024x1024'], usd: 0.08 },
        { qualities: ['hd'], sizes: ['1792x1024', '1024x1792'], usd: 0.12 },
      ],
    },
    defaultQuality: 'standard',
    source: 'https://openai.com/api/pricing/',
    asOf: AS_OF,
    confidence: 'secondary',
    note: "OpenAI's long-standing DALL·E 3 table, read from pages that reproduce openai.com/pricing.",
  },
  {
    model: 'dall-e-2',
    price: {
      kind: 'table',
      rows: [
        { sizes: ['256x256'], usd: 0.016 },
        { sizes: ['512x512'], usd: 0.018 },
        { sizes: ['1024x1024'], usd: 0.02 },
      ],
    },
    source: 'https://openai.com/api/pricing/',
    asOf: AS_OF,
    confidence: 'secondary',
    note: "OpenAI's long-standing DALL·E 2 table, read from pages that reproduce openai.com/pricing.",
  },
  {
    model: 'gpt-image-1',
    price: { kind: 'table', rows: gptImageRows([0.011, 0.016], [0.042, 0.063], [0.167, 0.25]) },
    usage: { inputUsdPerMillionTokens: 5, outputUsdPerMillionTokens: 40 },
    defaultQuality: 'auto',
    source: PRICING,
    asOf: AS_OF,
    confidence: 'secondary',
    note: 'Per-image figures match 272/1056/4160 output tokens (square) at $40/1M; read from fal.ai, which bills OpenAI’s table as is.',
  },
  {
    model: 'gpt-image-1-mini',
    price: { kind: 'table', rows: gptImageRows([0.005, 0.006], [0.011, 0.015], [0.036, 0.052]) },
    usage: { inputUsdPerMillionTokens: 2, outputUsdPerMillionTokens: 8 },
    defaultQuality: 'auto',
    source: 'https://developers.openai.com/api/docs/models/gpt-image-1-mini',
    asOf: AS_OF,
    confidence: 'official',
  },
  {
    model: 'gpt-image-1.5',
    price: {
      kind: 'table',
      rows: [
        { qualities: ['low'], sizes: SQUARE, usd: 0.009 },
        { qualities: ['low'], sizes: [...WIDE, AUTO], usd: 0.013 },
        { qualities: ['medium'], sizes: SQUARE, usd: 0.034 },
        { qualities: ['medium'], sizes: ['1024x1536', AUTO], usd: 0.051 },
        { qualities: ['medium'], sizes: ['1536x1024'], usd: 0.05 },
        { qualities: ['high', 'auto'], sizes: SQUARE, usd: 0.133 },
        { qualities: ['high', 'auto'], sizes: ['1024x1536', AUTO], usd: 0.2 },
        { qualities: ['high', 'auto'], sizes: ['1536x1024'], usd: 0.199 },
      ],
    },
    usage: { inputUsdPerMillionTokens: 5, outputUsdPerMillionTokens: 32 },
    defaultQuality: 'auto',
    source: PRICING,
    asOf: AS_OF,
    confidence: 'secondary',
    note: 'Per-image table as fal.ai and Runware reproduce it; the $32/1M output rate is derived from it (0.133 / 4160 tokens) and not read on OpenAI’s page.',
  },
  {
    model: 'gpt-image-2',
    price: gptImage2Price,
    usage: { inputUsdPerMillionTokens: 5, outputUsdPerMillionTokens: GPT_IMAGE_2_OUTPUT_USD_PER_M },
    defaultQuality: 'auto',
    source: 'https://developers.openai.com/api/docs/guides/image-generation#cost-and-latency',
    asOf: AS_OF,
    confidence: 'secondary',
    note: 'Token rates ($5 text in, $30 image out per 1M) as reproduced from OpenAI’s pricing page; the size formula is a community reconstruction of OpenAI’s calculator that matches its published examples ($0.006/$0.053/$0.211 at 1024x1024).',
  },
]
