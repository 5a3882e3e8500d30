import type { ModelPrice } from '@llmkit/core'

/** Day these figures were read. */
const AS_OF = '2026-11-29'
const PRICING = 'https://platform.stability.ai/pricing'
/** Stability sells credits at one US cent each. */
const USD_PER_CREDIT = 0.01

/** A flat price of `credits` Stability credits per image (the v2beta endpoints bill per generation). */
function credits(model: string, perImage: number, confidence: ModelPrice['confidence'], note?: string): ModelPrice {
  return {
    model,
    price: { kind: 'per-image', usd: perImage * USD_PER_CREDIT },
    source: PRICING,
    asOf: AS_OF,
    confidence,
    note: `${perImage} credits per image at $${USD_PER_CREDIT} per credit${note ? `. ${note}` : ''}`,
  }
}

/** Prices of the Stability AI table models, in credits converted to US dollars. */
export const stabilityPrices: readonly ModelPrice[] = [
  {
    model: 'stability-ai/stable-diffusion-xl',
    price: { kind: 'unknown', reason: 'SDXL 1.0 on v1 is billed by steps and resolution, and the current credit figure could not be confirmed' },
    source: PRICING,
    asOf: AS_OF,
    confidence: 'unconfirmed',
    note: 'Give a price with the client’s `prices` option to run it under a budget.',
  },
  credits('stability-ai/sd3.5-large', 6.5, 'secondary'),
  credits('stability-ai/sd3.5-large-turbo', 4, 'secondary'),
  credits('stability-ai/sd3.5-medium', 3.5, 'secondary'),
  credits('stability-ai/sd3.5-flash', 2.5, 'unconfirmed', 'Figure not confirmed on Stability’s page'),
  credits('stability-ai/stable-image-core', 3, 'secondary'),
  credits('stability-ai/stable-image-ultra', 8, 'secondary'),
  // Edit endpoints: the "Credits" line of each endpoint in Stability's OpenAPI description, read
  // through a generated client (tryAGI/StabilityAI); the pricing page itself was not reachable.
  credits('stability-ai/inpaint', 5, 'secondary', 'Flat rate per successful generation (OpenAPI, /v2beta/stable-image/edit/inpaint)'),
  credits('stability-ai/outpaint', 4, 'secondary', 'Flat rate per successful generation (OpenAPI, /v2beta/stable-image/edit/outpaint)'),
  credits('stability-ai/search-and-replace', 5, 'secondary', 'Flat rate per successful generation (OpenAPI, /v2beta/stable-image/edit/search-and-replace)'),
]
