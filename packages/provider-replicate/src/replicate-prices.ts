import type { ModelPrice } from '@llmkit/core'
import { replicateImagePrices } from './replicate-image-models.js'

/** Day these figures were read. */
const AS_OF = '2026-11-29'

/** Official Replicate models bill per output image; the price is on the model page. */
function perImage(model: string, usd: number, confidence: ModelPrice['confidence'], note?: string): ModelPrice {
  return { model, price: { kind: 'per-image', usd }, source: `https://replicate.com/${model}`, asOf: AS_OF, confidence, ...(note ? { note } : {}) }
}

/** Prices of the Replicate table models (official models bill per output image). */
export const replicatePrices: readonly ModelPrice[] = [
  perImage('black-forest-labs/flux-schnell', 0.003, 'secondary'),
  perImage('black-forest-labs/flux-dev', 0.025, 'secondary'),
  perImage('black-forest-labs/flux-pro', 0.055, 'official'),
  perImage('black-forest-labs/flux-1.1-pro', 0.04, 'secondary'),
  {
    model: 'stability-ai/sdxl',
    price: { kind: 'unknown', reason: 'a community model billed by GPU time, so no price per image can be given' },
    source: 'https://replicate.com/stability-ai/sdxl',
    asOf: AS_OF,
    confidence: 'unconfirmed',
    note: 'About $0.004 per 1024x1024 image is commonly reported; give a price with the client’s `prices` option to run it under a budget.',
  },
  perImage('stability-ai/stable-diffusion-3.5-large', 0.065, 'unconfirmed', 'Matches Stability’s own 6.5 credits; not confirmed on the Replicate page.'),
  perImage('stability-ai/stable-diffusion-3.5-large-turbo', 0.04, 'unconfirmed', 'Matches Stability’s own 4 credits; not confirmed on the Replicate page.'),
  perImage('stability-ai/stable-diffusion-3.5-medium', 0.035, 'unconfirmed', 'Matches Stability’s own 3.5 credits; not confirmed on the Replicate page.'),
  perImage('recraft-ai/recraft-v3', 0.04, 'unconfirmed', 'Matches Recraft’s own V3 raster price; not confirmed on the Replicate page.'),
  perImage('ideogram-ai/ideogram-v2', 0.08, 'unconfirmed', 'Matches Ideogram’s own V_2 price; not confirmed on the Replicate page.'),
  perImage('ideogram-ai/ideogram-v2-turbo', 0.05, 'unconfirmed', 'Matches Ideogram’s own V_2_TURBO price; not confirmed on the Replicate page.'),
  ...replicateImagePrices,
]
