import { BudgetExceededError, ContentPolicyError, InvalidRequestError, ModelNotFoundError, AuthenticationError, RateLimitError, ProviderError, TimeoutError } from '@llmkit/core'
import { describe, expect, it } from 'vitest'
import { mapError } from './errors.js'

describe('mapError', () => {
  it("maps llmkit's classes onto OpenAI's status, type and code", () => {
    const cases: [Error, number, string, string][] = [
      [new InvalidRequestError('Invalid size', { param: 'size' }), 400, 'invalid_request_error', 'invalid_value'],
      [new ContentPolicyError('blocked'), 400, 'invalid_request_error', 'content_policy_violation'],
      [new ModelNotFoundError('Unknown model "x"'), 404, 'invalid_request_error', 'model_not_found'],
      [new BudgetExceededError('over', { budget: 'gateway:k', limitUsd: 1, reason: 'limit' }), 429, 'insufficient_quota', 'insufficient_quota'],
      [new RateLimitError('quota', { retryAfterMs: 2500 }), 429, 'requests', 'rate_limit_exceeded'],
      [new ProviderError('500'), 502, 'server_error', 'upstream_error'],
      [new TimeoutError('slow'), 504, 'server_error', 'timeout'],
    ]
    for (const [error, status, type, code] of cases) {
      const mapped = mapError(error, 'req-1')
      expect(mapped.status).toBe(status)
      expect(mapped.body.error).toMatchObject({ type, code, message: error.message })
    }
    expect(mapError(new InvalidRequestError('Invalid size', { param: 'size' }), 'r').body.error.param).toBe('size')
    expect(mapError(new RateLimitError('quota', { retryAfterMs: 2500 }), 'r').headers).toEqual({ 'retry-after': '3' })
  })

  it("replaces the message when the provider refused the gateway's own key", () => {
    const mapped = mapError(new AuthenticationError('Incorrect API key sk-abc... for OPENAI_API_KEY', { provider: 'openai' }), 'req-2')
    expect(mapped.status).toBe(502)
    expect(mapped.body.error.message).toBe("The provider openai refused the gateway's credentials; contact the gateway operator (request req-2).")
  })

  it('tells a budget store outage (503) and an unpriced model (400) from an exhausted budget', () => {
    const outage = mapError(new BudgetExceededError('store down', { budget: 'gateway:k', limitUsd: 1, reason: 'store-unavailable' }), 'req-4')
    expect(outage).toMatchObject({ status: 503, body: { error: { type: 'server_error', code: 'service_unavailable' } } })
    const unpriced = mapError(new BudgetExceededError('price unknown', { budget: 'gateway:k', limitUsd: 1, reason: 'unknown-price' }), 'req-5')
    expect(unpriced).toMatchObject({ status: 400, body: { error: { type: 'invalid_request_error', code: 'model_price_unknown', param: 'model' } } })
  })

  it('never echoes an unexpected error', () => {
    const mapped = mapError(new Error('ECONNREFUSED 10.0.0.5:6379 password=hunter2'), 'req-3')
    expect(mapped).toMatchObject({ status: 500, body: { error: { type: 'server_error', code: 'internal_error' } } })
    expect(mapped.body.error.message).not.toContain('hunter2')
  })
})
