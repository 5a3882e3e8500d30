// The contenders, each reduced to one function: `call(size, format)` resolves to the image as
// the caller receives it (a URL or a base64 string). Every contender sends the same JSON body
// to the same server: { model: 'dall-e-2', prompt, n: 1, size: '256x256', response_format }.

/** Contender ids in table order; `floor` is raw undici, the rest are compared to it. */
export const CONTENDERS = ['floor', 'llmkit', 'llmkit-bare', 'openai-sdk', 'ai-sdk']
/** The peers a user would pick instead of llmkit. */
export const PEERS = ['openai-sdk', 'ai-sdk']

/** Human names for the table. */
export const LABELS = {
  floor: 'raw undici.request + JSON parse (floor)',
  llmkit: 'llmkit, default middleware',
  'llmkit-bare': 'llmkit, middleware off',
  'openai-sdk': 'openai SDK images.generate',
  'ai-sdk': 'Vercel AI SDK generateImage + @ai-sdk/openai',
}

/** What each contender imports, for the cold-import figure. */
export const IMPORTS = {
  floor: ['undici'],
  llmkit: ['llmkit', '@llmkit/provider-openai'],
  'llmkit-bare': ['llmkit', '@llmkit/provider-openai'],
  'openai-sdk': ['openai'],
  'ai-sdk': ['ai', '@ai-sdk/openai'],
}

/** The Vercel AI SDK always asks for `b64_json` from DALL·E models: it has no URL output. */
export function supports(contender, format) {
  return !(contender === 'ai-sdk' && format === 'url')
}

const prompt = (size) => `bench ${size} image`

/**
 * Client options that remove every optional built-in middleware. Capability validation stays:
 * it is what turns the request into the provider's wire form, not an add-on.
 */
export const BARE_CLIENT_OPTIONS = Object.freeze({
  logging: false,
  timeout: false,
  fallback: false,
  cache: false,
  splitN: false,
  concurrency: false,
  retry: false,
  rateLimit: false,
})

/**
 * Creates one contender's call function. Clients are created once, as a user would, and reused
 * for every call.
 */
export async function createContender(name, server, variant) {
  const base = server.openaiBaseUrl
  switch (name) {
    case 'floor': {
      const { request } = await import('undici')
      const url = `${base}/images/generations`
      const headers = { authorization: `Bearer ${server.key}`, 'content-type': 'application/json' }
      return async (size, format) => {
        const res = await request(url, {
          method: 'POST',
          headers,
          body: JSON.stringify({ model: 'dall-e-2', prompt: prompt(size), n: 1, size: '256x256', response_format: format }),
        })
        const json = await res.body.json()
        if (res.statusCode !== 200) throw new Error(`floor: HTTP ${res.statusCode}`)
        const image = json.data[0]
        return format === 'url' ? image.url : image.b64_json
      }
    }
    case 'llmkit':
    case 'llmkit-bare': {
      const core = await import('llmkit')
      const { openai } = await import('@llmkit/provider-openai')
      const options = {
        providers: [openai()],
        apiKeys: { openai: server.key },
        baseUrls: { openai: base },
        env: {},
        ...(name === 'llmkit-bare' ? BARE_CLIENT_OPTIONS : {}),
        ...(variant === 'cache' ? { cache: true } : {}),
      }
      const client = new core.LLMKitClient(options)
      return async (size, format) => {
        const res = await client.generateImage({ model: 'dall-e-2', prompt: prompt(size), n: 1, size: '256x256', format })
        const image = res.images[0]
        return format === 'url' ? image.url : image.b64_json
      }
    }
    case 'openai-sdk': {
      const { default: OpenAI } = await import('openai')
      const client = new OpenAI({ apiKey: server.key, baseURL: base })
      return async (size, format) => {
        const res = await client.images.generate({ model: 'dall-e-2', prompt: prompt(size), n: 1, size: '256x256', response_format: format })
        const image = res.data[0]
        return format === 'url' ? image.url : image.b64_json
      }
    }
    case 'ai-sdk': {
      const { generateImage } = await import('ai')
      const { createOpenAI } = await import('@ai-sdk/openai')
      const provider = createOpenAI({ apiKey: server.key, baseURL: base })
      const model = provider.image('dall-e-2')
      return async (size, format) => {
        if (format === 'url') throw new Error('ai-sdk has no URL output')
        const res = await generateImage({ model, prompt: prompt(size), n: 1, size: '256x256' })
        return res.image.base64
      }
    }
    default:
      throw new Error(`unknown contender ${name}`)
  }
}
