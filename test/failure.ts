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
