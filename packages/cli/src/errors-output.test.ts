import { DeliveryError, ProviderError } from '@llmkit/core'
import { describe, expect, it } from 'vitest'
import { describeFailure, jsonFailure } from './errors-output.js'

const paid = {
  provider: 'replicate',
  model: 'black-forest-labs/flux-schnell',
  jobId: 'pred-7',
  requestId: 'pred-7',
  images: [{ url: 'https://replicate.delivery/a.webp', seed: 1 }, { seed: 2 }, { url: 'https://replicate.delivery/b.webp', seed: 3 }],
}

describe('describeFailure', () => {
  it('lists the URLs and the job id of paid work that could not be delivered, before the hint', () => {
    const lines = describeFailure(new DeliveryError('downloading failed', { paid }))
    expect(lines).toStrictEqual([
      'error: downloading failed [DeliveryError]',
      'paid: replicate black-forest-labs/flux-schnell finished the work (job pred-7); download the images before the URLs expire:',
      '  https://replicate.delivery/a.webp',
      '  https://replicate.delivery/b.webp',
      'hint: The provider or the network failed: retry later; the message above says which.',
    ])
  })

  it('names the job when the paid images have no URL, and says nothing of paid work when there is none', () => {
    const bytesOnly = describeFailure(new ProviderError('not an image', { paid: { ...paid, images: [{ seed: 1 }] } }))
    expect(bytesOnly[1]).toBe('paid: replicate black-forest-labs/flux-schnell finished the work (job pred-7); look it up with the provider before it expires')
    expect(describeFailure(new ProviderError('500')).some((l) => l.startsWith('paid:'))).toBe(false)
  })

  it('keeps paid work in --json output', () => {
    expect(jsonFailure(new DeliveryError('x', { paid })).error['paid']).toStrictEqual(paid)
  })
})
