import { LLMKitClient, RateLimitError } from 'llmkit'
import nock from 'nock'
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { main } from './index.js'
import { pixelforge } from './pixelforge.js'

const BASE = 'https://api.pixelforge.example'
const PNG_B64 = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]).toString('base64')

beforeAll(() => {
  nock.disableNetConnect()
})
beforeEach(() => {
  vi.stubEnv('PIXELFORGE_API_KEY', 'pf-test-key')
  vi.stubEnv('PIXELFORGE_BASE_URL', '')
})
afterEach(() => {
  nock.cleanAll()
  vi.unstubAllEnvs()
})

describe('a third-party provider plugin', () => {
  it('is registered with its capabilities and used through generateImage (split, seeds, size snapping, data URLs from the core)', async () => {
    const bodies: unknown[] = []
    const keys: unknown[] = []
    const scope = nock(BASE)
      .post('/v1/images')
      .times(2)
      // nock 15 hands a reply function the Fetch Request.
      .reply(200, async (req: Request) => {
        const body = (await req.json()) as { count: number; seed: number }
        bodies.push(body)
        const { count, seed } = body
        return { id: `job-${seed}`, images: Array.from({ length: count }, (_, i) => ({ base64: PNG_B64, seed: seed + i })) }
      })
    scope.on('request', (req: { headers: Record<string, string> | Headers }) => {
      keys.push(req.headers instanceof Headers ? req.headers.get('x-api-key') : req.headers['x-api-key'])
    })
    const client = new LLMKitClient({ providers: [pixelforge()] })
    expect((await client.capabilities('pf-1')).maxImagesPerCall).toBe(2)
    const response = await client.generateImage({ model: 'pixelforge-1', prompt: 'a paper boat', size: '1000x700', n: 3, seed: 7 })
    expect(bodies).toStrictEqual([
      { model: 'pf-1', prompt: 'a paper boat', width: 1024, height: 704, count: 2, seed: 7 },
      { model: 'pf-1', prompt: 'a paper boat', width: 1024, height: 704, count: 1, seed: 8 },
    ])
    expect(keys).toEqual(['pf-test-key', 'pf-test-key'])
    expect(response.count).toBe(3)
    expect(response.provider).toBe('pixelforge')
    expect(response.first()?.url).toBe(`data:image/png;base64,${PNG_B64}`)
    expect(response.warnings.map((w) => w.setting)).toEqual(['size'])
    expect(scope.isDone()).toBe(true)
  })

  it("gets the core's retry and error mapping for free", async () => {
    nock(BASE).post('/v1/images').reply(503, { error: { message: 'busy', code: 'overloaded' } }).post('/v1/images').reply(200, { images: [{ base64: PNG_B64 }] })
    const client = new LLMKitClient({ providers: [pixelforge()], retry: { random: () => 0 } })
    expect((await client.generateImage({ model: 'pf-1', prompt: 'a boat' })).count).toBe(1)

    nock(BASE).post('/v1/images').reply(402, { error: { message: 'no credits left', code: 'out_of_credits' } })
    const error = await client.generateImage({ model: 'pf-1', prompt: 'a boat' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RateLimitError)
    expect(error).toMatchObject({ retryable: false, provider: 'pixelforge', providerCode: 'out_of_credits' })
    expect(String((error as Error).message)).not.toContain('pf-test-key')
  })

  it('runs as a script', async () => {
    nock(BASE)
      .post('/v1/images')
      .times(2)
      .reply(200, async (req: Request) => ({ images: Array.from({ length: ((await req.json()) as { count: number }).count }, () => ({ base64: PNG_B64 })) }))
    const log = vi.spyOn(console, 'log').mockImplementation(() => {})
    expect(await main()).toBe(3)
    log.mockRestore()
  })
})
