import nock from 'nock'
import { afterAll, afterEach, beforeAll } from 'vitest'
import { assertBodiesConform, installBodyCheck } from './conformance/body-check.js'

/**
 * Provider unit tests run with nock and no network: every unmatched request fails, every
 * test starts with no interceptors left over, and nock is removed when the file ends. Every
 * request body a test sends must meet its provider's vendored schema (conformance/body-check.ts).
 */
export function useNock(): void {
  beforeAll(() => {
    nock.disableNetConnect()
    // Every body a test sends is checked against its provider's vendored schema (issue 12).
    installBodyCheck()
  })
  afterEach(async () => {
    nock.cleanAll()
    await assertBodiesConform()
  })
  afterAll(() => {
    nock.enableNetConnect()
    nock.restore()
  })
}

/** Request headers as a plain object: nock 15 hands undici requests over with a Fetch `Headers`. */
export function headersOf(headers: Headers | Record<string, string>): Record<string, string> {
  return typeof (headers as Headers).entries === 'function' ? Object.fromEntries((headers as Headers).entries()) : (headers as Record<string, string>)
}
