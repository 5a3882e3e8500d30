import type { ModelPrice } from '@llmkit/core'
import { falImagePrices } from './fal-image-models.js'

/** Day these figures were read. */
const AS_OF = '2026-11-29'
/**
 * fal bills FLUX per megapixel, rounding up to whole megapixels. Its own examples charge a
 * 1024x1024 image one megapixel, so a billed megapixel is taken as 1024 × 1024 pixels.
 */
const FAL_MEGAPIXEL = 1024 * 1024

/** Prices of the fal table models (fal bills successful outputs only). */
export const falPrices: readonly ModelPrice[] = [
  {
    model: 'fal-ai/flux/dev',
    price: { kind: 'per-megapixel', usdPerMegapixel: 0.025, pixelsPerMegapixel: FAL_MEGAPIXEL, roundUp: true },
    source: 'https://fal.ai/models/fal-ai/flux/dev',
    asOf: AS_OF,
    confidence: 'official',
    note: '"$0.025 per megapixel; images are billed by rounding up to the nearest megapixel" (fal model page). The 1024x1024-pixel megapixel is inferred from fal charging $0.025 for a 1024x1024 image.',
  },
  {
    model: 'fal-ai/flux/schnell',
    price: { kind: 'per-megapixel', usdPerMegapixel: 0.003, pixelsPerMegapixel: FAL_MEGAPIXEL, roundUp: true },
    source: 'https://fal.ai/models/fal-ai/flux/schnell',
    asOf: AS_OF,
    confidence: 'secondary',
    note: '$0.003 per megapixel, read from pages quoting the fal model page.',
  },
  {
    model: 'fal-ai/stable-diffusion-3',
    price: { kind: 'per-image', usd: 0.035 },
    source: 'https://fal.ai/models/fal-ai/stable-diffusion-v3-medium',
    asOf: AS_OF,
    confidence: 'unconfirmed',
    note: 'About $0.035 per image; the current figure on fal’s page could not be confirmed.',
  },
  ...falImagePrices,
]
