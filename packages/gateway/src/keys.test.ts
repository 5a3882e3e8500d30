import { describe, expect, it } from 'vitest'
import { parseGatewayConfig } from './config.js'
import { bearerToken, hashGatewayKey, KeyRing, modelAllowed, parseEnvKeys } from './keys.js'

const config = parseGatewayConfig({
  keys: [{ id: 'team-a', sha256: hashGatewayKey('key-of-team-a-0123456789'), models: ['fal-ai/*', 'dall-e-3'], budgetUsd: 2 }],
  envKeyPolicy: { rateLimit: { requests: 5, intervalMs: 1000 } },
})

describe('KeyRing', () => {
  it('matches a config key by its sha256 and returns its policy, never the key', async () => {
    const ring = new KeyRing(config)
    const key = await ring.verify('key-of-team-a-0123456789')
    expect(key).toEqual({ id: 'team-a', models: ['fal-ai/*', 'dall-e-3'], budgetUsd: 2 })
    expect(JSON.stringify(key)).not.toContain('key-of-team-a')
  })

  it('hashes LLMKIT_GATEWAY_KEYS keys, names them env-<hash prefix> and gives them envKeyPolicy', async () => {
    const ring = new KeyRing(config, parseEnvKeys(' env-key-one-0123456789 , ,env-key-two-0123456789'))
    expect(ring.size).toBe(3)
    const key = await ring.verify('env-key-two-0123456789')
    expect(key).toEqual({ id: `env-${hashGatewayKey('env-key-two-0123456789').slice(0, 8)}`, rateLimit: { requests: 5, intervalMs: 1000 } })
  })

  it('refuses wrong, empty, missing and overlong keys', async () => {
    const ring = new KeyRing(config, ['env-key-one-0123456789'])
    for (const token of ['key-of-team-a-012345678', 'env-key-one-0123456789 ', '', undefined, 'x'.repeat(513)]) expect(await ring.verify(token)).toBeUndefined()
  })

  it('asks the lookup (Redis) by digest only, and checks the record it returns', async () => {
    const asked: string[] = []
    const records: Record<string, string> = { [hashGatewayKey('redis-key-0123456789abcd')]: JSON.stringify({ id: 'from-redis', budgetUsd: 1 }) }
    const ring = new KeyRing(config, [], async (digest) => {
      asked.push(digest)
      return records[digest] ?? null
    })
    expect(await ring.verify('redis-key-0123456789abcd')).toEqual({ id: 'from-redis', budgetUsd: 1 })
    expect(await ring.verify('unknown-key-0123456789ab')).toBeUndefined()
    expect(asked).toEqual([hashGatewayKey('redis-key-0123456789abcd'), hashGatewayKey('unknown-key-0123456789ab')])
    const broken = new KeyRing(config, [], async () => JSON.stringify({ id: 'x', budgetUsd: -1 }))
    await expect(broken.verify('redis-key-0123456789abcd')).rejects.toThrow(/record in Redis is invalid: budgetUsd/)
  })
})

describe('bearerToken', () => {
  it('takes the token of a Bearer header only', () => {
    expect(bearerToken('Bearer abc')).toBe('abc')
    expect(bearerToken('bearer   abc ')).toBe('abc')
    expect(bearerToken('Basic abc')).toBeUndefined()
    expect(bearerToken('Bearer a b')).toBeUndefined()
    expect(bearerToken(undefined)).toBeUndefined()
  })
})

describe('modelAllowed', () => {
  it('matches exact ids and trailing-* prefixes against every name of the model', () => {
    const key = { id: 'k', models: ['fal-ai/*', 'openai:dall-e-3'] }
    expect(modelAllowed(key, ['fal-ai/flux/schnell'])).toBe(true)
    expect(modelAllowed(key, ['dall-e-3', 'dall-e-3', 'openai:dall-e-3'])).toBe(true)
    expect(modelAllowed(key, ['dall-e-2', 'dall-e-2', 'openai:dall-e-2'])).toBe(false)
    expect(modelAllowed({ id: 'all' }, ['anything'])).toBe(true)
    expect(modelAllowed({ id: 'star', models: ['*'] }, ['anything'])).toBe(true)
  })
})
