import { describe, expect, it } from 'vitest'
import { UnsupportedRuntimeError } from '../errors.js'
import { checkNodeVersion, MIN_NODE_VERSION } from './node-version.js'

describe('checkNodeVersion', () => {
  it('lets the floor and newer versions through', () => {
    for (const v of ['22.19.0', '22.20.1', '23.0.0', '24.21.0', 'v26.1.0']) expect(() => checkNodeVersion(v)).not.toThrow()
  })

  it('refuses older versions with one plain message naming the version needed', () => {
    for (const v of ['22.12.0', '22.18.9', '20.20.2', '18.0.0']) {
      let caught: unknown
      try {
        checkNodeVersion(v)
      } catch (e) {
        caught = e
      }
      expect(caught).toBeInstanceOf(UnsupportedRuntimeError)
      const error = caught as UnsupportedRuntimeError
      expect(error.code).toBe('LLMKIT_UNSUPPORTED_RUNTIME')
      expect(error.message).toContain(`needs Node.js ${MIN_NODE_VERSION} or newer`)
      expect(error.message).toContain(`this is Node.js ${v}`)
      expect(error.stack).toBe(`UnsupportedRuntimeError: ${error.message}`)
    }
  })

  it('lets a runtime that reports no Node.js version through', () => {
    expect(() => checkNodeVersion(undefined)).not.toThrow()
  })

  it('holds the engines field of the core to the same floor', async () => {
    const { readFile } = await import('node:fs/promises')
    const manifest = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { engines: { node: string } }
    expect(manifest.engines.node).toBe(`>=${MIN_NODE_VERSION.replace(/\.0$/, '')}`)
  })
})
