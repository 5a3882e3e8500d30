import { openai } from '@llmkit/provider-openai'
import { ImageGenerationRequest, LLMKitClient } from 'llmkit'
import { promptPrefix, timing } from './middleware.js'

/** Generates one image with two user middleware added through `client.use()`. */
export async function main(): Promise<string | undefined> {
  const client = new LLMKitClient({ providers: [openai()] })
    .use(timing((t) => console.log(`${t.model}: ${t.images} image(s) in ${t.ms.toFixed(0)} ms`)))
    .use(promptPrefix('Watercolor, soft light: '))
  const response = await client.generateImage(new ImageGenerationRequest('dall-e-3', 'a lighthouse at dusk'))
  console.log(response.first()?.revised_prompt)
  return response.first()?.url
}

if (import.meta.url === `file://${process.argv[1]}`) await main()
