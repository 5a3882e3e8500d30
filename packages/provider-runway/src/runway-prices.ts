import type { ModelPrice } from '@llmkit/core'

/** Day these figures were read. */
const AS_OF = '2026-11-29'
const PRICING = 'https://docs.dev.runwayml.com/guides/pricing/'
/** Runway sells API credits at one US cent each. */
const USD_PER_CREDIT = 0.01

/** gen4's 720p tier (the other `ratio` values are the 1080p tier). */
const GEN4_720P = ['1280x720', '720x1280', '720x720', '960x720', '720x960', '1680x720']

function unknown(model: string): ModelPrice {
  return {
    model,
    price: { kind: 'unknown', reason: 'Runway bills this model in credits per image, and the figure could not be confirmed' },
    source: PRICING,
    asOf: AS_OF,
    confidence: 'unconfirmed',
    note: 'Give a price with the client’s `prices` option to run it under a budget.',
  }
}

/** Prices of the Runway table models, in credits converted to US dollars. */
export const runwayPrices: readonly ModelPrice[] = [
  {
    model: 'gen4_image',
    price: {
      kind: 'table',
      rows: [
        { sizes: GEN4_720P, usd: 5 * USD_PER_CREDIT },
        { usd: 8 * USD_PER_CREDIT },
      ],
    },
    source: PRICING,
    asOf: AS_OF,
    confidence: 'secondary',
    note: '5 credits per 720p image, 8 credits per 1080p image, at $0.01 per credit (as reproduced by resellers of Runway’s API).',
  },
  {
    model: 'gen4_image_turbo',
    price: { kind: 'per-image', usd: 2 * USD_PER_CREDIT },
    source: PRICING,
    asOf: AS_OF,
    confidence: 'unconfirmed',
    note: '2 credits per image at any resolution; not confirmed on Runway’s page.',
  },
  unknown('gpt_image_2'),
  unknown('gpt_image_2_5_flare'),
  unknown('gpt_image_2_5_sunburst'),
  {
    model: 'muse_image',
    price: { kind: 'per-image', usd: 1 * USD_PER_CREDIT },
    source: 'https://www.npmjs.com/package/@runwayml/sdk/v/4.20.1',
    asOf: AS_OF,
    confidence: 'secondary',
    note: '1 credit per image ("Each image costs 1 credit", MuseImage.outputCount in @runwayml/sdk 4.20.1), at $0.01 per credit.',
  },
  unknown('seedream5_pro'),
  unknown('seedream5_lite'),
  // The SDK gives only differences (2K +2 credits, quality low −2, +1 per reference), not the base.
  unknown('grok_imagine_image_2'),
  unknown('gemini_image3_pro'),
  unknown('gemini_image3.1_flash'),
  unknown('gemini_2.5_flash'),
]
