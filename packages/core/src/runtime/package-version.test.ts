import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { packageVersion } from './package-version.js'

const own = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { name: string; version: string }

describe('packageVersion', () => {
  it('reads the version of the named package', () => {
    expect(packageVersion(import.meta.url, '../../package.json', '@llmkit/core')).toBe(own.version)
  })

  it("says 'bundled' when the file there belongs to another package (a bundle finds the app's)", () => {
    expect(packageVersion(import.meta.url, '../../package.json', '@llmkit/provider-openai')).toBe('bundled')
  })

  it("says 'bundled' when there is no package.json (a bundle in a folder of its own)", () => {
    expect(packageVersion(import.meta.url, './no-such-package.json', '@llmkit/core')).toBe('bundled')
  })
})
