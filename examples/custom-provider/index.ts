import { LLMKitClient } from 'llmkit'
import { pixelforge } from './pixelforge.js'

/** Registers the third-party plugin and generates through the one public call. */
export async function main(): Promise<number> {
  const client = new LLMKitClient({ providers: [pixelforge()] })
  const response = await client.generateImage({ model: 'pixelforge-1', prompt: 'a paper boat', size: '1000x700', n: 3, seed: 7, format: 'url' })
  for (const warning of response.warnings) console.log(`note: ${warning.message}`)
  console.log(`${response.count} image(s) from ${response.provider} ${response.model}`)
  return response.count
}

if (import.meta.url === `file://${process.argv[1]}`) await main()
