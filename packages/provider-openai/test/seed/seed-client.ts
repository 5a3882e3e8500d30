import { LLMKitClient } from '@llmkit/core'

/**
 * The seed's error-handling and signature examples use a `client` they never declare; the test
 * harness adds it as an import (the only kind of addition allowed to a seed snippet).
 */
export const client = LLMKitClient.fromEnv()
