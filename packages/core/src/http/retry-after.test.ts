import { describe, expect, it } from 'vitest'
import { parseRetryAfter, parseShouldRetry } from './retry-after.js'

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-11-25T00:00:00Z')
  it.each([
    [{ 'retry-after-ms': '1500' }, 1500],
    [{ 'retry-after-ms': '12.5', 'retry-after': '30' }, 12.5],
    [{ 'retry-after': '2' }, 2000],
    [{ 'retry-after': 'Wed, 25 Nov 2026 00:00:05 GMT' }, 5000],
    [{ 'retry-after': '61' }, undefined],
    [{ 'retry-after': '-1' }, undefined],
    [{ 'retry-after-ms': 'NaN', 'retry-after': '1' }, 1000],
    [{ 'retry-after': 'soon' }, undefined],
    [{}, undefined],
  ])('reads %j as %s ms', (headers, expected) => {
    expect(parseRetryAfter(headers, now)).toBe(expected)
  })

  it('reads x-should-retry as a boolean override', () => {
    expect(parseShouldRetry({ 'x-should-retry': 'true' })).toBe(true)
    expect(parseShouldRetry({ 'x-should-retry': 'false' })).toBe(false)
    expect(parseShouldRetry({})).toBeUndefined()
  })
})
