import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { openai } from '@llmkit/provider-openai'
import { ImageGenerationRequest, type ImageQuality, type ImageFormat, LLMKitClient, LLMKitError, type LLMKitClientOptions } from 'llmkit'

/** The batch job as written in `batch.config.json`. */
export interface BatchConfig {
  model: string
  size?: string
  quality?: ImageQuality
  format?: ImageFormat
  /** Folder the images are written to. */
  outDir: string
  prompts: string[]
  /** Pacing and resilience, handed to the client as is: no sleeps in this file. */
  client: Pick<LLMKitClientOptions, 'concurrency' | 'rateLimit' | 'retry' | 'timeout'>
}

/** What happened to one prompt. */
export interface BatchResult {
  prompt: string
  file?: string
  error?: string
}

/** Reads a batch configuration file. */
export async function loadBatchConfig(path: string): Promise<BatchConfig> {
  return JSON.parse(await readFile(path, 'utf8')) as BatchConfig
}

/**
 * The seed's "generate many prompts and save them" use case: every prompt is started at once
 * and the client's concurrency limit, rate limit and retry (from the configuration) pace them.
 * One failed prompt does not stop the others.
 */
export async function runBatch(config: BatchConfig, extra: Omit<LLMKitClientOptions, keyof BatchConfig['client']> = {}): Promise<BatchResult[]> {
  const client = new LLMKitClient({ providers: [openai()], ...extra, ...config.client })
  const settled = await Promise.allSettled(
    config.prompts.map(async (prompt, i) => {
      let request = new ImageGenerationRequest(config.model, prompt)
      if (config.size) request = request.with_size(config.size)
      if (config.quality) request = request.with_quality(config.quality)
      if (config.format) request = request.with_format(config.format)
      const response = await client.generateImage(request)
      const image = response.first()
      if (!image) throw new Error('no image returned')
      return image.save(join(config.outDir, `image_${i}`))
    }),
  )
  return settled.map((s, i) => {
    const prompt = config.prompts[i]!
    if (s.status === 'fulfilled') return { prompt, file: s.value }
    const reason: unknown = s.reason
    return { prompt, error: LLMKitError.isInstance(reason) ? `${reason.code}: ${reason.message}` : String(reason) }
  })
}
