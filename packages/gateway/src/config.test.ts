import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { GatewayConfigError, loadGatewayConfig, parseGatewayConfig } from './config.js'

describe('gateway configuration', () => {
  it('fills safe defaults: loopback, body and prompt limits, timeouts, no CORS', () => {
    const config = parseGatewayConfig({})
    expect(config).toMatchObject({ host: '127.0.0.1', port: 8787, corsOrigins: [], metrics: true, keys: [] })
    expect(config.limits).toEqual({ bodyBytes: 1_048_576, uploadBytes: 26_214_400, promptChars: 32_000, maxImages: 10 })
    expect(config.timeouts.requestMs).toBe(30_000)
  })

  it('lists every problem with its path, so one start shows them all', () => {
    let error: unknown
    try {
      parseGatewayConfig({ port: 'eighty', keys: [{ id: 'a b', sha256: 'not-hex' }], redis: { url: 'http://x' }, colour: 'blue' }, 'gateway.json')
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(GatewayConfigError)
    const problems = (error as GatewayConfigError).problems
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^port: /),
        expect.stringMatching(/^keys\.0\.id: key id must be/),
        expect.stringMatching(/^keys\.0\.sha256: sha256 must be 64 lowercase hex/),
        expect.stringMatching(/^redis\.url: redis\.url must start with redis:\/\//),
        expect.stringMatching(/^\(root\): .*colour/),
      ]),
    )
    expect((error as Error).message).toMatch(/^Invalid gateway configuration \(gateway\.json\):/)
  })

  it('refuses a plain key in the config file: only its sha256 is stored', () => {
    expect(() => parseGatewayConfig({ keys: [{ id: 'team', key: 'gw-secret-value-123456' }] })).toThrow(/keys\.0\.sha256|key/)
  })

  it('reads a JSON file, and says so when it is not JSON or missing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gateway-config-'))
    const good = join(dir, 'good.json')
    writeFileSync(good, JSON.stringify({ port: 9000, keys: [{ id: 'team-a', sha256: 'a'.repeat(64), models: ['fal-ai/*'], budgetUsd: 5 }] }))
    expect((await loadGatewayConfig(good)).keys[0]).toEqual({ id: 'team-a', sha256: 'a'.repeat(64), models: ['fal-ai/*'], budgetUsd: 5 })
    const bad = join(dir, 'bad.json')
    writeFileSync(bad, '{ port: 9000 }')
    await expect(loadGatewayConfig(bad)).rejects.toThrow(/not valid JSON/)
    await expect(loadGatewayConfig(join(dir, 'missing.json'))).rejects.toThrow(/cannot read the file: ENOENT/)
  })
})
