import { LLMKitError } from '@llmkit/core'
import { expect } from 'vitest'

/**
 * The llmkit error a promise rejects with; the test fails when it resolves or rejects with
 * anything else. `LLMKitError.isInstance` so an error from another copy of the core counts too.
 */
export async function failure(promise: Promise<unknown>): Promise<LLMKitError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(LLMKitError.isInstance(error)).toBe(true)
  return error as LLMKitError
}

/**
 * Checks that a generation was refused before any request: a typed invalid-request or
 * unsupported-capability error naming `param`, and the nock interceptor `scope` never hit.
 */
export async function refusedBeforeRequest(promise: Promise<unknown>, scope: { isDone(): boolean }, param: string, message: RegExp): Promise<void> {
  const error = await failure(promise)
  expect(['InvalidRequestError', 'UnsupportedCapabilityError']).toContain(error.name)
  expect(error.param).toBe(param)
  expect(error.message).toMatch(message)
  expect(scope.isDone()).toBe(false)
}
