import {
  AbortError,
  AuthenticationError,
  BudgetExceededError,
  ContentPolicyError,
  DeliveryError,
  InvalidRequestError,
  JobFailedError,
  LLMKitError,
  ModelNotFoundError,
  NetworkError,
  PermissionDeniedError,
  ProviderError,
  ProviderNotConfiguredError,
  RateLimitError,
  TimeoutError,
  UnsupportedCapabilityError,
} from '@llmkit/core'
import { describe, expect, it } from 'vitest'
import { EXIT_CODES, exitCodeFor, UsageError } from './exit-codes.js'

describe('exitCodeFor', () => {
  it.each([
    [new InvalidRequestError('x'), 2],
    [new UnsupportedCapabilityError('x'), 2],
    [new ModelNotFoundError('x'), 2],
    [new ContentPolicyError('x'), 2],
    [new UsageError('x'), 2],
    [new AuthenticationError('x'), 3],
    [new PermissionDeniedError('x'), 3],
    [new ProviderNotConfiguredError('x'), 3],
    [new RateLimitError('quota'), 4],
    [new BudgetExceededError('over', { budget: 'default', limitUsd: 1, spentUsd: 1, estimateUsd: 0.04, reason: 'limit' }), 4],
    [new ProviderError('x'), 5],
    [new NetworkError('x'), 5],
    [new TimeoutError('x'), 5],
    [new JobFailedError('x'), 5],
    [new DeliveryError('x'), 5],
    [new LLMKitError('x'), 5],
    [new AbortError('x'), 130],
    [new Error('bug'), 1],
    ['not even an error', 1],
  ])('maps %s to %i', (error, code) => {
    expect(exitCodeFor(error)).toBe(code)
  })

  it('matches a second copy of the core by code', () => {
    expect(exitCodeFor({ code: 'LLMKIT_RATE_LIMIT', message: 'quota' })).toBe(EXIT_CODES.rateLimit)
  })
})
