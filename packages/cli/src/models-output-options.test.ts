import { describe, expect, it } from 'vitest'
import type { ModelListing } from '@llmkit/core'
import { describeOutputOptions } from './capability-summary.js'
import { cliContext } from './__fixtures__/cli-context.js'
import { run } from './program.js'

const context = () => cliContext()

const caps = (extra: Partial<ModelListing['capabilities']>): ModelListing['capabilities'] => ({
  id: 'm',
  wireId: 'm',
  mode: 'sync',
  maxImagesPerCall: 1,
  sizes: { kind: 'aspect', values: ['1:1'] },
  qualities: [],
  styles: [],
  negativePrompt: false,
  seed: null,
  formats: ['url'],
  ...extra,
})

describe('llmkit models: output options', () => {
  it('names the first-class output settings a model honors, or - for none', () => {
    expect(describeOutputOptions(caps({ outputFormats: ['png', 'jpeg', 'webp'], outputCompression: true, backgrounds: ['transparent', 'opaque', 'auto'] }))).toBe('format compression background')
    expect(describeOutputOptions(caps({ outputFormats: ['jpeg', 'png'] }))).toBe('format')
    expect(describeOutputOptions(caps({ backgrounds: ['opaque'], outputFormats: [] }))).toBe('background')
    expect(describeOutputOptions(caps({}))).toBe('-')
  })

  it('lists the CHOOSABLE column in the table and the values in --json', async () => {
    const table = context()
    expect(await run(['node', 'llmkit', 'models', '--provider', 'openai'], table.ctx)).toBe(0)
    expect(table.stdout()).toMatch(/FORMATS\s+CHOOSABLE\s+IMAGES\s+MODE/)
    expect(table.stdout()).toMatch(/gpt-image-1\s.*\s+format compression background\s+edit 1-16 \+mask\?\s+sync/)
    const json = context()
    expect(await run(['node', 'llmkit', 'models', '--provider', 'openai', '--json'], json.ctx)).toBe(0)
    const listings = JSON.parse(json.stdout()) as { capabilities: { id: string; outputFormats?: string[]; outputCompression?: boolean; backgrounds?: string[] } }[]
    expect(listings.find((l) => l.capabilities.id === 'gpt-image-1')?.capabilities).toMatchObject({
      outputFormats: ['png', 'jpeg', 'webp'],
      outputCompression: true,
      backgrounds: ['transparent', 'opaque', 'auto'],
    })
  })
})
