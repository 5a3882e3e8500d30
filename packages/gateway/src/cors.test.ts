import { describe, expect, it } from 'vitest'
import { createGateway } from './server.js'

const env = { LLMKIT_GATEWAY_KEYS: 'gw-cors-test-key-0123456789' }

describe('CORS', () => {
  it('sends no CORS headers by default, even to a preflight', async () => {
    const gateway = await createGateway({ env, config: { logLevel: 'silent' } })
    try {
      const res = await gateway.app.inject({ method: 'OPTIONS', url: '/v1/images/generations', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } })
      expect(res.headers['access-control-allow-origin']).toBeUndefined()
      const get = await gateway.app.inject({ method: 'GET', url: '/healthz', headers: { origin: 'https://evil.example' } })
      expect(get.headers['access-control-allow-origin']).toBeUndefined()
    } finally {
      await gateway.close()
    }
  })

  it('allows exactly the configured origins', async () => {
    const gateway = await createGateway({ env, config: { logLevel: 'silent', corsOrigins: ['https://app.example'] } })
    try {
      const allowed = await gateway.app.inject({ method: 'OPTIONS', url: '/v1/images/generations', headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' } })
      expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example')
      const other = await gateway.app.inject({ method: 'OPTIONS', url: '/v1/images/generations', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } })
      expect(other.headers['access-control-allow-origin']).toBeUndefined()
    } finally {
      await gateway.close()
    }
  })
})
