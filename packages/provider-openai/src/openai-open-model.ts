import { type ModelCapabilities, guessCapabilities } from '@llmkit/core'
import { openaiModels } from './openai-models.js'

/**
 * Capabilities for an OpenAI model id outside the table, given as `openai:<id>`: a dated
 * snapshot (`gpt-image-2-2026-04-21`) takes its model's row, any other `gpt-image-*` or
 * `chatgpt-image-*` id the newest GPT image row, and anything else a minimal row every OpenAI
 * image model takes (one 1024x1024 image per call, base64, no quality or style, 1000-character
 * prompts). Every response then carries a warning that the row is guessed.
 */
export function openOpenAIModel(id: string): ModelCapabilities | undefined {
  return guessCapabilities(id, {
    provider: 'openai',
    table: openaiModels,
    families: [
      { pattern: /^(chatgpt-)?gpt-image-|^chatgpt-image-/, from: 'gpt-image-2' },
      { pattern: /^dall-e-/, from: 'dall-e-2' },
    ],
    fallback: {
      mode: 'sync',
      maxImagesPerCall: 1,
      sizes: { kind: 'list', values: ['1024x1024'] },
      qualities: [],
      styles: [],
      negativePrompt: false,
      seed: null,
      // No response_format is sent for a b64-only row, and an unknown model may reject it.
      formats: ['b64_json'],
      maxPromptLength: 1000,
      providerOptions: { user: 'string' },
      source: 'https://platform.openai.com/docs/api-reference/images/create',
    },
  })
}
