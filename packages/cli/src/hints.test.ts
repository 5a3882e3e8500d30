import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ModelNotFoundError } from '@llmkit/core'
import { afterAll, describe, expect, it } from 'vitest'
import { specificHint, unknownProviderMessage } from './hints.js'

const project = mkdtempSync(join(tmpdir(), 'llmkit-hints-'))
afterAll(() => rmSync(project, { recursive: true, force: true }))

describe('specificHint', () => {
  it('tells a global llmkit that a provider named in the error is installed in the project, where it cannot see it', () => {
    mkdirSync(join(project, 'node_modules/@llmkit/provider-fal'), { recursive: true })
    writeFileSync(join(project, 'node_modules/@llmkit/provider-fal/package.json'), '{"name":"@llmkit/provider-fal"}')
    const error = new ModelNotFoundError('Unknown model "fal-ai/flux/dev"; it looks like an id of provider fal; install its provider: npm i @llmkit/provider-fal')
    expect(specificHint(error, project)).toBe(
      '@llmkit/provider-fal is installed in this project, but the llmkit you ran is installed elsewhere (globally) and cannot see it: run the project\'s own with npx llmkit, or install the provider next to it: npm i -g @llmkit/provider-fal.',
    )
  })

  it('gives no special hint when the package is not in the project either', () => {
    const error = new ModelNotFoundError('Unknown model "recraft-v3"; install its provider: npm i @llmkit/provider-recraft')
    expect(specificHint(error, project)).toBeUndefined()
  })
})

describe('unknownProviderMessage', () => {
  it('names the package of a known provider id that is not installed', () => {
    expect(unknownProviderMessage('runway', ['openai'])).toBe('Provider "runway" is not installed. Installed: openai. Install it with npm i @llmkit/provider-runway.')
  })
})
