import { describe, expect, it } from 'vitest'
import { AuthenticationError, ContentPolicyError, InvalidRequestError, PermissionDeniedError, ProviderError, RateLimitError, TimeoutError } from '../errors.js'
import { errorFromResponse } from './error-body.js'
import type { HttpResponse } from './transport.js'

const res = (status: number, headers: Record<string, string> = {}, body = ''): HttpResponse => ({
  status,
  headers,
  body: Buffer.from(body),
  url: 'https://x',
  text: () => body,
  json: () => undefined,
})
const ctx = { provider: 'acme', model: 'm1', keyEnv: 'ACME_KEY', secrets: ['sk-secret-value'] }

describe('errorFromResponse', () => {
  it.each([
    [401, {}, AuthenticationError, false],
    [403, {}, PermissionDeniedError, false],
    [408, {}, TimeoutError, true],
    [409, {}, ProviderError, true],
    [422, {}, InvalidRequestError, false],
    [429, {}, RateLimitError, true],
    [402, {}, RateLimitError, false],
    [500, {}, ProviderError, true],
    [503, { 'x-should-retry': 'false' }, ProviderError, false],
    [400, { 'x-should-retry': 'true' }, InvalidRequestError, true],
  ])('maps %i (%j) to %o with retryable %s', (status, headers, cls, retryable) => {
    const error = errorFromResponse(res(status, headers), { message: 'boom' }, ctx)
    expect(error).toBeInstanceOf(cls)
    expect(error.retryable).toBe(retryable)
    expect(error.message).toMatch(new RegExp(`^acme m1: .*boom \\(${status}\\)`))
  })

  it('lets the parsed kind beat the status', () => {
    expect(errorFromResponse(res(400), { kind: 'content_policy' }, ctx)).toBeInstanceOf(ContentPolicyError)
    const quota = errorFromResponse(res(429), { kind: 'quota', message: 'no credit' }, ctx)
    expect(quota).toBeInstanceOf(RateLimitError)
    expect(quota.retryable).toBe(false)
    expect(quota.message).toContain('quota')
  })

  it('reads retry-after and the request id, and redacts secrets from message and body', () => {
    const error = errorFromResponse(res(429, { 'retry-after': '3', 'x-request-id': 'req_9' }, 'key sk-secret-value is slow'), { message: 'sk-secret-value throttled' }, ctx)
    expect(error.retryAfterMs).toBe(3000)
    expect(error.requestId).toBe('req_9')
    expect(error.message).not.toContain('sk-secret-value')
    expect(error.body).toBe('key [redacted] is slow')
  })

  it('names the env var in auth errors', () => {
    expect(errorFromResponse(res(401), {}, ctx).message).toContain('Check ACME_KEY')
  })
})
