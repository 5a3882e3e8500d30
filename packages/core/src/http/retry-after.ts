/** Server retry hints above this are ignored (openai-node clamps the same way), so a bogus header cannot park a call for hours. */
export const MAX_RETRY_AFTER_MS = 60_000

/**
 * Reads a server's wait hint in the order openai-node uses: `retry-after-ms` (float ms), then
 * `retry-after` (seconds, or an HTTP date). Returns undefined for a missing, non-finite,
 * negative or over-60-s hint, so the caller falls back to its own backoff.
 */
export function parseRetryAfter(headers: Readonly<Record<string, string | undefined>>, now: number = Date.now()): number | undefined {
  const ms = headers['retry-after-ms']
  if (ms !== undefined) {
    const value = Number.parseFloat(ms)
    if (acceptable(value)) return value
  }
  const after = headers['retry-after']
  if (after !== undefined) {
    const seconds = Number(after.trim())
    if (after.trim() !== '' && Number.isFinite(seconds)) return acceptable(seconds * 1000) ? seconds * 1000 : undefined
    const date = Date.parse(after)
    if (Number.isFinite(date)) {
      const wait = Math.max(0, date - now)
      return acceptable(wait) ? wait : undefined
    }
  }
  return undefined
}

function acceptable(ms: number): boolean {
  return Number.isFinite(ms) && ms >= 0 && ms <= MAX_RETRY_AFTER_MS
}

/** `x-should-retry: true|false` overrides any status-based decision (OpenAI, Runway). */
export function parseShouldRetry(headers: Readonly<Record<string, string | undefined>>): boolean | undefined {
  const value = headers['x-should-retry']
  if (value === 'true') return true
  if (value === 'false') return false
  return undefined
}
