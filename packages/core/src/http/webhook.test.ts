import { describe, expect, it } from 'vitest'
import { checkWebhookTolerance, webhookHeader, webhookTimestampProblem } from './webhook.js'

describe('webhook helpers', () => {
  it('read a header case-insensitively from fetch Headers and from Node headers, joining repeats', () => {
    expect(webhookHeader(new Headers({ 'Webhook-Id': 'msg_1' }), 'webhook-id')).toBe('msg_1')
    expect(webhookHeader({ 'X-Fal-Webhook-Timestamp': '17' }, 'x-fal-webhook-timestamp')).toBe('17')
    expect(webhookHeader({ 'webhook-signature': ['v1,a', 'v1,b'] }, 'Webhook-Signature')).toBe('v1,a, v1,b')
    expect(webhookHeader({}, 'webhook-id')).toBeUndefined()
  })

  it('refuse a timestamp outside the tolerance or not in whole seconds, and a tolerance that is not positive', () => {
    const now = 1_700_000_000_000
    expect(webhookTimestampProblem('1700000100', 300, now)).toBeUndefined()
    expect(webhookTimestampProblem('1700000400', 300, now)).toBe('timestamp 1700000400 is more than 300 s away from now')
    expect(webhookTimestampProblem('1.7e9', 300, now)).toMatch(/more than 300 s/)
    expect(() => checkWebhookTolerance(0)).toThrow('Expected `toleranceSeconds` to be a positive number, got 0.')
  })
})
