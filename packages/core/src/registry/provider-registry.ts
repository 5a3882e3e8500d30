import { inject, injectable } from 'tsyringe'
import { ProviderNotConfiguredError } from '../errors.js'
import { type ErrorContext, errorFromResponse } from '../http/error-body.js'
import { bufferedResponse, HttpTransport, type HttpResponse } from '../http/transport.js'
import { createJobRunner } from '../jobs/poll-job.js'
import type { Clock, Logger } from '../logger.js'
import { SecretRedactor } from '../redact.js'
import { type ModelCapabilities, parseModelCapabilities } from './capabilities.js'
import type { ImageProvider, ProviderHttp, ProviderHttpRequest, ProviderPlugin } from './plugin.js'
import { type ResolvedModel, resolveModel } from './resolve-model.js'

/** DI tokens of the per-client container. */
export const TOKENS = Object.freeze({
  transport: Symbol.for('llmkit.transport'),
  logger: Symbol.for('llmkit.logger'),
  clock: Symbol.for('llmkit.clock'),
  settings: Symbol.for('llmkit.registrySettings'),
})

/** Where keys and base URLs come from. */
export interface RegistrySettings {
  /** Environment to read keys and base URLs from. */
  env: Readonly<Record<string, string | undefined>>
  /** Keys by provider id; beat the environment. */
  apiKeys: Readonly<Record<string, string | undefined>>
  /** Base URLs by provider id; beat the environment. */
  baseUrls: Readonly<Record<string, string | undefined>>
  /** Default async job deadline in milliseconds. */
  jobTimeoutMs: number | undefined
  /** Sees every provider answer (the rate limiter learns `Retry-After` and `x-ratelimit-*` from it); must not throw. */
  /** `now`: the client's clock when the answer arrived, the instant its `Retry-After` date is read against. */
  onResponse?: ((plugin: ProviderPlugin, res: HttpResponse, now: number) => void) | undefined
}

/** A model row with the provider's configuration state, for listings. */
export interface ModelListing {
  /** Provider id. */
  provider: string
  /** Provider package. */
  packageName: string | undefined
  /** Whether the provider's key is set. */
  configured: boolean
  /** Environment variables that can hold the key. */
  envKeys: readonly string[]
  /** The capability row. */
  capabilities: ModelCapabilities
}

/**
 * The set of provider plugins of one client: checks their tables, resolves model ids, reads
 * keys, and creates each provider once, on first use.
 */
@injectable()
export class ProviderRegistry {
  readonly #plugins: ProviderPlugin[] = []
  readonly #instances = new Map<string, ImageProvider>()
  readonly #redactor = new SecretRedactor(() => this.secrets())

  constructor(
    @inject(TOKENS.transport) private readonly transport: HttpTransport,
    @inject(TOKENS.logger) private readonly logger: Logger,
    @inject(TOKENS.clock) private readonly clock: Clock,
    @inject(TOKENS.settings) private readonly settings: RegistrySettings,
  ) {}

  /** Adds plugins, checking every capability row and that ids are unique across plugins. */
  register(plugins: readonly ProviderPlugin[]): void {
    for (const plugin of plugins) {
      if (this.#plugins.some((p) => p.id === plugin.id)) throw new TypeError(`Provider "${plugin.id}" is registered twice`)
      if (typeof plugin.create !== 'function') throw new TypeError(`Provider "${plugin.id}" has no create() function`)
      const seen = new Set(this.#plugins.flatMap((p) => p.models.flatMap((m) => [m.id, ...(m.aliases ?? [])])))
      for (const row of plugin.models) {
        parseModelCapabilities(row)
        for (const id of [row.id, ...(row.aliases ?? [])]) {
          if (seen.has(id)) throw new TypeError(`Model id "${id}" of provider "${plugin.id}" is already registered by another row or provider`)
          seen.add(id)
        }
      }
      this.#plugins.push(plugin)
    }
  }

  /** The registered plugins. */
  get plugins(): readonly ProviderPlugin[] {
    return this.#plugins
  }

  /** Resolves a model id (see {@link resolveModel}). */
  resolve(modelId: string): ResolvedModel {
    return resolveModel(this.#plugins, modelId)
  }

  /** The API key of a provider, or undefined. */
  apiKeyOf(plugin: ProviderPlugin): string | undefined {
    const explicit = this.settings.apiKeys[plugin.id]
    if (explicit) return explicit
    for (const name of plugin.envKeys) {
      const value = this.settings.env[name]
      if (value) return value
    }
    return undefined
  }

  /**
   * Every key this client holds: the explicit `apiKeys` and the value of every registered plugin's
   * key variables in the client's environment, whether or not it is the one in use. The client
   * redacts each of them, by value, from errors, responses and logs.
   */
  secrets(): string[] {
    const out = new Set<string>()
    for (const key of Object.values(this.settings.apiKeys)) if (typeof key === 'string' && key !== '') out.add(key)
    for (const plugin of this.#plugins) {
      for (const name of plugin.envKeys) {
        const value = this.settings.env[name]
        if (typeof value === 'string' && value !== '') out.add(value)
      }
    }
    return [...out]
  }

  /** Every model of every plugin, with whether its key is set. */
  listModels(): ModelListing[] {
    return this.#plugins.flatMap((plugin) =>
      plugin.models.map((capabilities) => ({
        provider: plugin.id,
        packageName: plugin.packageName,
        configured: this.apiKeyOf(plugin) !== undefined,
        envKeys: plugin.envKeys,
        capabilities,
      })),
    )
  }

  /**
   * The provider instance of a plugin, created on first use.
   * @throws {@link ProviderNotConfiguredError} naming the environment variable when no key is set.
   */
  providerFor(plugin: ProviderPlugin, modelId: string): ImageProvider {
    const existing = this.#instances.get(plugin.id)
    if (existing) return existing
    const apiKey = this.apiKeyOf(plugin)
    if (apiKey === undefined) {
      throw new ProviderNotConfiguredError(
        `${plugin.id} ${modelId}: no API key. Set ${plugin.envKeys.join(' or ')} in the environment, or pass apiKeys: { ${plugin.id}: '...' } to the client`,
        { provider: plugin.id, model: modelId },
      )
    }
    const baseUrl = this.#baseUrlOf(plugin)
    // `@llmkit/provider-openai/0.1.0` in the user-agent; a third-party plugin names what it declares.
    const product = plugin.packageName ?? plugin.id
    const userAgentProduct = plugin.packageVersion === undefined ? product : `${product}/${plugin.packageVersion}`
    const errorContext: ErrorContext = { provider: plugin.id, keyEnv: plugin.envKeys[0], secrets: [apiKey] }
    /** Throws the mapped llmkit error for a status that is neither 2xx nor accepted; reports every answer to `onResponse`. */
    const check = (req: ProviderHttpRequest, res: HttpResponse): void => {
      // One reading of the client's clock for both readers of a Retry-After date (the rate
      // limiter's hold and the error's retryAfterMs), so they name the same instant: two readings
      // (or the wall clock against an injected clock) made the limiter wait again after the retry.
      const now = this.clock.now()
      this.settings.onResponse?.(plugin, res, now)
      if ((res.status >= 200 && res.status < 300) || req.acceptStatus?.includes(res.status)) return
      let parsed = {}
      try {
        parsed = plugin.parseError?.(res) ?? defaultParse(res.json(), res.text())
      } catch {
        // A parser bug must not hide the real failure; fall back to the status.
      }
      throw errorFromResponse(res, parsed, { ...errorContext, secrets: this.secrets(), model: req.model, now })
    }
    const http: ProviderHttp = {
      request: async (req) => {
        const url = req.url ?? `${baseUrl}${req.path ?? ''}`
        let res: Awaited<ReturnType<HttpTransport['request']>>
        try {
          res = await this.transport.request({ ...req, url, userAgentProduct })
        } catch (error) {
          // Scrubbed here already, so hooks below the client (onRetry, fallback) never see a key.
          throw this.#redactor.error(error)
        }
        check(req, res)
        return res
      },
      stream: async (req, consume) => {
        const url = req.url ?? `${baseUrl}${req.path ?? ''}`
        try {
          return await this.transport.stream({ ...req, url, userAgentProduct }, async (res) => {
            const ok = (res.status >= 200 && res.status < 300) || req.acceptStatus?.includes(res.status) === true
            // The rate limiter reads headers only; an error body is read whole for the error parser.
            check(req, bufferedResponse(res.status, res.headers, ok ? Buffer.alloc(0) : await readCapped(res.body, MAX_ERROR_BODY_BYTES), url))
            return consume(res)
          })
        } catch (error) {
          throw this.#redactor.error(error)
        }
      },
    }
    const instance = plugin.create({
      providerId: plugin.id,
      apiKey,
      baseUrl,
      http,
      jobs: createJobRunner({
        clock: this.clock,
        logger: this.logger,
        timeoutMs: this.settings.jobTimeoutMs,
        // Status streams (fal) go through the same transport: dispatcher, user-agent, body timeouts.
        stream: async (req, consume) => {
          try {
            return await this.transport.stream({ ...req, method: 'GET', userAgentProduct }, consume)
          } catch (error) {
            // The runner logs why a stream failed: scrubbed like every other provider error.
            throw this.#redactor.error(error)
          }
        },
      }),
      logger: this.logger,
      clock: this.clock,
      env: this.settings.env,
    })
    this.#instances.set(plugin.id, instance)
    return instance
  }

  /** The base URL a provider is configured with (explicit, environment, or default), without a trailing slash. */
  baseUrlOf(plugin: ProviderPlugin): string {
    return this.#baseUrlOf(plugin)
  }

  #baseUrlOf(plugin: ProviderPlugin): string {
    const explicit = this.settings.baseUrls[plugin.id]
    const fromEnv = plugin.baseUrlEnv?.map((name) => this.settings.env[name]).find((v) => v)
    return (explicit ?? fromEnv ?? plugin.defaultBaseUrl).replace(/\/+$/, '')
  }
}

function defaultParse(json: unknown, text: string): { message?: string } {
  if (json && typeof json === 'object') {
    const j = json as Record<string, unknown>
    const candidate = j['message'] ?? j['detail'] ?? j['error']
    if (typeof candidate === 'string') return { message: candidate }
    if (candidate && typeof candidate === 'object' && typeof (candidate as { message?: unknown }).message === 'string') {
      return { message: (candidate as { message: string }).message }
    }
  }
  return { message: text.slice(0, 300) || undefined }
}

/** Largest error body read from a streamed answer: error envelopes are a few hundred bytes. */
const MAX_ERROR_BODY_BYTES = 64 * 1024

/** Reads a stream up to `max` bytes (the rest is left for the transport to discard). */
async function readCapped(body: NodeJS.ReadableStream, max: number): Promise<Buffer> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of body) {
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk)
    chunks.push(bytes)
    size += bytes.length
    if (size >= max) break
  }
  return Buffer.concat(chunks).subarray(0, max)
}
