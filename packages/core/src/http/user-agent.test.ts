import { readFileSync } from 'node:fs'
import nock from 'nock'
import { describe, expect, it } from 'vitest'
import { headersOf, useNock } from '../../../../test/nock.js'
import { HttpTransport } from './transport.js'
import { LLMKIT_VERSION, userAgent } from './user-agent.js'

const BASE = 'https://ua.test'
const NODE = `node/${process.versions.node}`

useNock()

describe('user-agent', () => {
  it("names llmkit's package.json version", () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
    expect(LLMKIT_VERSION).toBe(pkg.version)
    expect(userAgent('@llmkit/provider-x/1.0.0', 'myapp/2.0')).toBe(`llmkit/${pkg.version} @llmkit/provider-x/1.0.0 ${NODE} myapp/2.0`)
  })

  it('is sent by default on requests and streamed downloads, with the caller value appended and the provider product when given', async () => {
    const seen: string[] = []
    const scope = nock(BASE).persist().get('/x').reply(200, 'ok')
    scope.on('request', (req: { headers: Record<string, string> | Headers }) => seen.push(String(headersOf(req.headers)['user-agent'])))
    await new HttpTransport().request({ method: 'GET', url: `${BASE}/x` })
    await new HttpTransport({ userAgent: 'myapp/1.2' }).request({ method: 'GET', url: `${BASE}/x`, userAgentProduct: '@llmkit/provider-openai/0.1.0' })
    await new HttpTransport({ userAgent: 'myapp/1.2' }).stream({ method: 'GET', url: `${BASE}/x` }, async () => undefined)
    // A request's own header replaces the whole value.
    await new HttpTransport({ userAgent: 'myapp/1.2' }).request({ method: 'GET', url: `${BASE}/x`, headers: { 'User-Agent': 'custom/1' } })
    expect(seen).toStrictEqual([
      `llmkit/${LLMKIT_VERSION} ${NODE}`,
      `llmkit/${LLMKIT_VERSION} @llmkit/provider-openai/0.1.0 ${NODE} myapp/1.2`,
      `llmkit/${LLMKIT_VERSION} ${NODE} myapp/1.2`,
      'custom/1',
    ])
  })
})
