/**
 * The provider packages llmkit knows, with id patterns that tell which package an unknown
 * model id belongs to. `fromEnv()` discovers these by dynamic import.
 */
export const KNOWN_PROVIDER_PACKAGES = [
  { id: 'openai', packageName: '@llmkit/provider-openai', pattern: /^(dall-e-|gpt-image-)/ },
  { id: 'fal', packageName: '@llmkit/provider-fal', pattern: /^fal-ai\// },
  { id: 'stability', packageName: '@llmkit/provider-stability', pattern: /^(stability-ai\/|sd3|stable-)/ },
  { id: 'recraft', packageName: '@llmkit/provider-recraft', pattern: /^recraft/ },
  { id: 'runway', packageName: '@llmkit/provider-runway', pattern: /^(gen4_|gen3|gemini_|seedream|gpt_image_)/ },
  { id: 'replicate', packageName: '@llmkit/provider-replicate', pattern: /^[\w.-]+\/[\w.-]+(:[0-9a-f]{64})?$/ },
] as const satisfies readonly { id: string; packageName: string; pattern: RegExp }[]
