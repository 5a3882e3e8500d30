import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRedisServer, type RedisServer } from '../../redis/test/redis-server.js'
import { createGateway, type Gateway, hashGatewayKey } from '../src/index.js'
import { leakedKeys, post, type Stack, startStack } from './helpers.js'

const REDIS_KEY = 'gw-redis-key-abcdef0123456789'
const PACED_KEY = 'gw-redis-paced-key-0123456789ab'
const CONFIG_BUDGETED_KEY = 'gw-config-budgeted-key-0123456789'

let redisServer: RedisServer
let stack: Stack
let second: Gateway
let secondUrl: string
let admin: Redis

beforeAll(async () => {
  redisServer = await startRedisServer()
  admin = new Redis(redisServer.url)
  admin.on('error', () => {}) // it reconnects by itself when the server is stopped below
  // Keys are stored by their sha256 with their policy: the key itself is never in Redis.
  await admin.hset('gwtest:gateway:keys', hashGatewayKey(REDIS_KEY), JSON.stringify({ id: 'redis-team', budgetUsd: 0.03 }))
  await admin.hset('gwtest:gateway:keys', hashGatewayKey(PACED_KEY), JSON.stringify({ id: 'paced', rateLimit: { requests: 1, intervalMs: 2000 } }))
  const redis = { url: redisServer.url, prefix: 'gwtest:' }
  stack = await startStack({ redis, keys: [{ id: 'config-budgeted', sha256: hashGatewayKey(CONFIG_BUDGETED_KEY), budgetUsd: 5 }] })
  const logs: string[] = []
  second = await createGateway({
    config: { port: 0, redis },
    env: { ...stack.emulator.env },
    logDestination: { write: (line: string) => logs.push(line) },
  })
  secondUrl = await second.listen()
  stack.capture.logs.push(...logs)
})
afterAll(async () => {
  await second?.close()
  await stack?.close()
  admin?.disconnect()
  await redisServer?.close()
})

const generate = (url: string, key: string, prompt: string) =>
  stack.fetch(`${url}/v1/images/generations`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'dall-e-2', prompt, size: '1024x1024' }) })

describe('gateway state in Redis (@llmkit/redis)', () => {
  it('accepts a key whose sha256 is in Redis, on every gateway sharing it', async () => {
    expect((await generate(stack.url, REDIS_KEY, 'redis key on gateway one')).status).toBe(200)
    expect(await admin.hkeys('gwtest:gateway:keys')).not.toContain(REDIS_KEY)
  })

  it("shares a key's budget between gateways: the second gateway refuses what the first spent", async () => {
    // $0.02 spent above; another $0.02 would pass $0.03, on whichever gateway.
    const res = await generate(secondUrl, REDIS_KEY, 'redis key on gateway two')
    expect(res.status).toBe(429)
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('insufficient_quota')
    expect(stack.emulator.log.submissions().filter((e) => e.prompt === 'redis key on gateway two')).toEqual([])
  })

  it("paces a key's requests across gateways through llmkit's rate limiter on the shared store", async () => {
    const first = await generate(stack.url, PACED_KEY, 'paced one')
    const secondRes = await generate(secondUrl, PACED_KEY, 'paced two')
    expect([first.status, secondRes.status]).toEqual([200, 200])
    const at = (prompt: string) => stack.emulator.log.submissions().find((e) => e.prompt === prompt)!.at
    // One request per 2000 ms: the second gateway's request waited for the slot the first took (the
    // margin covers the first call's own way from its slot to the emulator).
    expect(at('paced two') - at('paced one')).toBeGreaterThanOrEqual(1500)
  })

  it('refuses an unknown key with a 401, and answers 503 (never lets a request through) while Redis is down', async () => {
    expect((await post(stack, '/v1/images/generations', { model: 'dall-e-2', prompt: 'nobody' }, 'gw-unknown-key-0123456789abc')).status).toBe(401)
    await redisServer.stop()
    try {
      const res = await generate(stack.url, REDIS_KEY, 'redis is down')
      expect(res.status).toBe(503)
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('service_unavailable')
      expect((await stack.fetch(`${stack.url}/readyz`)).status).toBe(503)
      // A config key needs no lookup, but its budget lives in Redis: refused (fail closed), not let through uncounted.
      const budgeted = await generate(stack.url, CONFIG_BUDGETED_KEY, 'budget store down')
      expect(budgeted.status).toBe(503)
      expect(((await budgeted.json()) as { error: { code: string } }).error.code).toBe('service_unavailable')
      expect(stack.emulator.log.submissions().filter((e) => e.prompt === 'budget store down')).toEqual([])
    } finally {
      await redisServer.start()
    }
  })

  it('lets no provider key out', () => {
    expect(leakedKeys(stack.capture)).toEqual([])
  })
})
