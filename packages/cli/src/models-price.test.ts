import { describe, expect, it } from 'vitest'
import type { ModelPrice } from '@llmkit/core'
import { describePrice } from './capability-summary.js'
import { cliContext } from './__fixtures__/cli-context.js'
import { run } from './program.js'

const context = () => cliContext()

const base = { model: 'm', source: 'https://x.invalid', asOf: '2026-11-29', confidence: 'official' } as const

describe('llmkit models: price per image', () => {
  it('shows one figure, a range, a rate per megapixel, a formula or unknown; ~ marks an unconfirmed figure', () => {
    expect(describePrice({ ...base, price: { kind: 'per-image', usd: 0.04 } })).toBe('$0.04')
    expect(describePrice({ ...base, confidence: 'unconfirmed', price: { kind: 'per-image', usd: 0.035 } })).toBe('~$0.035')
    const table: ModelPrice = { ...base, price: { kind: 'table', rows: [{ usd: 0.016 }, { usd: 0.02 }] } }
    expect(describePrice(table)).toBe('$0.016-$0.02')
    expect(describePrice({ ...base, price: { kind: 'per-megapixel', usdPerMegapixel: 0.025 } })).toBe('$0.025/MP')
    expect(describePrice({ ...base, price: { kind: 'computed', formula: 'f', usdPerImage: () => 1 } })).toBe('by size and quality')
    expect(describePrice({ ...base, price: { kind: 'unknown', reason: 'r' } })).toBe('unknown')
    expect(describePrice(undefined)).toBe('unknown')
  })

  it('lists the price column from the plugins’ price data, and the price in --json', async () => {
    const table = context()
    expect(await run(['node', 'llmkit', 'models', '--provider', 'openai'], table.ctx)).toBe(0)
    expect(table.stdout()).toMatch(/PRICE\/IMAGE/)
    expect(table.stdout()).toMatch(/dall-e-3\s+openai\s.*\$0\.04-\$0\.12\s+missing: OPENAI_API_KEY/)
    const json = context()
    expect(await run(['node', 'llmkit', 'models', '--provider', 'fal', '--json'], json.ctx)).toBe(0)
    const listings = JSON.parse(json.stdout()) as { capabilities: { id: string }; price?: ModelPrice }[]
    expect(listings.find((l) => l.capabilities.id === 'fal-ai/flux/dev')?.price).toMatchObject({ price: { kind: 'per-megapixel', usdPerMegapixel: 0.025 }, confidence: 'official' })
  })
})
