import { randomUUID } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import multipart from '@fastify/multipart'
import { type GeneratedImage, type ImageGenerationRequest, type ImageGenerationRequestInit, type ImageGenerationResponse, LLMKitError, sniffImageType } from '@llmkit/core'
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import { ClientPool, type GatewayClientOptions } from './clients.js'
import { type GatewayConfig, GatewayConfigError, type GatewayConfigInput, parseGatewayConfig } from './config.js'
import { gatewayError, type MappedError, mapError } from './errors.js'
import { SignedImageStore } from './image-store.js'
import { bearerToken, type GatewayKey, KeyRing, modelAllowed, parseEnvKeys } from './keys.js'
import { createMetrics, type GatewayMetrics } from './metrics.js'
import { MAX_UPLOAD_IMAGES, readUploadForm, toEditRequest, toVariationRequest, type UploadForm, type UploadRequest } from './multipart.js'
import { type ResponseFormat, toGenerationRequest } from './openai-request.js'

/** Shortest gateway key accepted from `LLMKIT_GATEWAY_KEYS`: a short key can be guessed. */
export const MIN_GATEWAY_KEY_LENGTH = 16

/** Where the gateway's JSON log lines go (pino's destination shape). */
export interface LogDestination {
  /** Receives one JSON line. */
  write(line: string): unknown
}

/** Options of {@link createGateway}. */
export interface GatewayOptions {
  /** The configuration (validated here; see `gatewayConfigSchema`). @defaultValue all defaults */
  config?: GatewayConfigInput | undefined
  /**
   * Environment: provider keys and base URLs (read by llmkit), `LLMKIT_GATEWAY_KEYS` and
   * `LLMKIT_GATEWAY_SIGNING_SECRET`. @defaultValue process.env
   */
  env?: Readonly<Record<string, string | undefined>> | undefined
  /** llmkit client options applied to every key's client (retry, timeouts, prices, providers...). */
  client?: GatewayClientOptions | undefined
  /** Where log lines go. @defaultValue stdout */
  logDestination?: LogDestination | undefined
}

/** A running (or ready to run) gateway. */
export interface Gateway {
  /** The fastify instance (routes, hooks, `inject()` for tests). */
  readonly app: FastifyInstance
  /** The validated configuration. */
  readonly config: GatewayConfig
  /** The metrics registry and instruments. */
  readonly metrics: GatewayMetrics
  /** Starts listening on `config.host:config.port`; resolves to the gateway's URL. */
  listen(): Promise<string>
  /**
   * Stops accepting requests (new ones get 503), waits for in-flight generations to finish (up
   * to `timeouts.shutdownMs`, then cuts the remaining connections), and closes Redis.
   */
  close(): Promise<void>
}

const jsonHeaders = { 'content-type': 'application/json; charset=utf-8' }

/** Strips the query (signed URLs carry their signature there) from a URL kept in logs. */
function pathOnly(url: string | undefined): string {
  if (url === undefined) return ''
  const q = url.indexOf('?')
  return q === -1 ? url : url.slice(0, q)
}

function send(reply: FastifyReply, mapped: MappedError): FastifyReply {
  return reply.code(mapped.status).headers({ ...mapped.headers, ...jsonHeaders }).send(mapped.body)
}

/** fastify's own errors (body too large, bad JSON, wrong media type) in OpenAI's shape. */
function frameworkError(error: FastifyError): MappedError {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return gatewayError(413, 'The request body is larger than this gateway accepts.', 'invalid_request_error', 'request_too_large')
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return gatewayError(415, 'Send the body as application/json (image edits: multipart/form-data).', 'invalid_request_error', 'unsupported_media_type')
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return gatewayError(400, 'The body is not valid JSON.', 'invalid_request_error', 'invalid_json')
    default:
      // Multipart limits: a file, the number of files, fields or parts.
      if (error.statusCode === 413) return gatewayError(413, 'The upload is larger than this gateway accepts (file size, files or fields).', 'invalid_request_error', 'request_too_large')
      if (error.code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH') return gatewayError(400, 'The content-length does not match the body.', 'invalid_request_error', 'invalid_body')
      if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
        return gatewayError(error.statusCode, 'The request could not be read.', 'invalid_request_error', 'invalid_body')
      }
      return gatewayError(500, 'The gateway failed unexpectedly; the operator\'s logs have the details.', 'server_error', 'internal_error')
  }
}

/**
 * Builds the gateway: validates the configuration, connects Redis when configured, and
 * registers the routes. Call `listen()` to serve.
 *
 * @throws GatewayConfigError when the configuration or the environment is invalid (every problem listed).
 * @example
 * ```ts
 * const gateway = await createGateway({ config: { port: 8787 } }) // keys from LLMKIT_GATEWAY_KEYS
 * console.log(await gateway.listen())
 * process.on('SIGTERM', () => void gateway.close())
 * ```
 */
export async function createGateway(options: GatewayOptions = {}): Promise<Gateway> {
  const config = parseGatewayConfig(options.config ?? {})
  const env = options.env ?? process.env
  const envKeys = parseEnvKeys(env['LLMKIT_GATEWAY_KEYS'])
  const weak = envKeys.filter((k) => k.length < MIN_GATEWAY_KEY_LENGTH).length
  if (weak > 0) throw new GatewayConfigError('LLMKIT_GATEWAY_KEYS', [`${weak} key(s) shorter than ${MIN_GATEWAY_KEY_LENGTH} characters; use long random keys (openssl rand -hex 24)`])
  const signingSecret = env['LLMKIT_GATEWAY_SIGNING_SECRET']
  if (signingSecret !== undefined && signingSecret.length < 32) throw new GatewayConfigError('LLMKIT_GATEWAY_SIGNING_SECRET', ['must be at least 32 characters'])

  const redactPaths = ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-api-key"]', 'headers.authorization', 'authorization']
  const app = Fastify({
    logger: {
      level: config.logLevel,
      redact: { paths: redactPaths, censor: '[redacted]' },
      ...(options.logDestination === undefined ? {} : { stream: options.logDestination }),
      serializers: {
        req: (req: { method?: string; url?: string; ip?: string }) => ({ method: req.method, url: pathOnly(req.url), remoteAddress: req.ip }),
      },
    },
    genReqId: (req) => {
      const given = req.headers['x-request-id']
      return typeof given === 'string' && /^[A-Za-z0-9_.:-]{1,64}$/.test(given) ? given : randomUUID()
    },
    bodyLimit: config.limits.bodyBytes,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // Slow clients: the whole request must arrive within requestMs, headers within headersMs;
    // Node checks every second instead of its default 30 s. No socket idle timeout
    // (fastify's connectionTimeout): a socket is idle while a generation runs, and an async job
    // may take minutes; generationMs bounds that instead.
    serverFactory: (handler) =>
      createServer(
        {
          requestTimeout: config.timeouts.requestMs,
          headersTimeout: Math.min(config.timeouts.headersMs, config.timeouts.requestMs),
          keepAliveTimeout: config.timeouts.keepAliveMs,
          connectionsCheckingInterval: Math.min(1000, config.timeouts.requestMs),
        },
        handler,
      ),
  })

  const redis = config.redis === undefined ? undefined : await connectRedis(config.redis, app.log)
  const keys = new KeyRing(
    config,
    envKeys,
    // Without an offline queue a command fails until the first connection: wait for it (bounded by connectTimeoutMs).
    redis === undefined ? undefined : async (digest) => (await redis.state.ready(), redis.state.redis.hget(`${redis.prefix}gateway:keys`, digest)),
  )
  if (!keys.canAuthenticate) {
    app.log.warn({ event: 'gateway.no_keys' }, 'no gateway keys configured (config keys, LLMKIT_GATEWAY_KEYS or Redis): every request will be refused')
  }
  const llmkitLogger = app.log.child({ component: 'llmkit' })
  const pool = new ClientPool({
    env,
    logger: llmkitLogger,
    budgetStore: redis?.state.budgetStore,
    rateLimitStore: redis?.state.rateLimitStore,
    unknownPrice: config.unknownPrice,
    budgetFailOpen: config.budgetFailOpen,
    client: options.client,
  })
  const metrics = createMetrics()
  const images = new SignedImageStore({ ttlSeconds: config.images.ttlSeconds, maxBytes: config.images.storeBytes, secret: signingSecret })
  const keyOf = new WeakMap<FastifyRequest, GatewayKey>()
  const started = new WeakMap<FastifyRequest, bigint>()
  const startedAt = Math.floor(Date.now() / 1000)
  let publicUrl = config.publicUrl?.replace(/\/+$/, '')
  let closing = false

  if (config.corsOrigins.length > 0) {
    const cors = (await import('@fastify/cors')).default
    await app.register(cors, { origin: config.corsOrigins, methods: ['GET', 'POST'], allowedHeaders: ['authorization', 'content-type'] })
  }

  await app.register(multipart, {
    limits: {
      fileSize: config.limits.uploadBytes,
      files: MAX_UPLOAD_IMAGES + 1,
      fields: 30,
      fieldSize: Math.max(65_536, config.limits.promptChars * 4),
      parts: MAX_UPLOAD_IMAGES + 31,
      headerPairs: 100,
    },
  })

  app.addHook('onRequest', async (req, reply) => {
    started.set(req, process.hrtime.bigint())
    void reply.header('x-request-id', req.id)
  })
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched'
    const key = keyOf.get(req)?.id ?? 'none'
    metrics.requests.inc({ route, status: String(reply.statusCode), key })
    const t0 = started.get(req)
    if (t0 !== undefined) metrics.latency.observe({ route, key }, Number(process.hrtime.bigint() - t0) / 1e9)
  })

  app.setErrorHandler((error: FastifyError, req, reply) => {
    const mapped = frameworkError(error)
    metrics.errors.inc({ class: error.code ?? 'internal', key: keyOf.get(req)?.id ?? 'none' })
    if (mapped.status >= 500) req.log.error({ err: error }, 'request failed')
    else req.log.info({ event: 'request.refused', code: error.code, status: mapped.status }, error.message)
    return send(reply, mapped)
  })
  app.setNotFoundHandler((req, reply) =>
    send(reply, gatewayError(404, `Unknown route ${req.method} ${pathOnly(req.url)}; this gateway serves /v1/images/generations, /v1/images/edits, /v1/images/variations and /v1/models.`, 'invalid_request_error', 'unknown_url')),
  )

  /** Authenticates before the body is read or any provider work: a wrong or missing key is a 401. */
  const authenticate = async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const token = bearerToken(req.headers.authorization)
    if (token === undefined) {
      metrics.errors.inc({ class: 'missing_api_key', key: 'none' })
      await send(
        reply.header('www-authenticate', 'Bearer'),
        gatewayError(401, "You didn't provide an API key. Send your gateway key in an Authorization header using Bearer auth (Authorization: Bearer YOUR_KEY).", 'invalid_request_error', null),
      )
      return
    }
    let key: GatewayKey | undefined
    try {
      key = await keys.verify(token)
    } catch (error) {
      req.log.error({ event: 'auth.store_error', error: String(error) }, 'gateway key lookup failed')
      metrics.errors.inc({ class: 'key_store_unavailable', key: 'none' })
      await send(reply, gatewayError(503, 'The gateway cannot check keys right now; try again shortly.', 'server_error', 'service_unavailable'))
      return
    }
    if (key === undefined) {
      metrics.errors.inc({ class: 'invalid_api_key', key: 'none' })
      await send(reply.header('www-authenticate', 'Bearer'), gatewayError(401, 'Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key'))
      return
    }
    keyOf.set(req, key)
    req.log = req.log.child({ key: key.id })
  }

  app.get('/healthz', async () => ({ status: 'ok' }))
  app.get('/readyz', async (_req, reply) => {
    if (closing) return reply.code(503).send({ status: 'shutting down' })
    try {
      const providers = await pool.base.providers()
      // A ping, not ready(): ready() stays resolved after the first connection.
      if (redis !== undefined) await redis.state.redis.ping()
      return { status: 'ready', providers: providers.map((p) => p.id) }
    } catch (error) {
      return reply.code(503).send({ status: 'not ready', reason: LLMKitError.isInstance(error) ? error.message : String(error) })
    }
  })
  if (config.metrics) {
    app.get('/metrics', async (_req, reply) => reply.header('content-type', metrics.registry.contentType).send(await metrics.registry.metrics()))
  }

  /** Names a key's model patterns are matched against, or the error of an unknown model. */
  const modelNames = async (requested: string): Promise<string[]> => {
    const caps = await pool.base.capabilities(requested)
    const listing = (await pool.base.models()).find((m) => m.capabilities === caps || m.capabilities.id === caps.id)
    const names = [requested, caps.id]
    const provider = listing?.provider ?? (requested.includes(':') ? requested.slice(0, requested.indexOf(':')) : undefined)
    if (provider !== undefined) names.push(`${provider}:${caps.id}`)
    return names
  }

  const modelEntry = (id: string, provider: string) => ({ id, object: 'model' as const, created: startedAt, owned_by: provider })

  app.get('/v1/models', { onRequest: authenticate }, async (req) => {
    const key = keyOf.get(req)!
    const listing = await pool.base.models()
    const data = listing
      .filter((m) => m.configured && modelAllowed(key, [m.capabilities.id, `${m.provider}:${m.capabilities.id}`]))
      .map((m) => modelEntry(m.capabilities.id, m.provider))
    return { object: 'list', data }
  })

  app.get('/v1/models/*', { onRequest: authenticate }, async (req, reply) => {
    const key = keyOf.get(req)!
    const id = (req.params as { '*': string })['*']
    const notFound = gatewayError(404, `The model '${id}' does not exist or you do not have access to it.`, 'invalid_request_error', 'model_not_found', 'model')
    const listing = (await pool.base.models()).find((m) => m.configured && (m.capabilities.id === id || `${m.provider}:${m.capabilities.id}` === id || m.capabilities.aliases?.includes(id)))
    if (listing === undefined || !modelAllowed(key, [id, listing.capabilities.id, `${listing.provider}:${listing.capabilities.id}`])) return send(reply, notFound)
    return modelEntry(listing.capabilities.id, listing.provider)
  })

  app.get('/v1/images/files/:id', async (req, reply) => {
    const { id } = req.params as { id: string }
    const query = req.query as Record<string, string | undefined>
    const image = images.get(id, query['expires'], query['signature'])
    if (image === 'forbidden') return send(reply, gatewayError(403, 'The image URL signature is missing or invalid.', 'invalid_request_error', 'invalid_signature'))
    if (image === 'expired' || image === 'gone') return send(reply, gatewayError(404, 'The image URL has expired.', 'invalid_request_error', 'expired'))
    return reply.header('content-type', image.mimeType).header('cache-control', 'private, max-age=60').send(image.bytes)
  })

  /**
   * Runs one generation for a key, with the client's disconnect and the gateway's deadline
   * cancelling it (and, for async providers, the remote job), and answers OpenAI's shape.
   */
  const generate = async (req: FastifyRequest, reply: FastifyReply, request: ImageGenerationRequest | ImageGenerationRequestInit, responseFormat: ResponseFormat): Promise<FastifyReply> => {
    const key = keyOf.get(req)!
    let names: string[]
    try {
      names = await modelNames(request.model)
    } catch (error) {
      metrics.errors.inc({ class: LLMKitError.isInstance(error) ? error.code : 'internal', key: key.id })
      return send(reply, mapError(error, req.id))
    }
    if (!modelAllowed(key, names)) {
      metrics.errors.inc({ class: 'model_not_allowed', key: key.id })
      return send(reply, gatewayError(404, `The model '${request.model}' does not exist or you do not have access to it.`, 'invalid_request_error', 'model_not_found', 'model'))
    }
    const client = await pool.clientFor(key)
    const disconnect = new AbortController()
    const onClose = () => {
      if (!reply.raw.writableFinished) disconnect.abort(new Error('the client disconnected'))
    }
    reply.raw.on('close', onClose)
    const deadline = AbortSignal.timeout(config.timeouts.generationMs)
    const signal = AbortSignal.any([disconnect.signal, deadline])
    let response: ImageGenerationResponse
    let data: Record<string, string>[]
    try {
      response = await client.generateImage(request, { signal })
      data = await Promise.all(response.images.map((image) => imageEntry(image, responseFormat, signal)))
    } catch (error) {
      const code = LLMKitError.isInstance(error) ? error.code : 'internal'
      metrics.errors.inc({ class: disconnect.signal.aborted ? 'client_disconnected' : deadline.aborted ? 'gateway_timeout' : code, key: key.id })
      if (disconnect.signal.aborted) {
        req.log.info({ event: 'generation.cancelled', model: request.model }, 'client disconnected; generation cancelled')
        // Nobody reads it (the socket is gone); sending it ends the request's lifecycle (hooks, metrics).
        return send(reply, gatewayError(499, 'The client closed the request; the generation was cancelled.', 'invalid_request_error', 'client_closed_request'))
      }
      if (deadline.aborted) {
        return send(reply, gatewayError(504, `The generation did not finish within ${config.timeouts.generationMs} ms.`, 'server_error', 'timeout'))
      }
      const mapped = mapError(error, req.id)
      if (mapped.status >= 500) req.log.warn({ event: 'generation.failed', model: request.model, error: LLMKitError.isInstance(error) ? error.toJSON() : String(error) }, 'generation failed')
      return send(reply, mapped)
    } finally {
      reply.raw.off('close', onClose)
    }
    const provider = response.provider ?? 'unknown'
    metrics.images.inc({ key: key.id, provider, model: response.model ?? request.model }, response.images.length)
    if (response.cost?.usd !== undefined) metrics.cost.inc({ key: key.id, provider }, response.cost.usd)
    req.log.info({ event: 'generation.done', provider, model: response.model, images: response.images.length, costUsd: response.cost?.usd }, 'generation done')
    return reply.headers(jsonHeaders).send({
      created: response.created,
      data,
      llmkit: { provider: response.provider, model: response.model, cost_usd: response.cost?.usd ?? null, warnings: response.warnings },
    })
  }

  /** One image in the format the client asked for; bytes wanted as a URL are served by the gateway at a signed URL. */
  const imageEntry = async (image: GeneratedImage, format: ResponseFormat, signal: AbortSignal): Promise<Record<string, string>> => {
    const entry: Record<string, string> = {}
    if (image.revised_prompt !== undefined) entry['revised_prompt'] = image.revised_prompt
    if (format === 'b64_json') {
      entry['b64_json'] = image.b64_json ?? (await image.bytes({ signal })).toString('base64')
      return entry
    }
    if (image.url !== undefined && /^https?:\/\//i.test(image.url)) {
      entry['url'] = image.url
      return entry
    }
    const bytes = await image.bytes({ signal })
    const mime = image.mimeType ?? sniffImageType(bytes) ?? 'application/octet-stream'
    entry['url'] = `${publicUrl}${images.put(bytes, mime).path}`
    return entry
  }

  app.post('/v1/images/generations', { onRequest: authenticate }, async (req, reply) => {
    const parsed = toGenerationRequest(req.body, config.limits)
    if ('status' in parsed) {
      metrics.errors.inc({ class: 'invalid_request', key: keyOf.get(req)?.id ?? 'none' })
      return send(reply, parsed)
    }
    return generate(req, reply, parsed.request, parsed.responseFormat)
  })

  /** Edits and variations: the form is read (bounded), mapped onto llmkit's request builders, and generated like the rest. */
  const uploadRoute = (toRequest: (form: UploadForm, limits: GatewayConfig['limits']) => UploadRequest) => async (req: FastifyRequest, reply: FastifyReply) => {
    const keyId = keyOf.get(req)?.id ?? 'none'
    const form = await readUploadForm(req, config.limits.uploadBytes)
    if ('status' in form) {
      metrics.errors.inc({ class: 'invalid_request', key: keyId })
      return send(reply, form)
    }
    let parsed: UploadRequest
    try {
      parsed = toRequest(form, config.limits)
    } catch (error) {
      // llmkit's builders refuse a value with an InvalidRequestError naming it.
      metrics.errors.inc({ class: LLMKitError.isInstance(error) ? error.code : 'internal', key: keyId })
      return send(reply, mapError(error, req.id))
    }
    if ('status' in parsed) {
      metrics.errors.inc({ class: 'invalid_request', key: keyId })
      return send(reply, parsed)
    }
    return generate(req, reply, parsed.request, parsed.responseFormat)
  }
  app.post('/v1/images/edits', { onRequest: authenticate, bodyLimit: config.limits.uploadBytes }, uploadRoute(toEditRequest))
  app.post('/v1/images/variations', { onRequest: authenticate, bodyLimit: config.limits.uploadBytes }, uploadRoute(toVariationRequest))

  let server: Server | undefined
  return {
    app,
    config,
    metrics,
    async listen() {
      await app.listen({ host: config.host, port: config.port })
      server = app.server
      const address = app.server.address() as AddressInfo
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
      const url = `http://${host}:${address.port}`
      publicUrl ??= url
      app.log.info({ event: 'gateway.listening', url, keys: keys.size, redis: redis !== undefined }, 'llmkit gateway listening')
      return url
    },
    async close() {
      if (closing) return
      closing = true
      const timer = setTimeout(() => server?.closeAllConnections(), config.timeouts.shutdownMs)
      timer.unref()
      try {
        await app.close()
      } finally {
        clearTimeout(timer)
        await redis?.state.close()
      }
    },
  }
}

/** The Redis state of the gateway: `@llmkit/redis`, imported only when configured. */
async function connectRedis(options: NonNullable<GatewayConfig['redis']>, log: FastifyInstance['log']) {
  const { createRedisState } = await import('@llmkit/redis')
  const state = createRedisState({ url: options.url, prefix: options.prefix, logger: log.child({ component: 'redis' }) })
  return { state, prefix: options.prefix }
}
