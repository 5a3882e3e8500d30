import type { HttpResponse, ModelCapabilities, ParsedProviderError, ProviderPlugin, ProviderResult } from 'llmkit'

/**
 * A complete third-party provider for a fictional service, "Pixelforge", written against the
 * public plugin contract only: capabilities as data, a request mapping, a response mapping and
 * an error parser. Retries, splitting `n`, size mapping, format conversion, timeouts and
 * logging all come from the core.
 *
 * Wire: `POST /v1/images` with `x-api-key`, body `{ model, prompt, width, height, count, seed? }`,
 * answer `{ id, images: [{ base64, seed }] }`; errors `{ error: { message, code } }`.
 */
export const pixelforgeModels = [
  {
    id: 'pixelforge-1',
    aliases: ['pf-1'],
    wireId: 'pf-1',
    displayName: 'Pixelforge 1',
    mode: 'sync',
    maxImagesPerCall: 2,
    sizes: { kind: 'range', minWidth: 256, maxWidth: 1536, minHeight: 256, maxHeight: 1536, step: 64 },
    defaultSize: '1024x1024',
    qualities: [],
    styles: [],
    negativePrompt: false,
    seed: { min: 0, max: 2 ** 32 - 1 },
    formats: ['b64_json'],
    outputMimeTypes: ['image/png'],
    source: 'https://docs.pixelforge.example/api#generate',
  },
] as const satisfies readonly ModelCapabilities[]

interface PixelforgeAnswer {
  id?: string
  images?: { base64?: string; seed?: number }[]
}

/** Reads Pixelforge's error envelope; `out_of_credits` is an empty balance, not a rate limit. */
export function parsePixelforgeError(res: HttpResponse): ParsedProviderError {
  const body = res.json() as { error?: { message?: string; code?: string } } | undefined
  const code = body?.error?.code
  return { message: body?.error?.message ?? res.text().slice(0, 200), code, kind: code === 'out_of_credits' ? 'quota' : code === 'unsafe_prompt' ? 'content_policy' : undefined }
}

/** The Pixelforge plugin; reads `PIXELFORGE_API_KEY` and `PIXELFORGE_BASE_URL`. */
export function pixelforge(): ProviderPlugin {
  return {
    id: 'pixelforge',
    displayName: 'Pixelforge',
    envKeys: ['PIXELFORGE_API_KEY'],
    baseUrlEnv: ['PIXELFORGE_BASE_URL'],
    defaultBaseUrl: 'https://api.pixelforge.example',
    models: pixelforgeModels,
    rateLimit: { requests: 60, intervalMs: 60_000 },
    parseError: parsePixelforgeError,
    create: (ctx) => ({
      async generate(req, options): Promise<ProviderResult> {
        const size = req.size ?? { width: 1024, height: 1024 }
        const res = await ctx.http.request({
          method: 'POST',
          path: '/v1/images',
          headers: { 'x-api-key': ctx.apiKey },
          json: { model: req.wireModel, prompt: req.prompt, width: size.width, height: size.height, count: req.n, ...(req.seed === undefined ? {} : { seed: req.seed }) },
          signal: options.signal,
          model: req.modelId,
        })
        const answer = res.json() as PixelforgeAnswer
        return {
          images: (answer.images ?? []).map((image) => ({ b64: image.base64, seed: image.seed, mimeType: 'image/png', width: size.width, height: size.height })),
          requestId: answer.id,
        }
      },
    }),
  }
}
