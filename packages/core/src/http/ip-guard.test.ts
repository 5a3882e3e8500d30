import { describe, expect, it } from 'vitest'
import { blockedRange, guardedLookup, type LookupFunction } from './ip-guard.js'

describe('blockedRange', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'linkLocal'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['224.0.0.1', 'multicast'],
    ['0.0.0.0', 'unspecified'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'linkLocal'],
    ['fc00::1', 'uniqueLocal'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['64:ff9b::a00:1', 'rfc6052'],
    ['2002:7f00:1::', '6to4'],
    ['localhost', 'invalid'],
    ['127.1', 'invalid'],
  ])('%s is refused as %s', (address, range) => {
    expect(blockedRange(address)).toBe(range)
  })

  it.each(['8.8.8.8', '93.184.216.34', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('%s is public', (address) => {
    expect(blockedRange(address)).toBeUndefined()
  })
})

describe('guardedLookup', () => {
  const fixed =
    (addresses: { address: string; family: number }[]): LookupFunction =>
    (_host, _options, callback) =>
      callback(null, addresses)
  const run = (lookup: LookupFunction, all: boolean) =>
    new Promise<{ error: NodeJS.ErrnoException | null; address: unknown }>((resolve) => guardedLookup(lookup)('cdn.test', { all }, (error, address) => resolve({ error, address })))

  it('passes public answers through in both callback shapes', async () => {
    const lookup = fixed([{ address: '8.8.8.8', family: 4 }])
    expect(await run(lookup, true)).toStrictEqual({ error: null, address: [{ address: '8.8.8.8', family: 4 }] })
    expect((await run(lookup, false)).address).toBe('8.8.8.8')
  })

  it('refuses an answer with any non-public address, whichever comes first', async () => {
    for (const answer of [
      [{ address: '127.0.0.1', family: 4 }],
      [{ address: '8.8.8.8', family: 4 }, { address: '10.0.0.1', family: 4 }],
      [{ address: '::ffff:192.168.0.1', family: 6 }],
    ]) {
      const { error } = await run(fixed(answer), false)
      expect(error?.code).toBe('LLMKIT_BLOCKED_ADDRESS')
      expect(error?.message).toMatch(/does not download from non-public addresses/)
    }
  })

  it('passes lookup failures on', async () => {
    const failing: LookupFunction = (_h, _o, callback) => callback(Object.assign(new Error('nope'), { code: 'ENOTFOUND' }), [])
    expect((await run(failing, true)).error?.code).toBe('ENOTFOUND')
    expect((await run(fixed([]), true)).error?.code).toBe('ENOTFOUND')
  })
})
