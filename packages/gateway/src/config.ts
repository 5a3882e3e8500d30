import { readFile } from 'node:fs/promises'
import { z } from 'zod'

/** Gateway defaults, written as data: safe for a first start on a laptop. */
export const DEFAULT_GATEWAY_CONFIG = Object.freeze({
  /** Loopback only: exposing the gateway is a decision, never a default. */
  host: '127.0.0.1',
  /** Port to listen on. */
  port: 8787,
  /** Largest request body, in bytes (JSON generations; image edits need more, see `limits.uploadBytes`). */
  bodyBytes: 1_048_576,
  /** Largest multipart upload (all parts), in bytes. */
  uploadBytes: 26_214_400,
  /** Longest prompt, in characters (gpt-image's own bound). */
  promptChars: 32_000,
  /** Most images per request (OpenAI's bound). */
  maxImages: 10,
  /** Time a client has to send its whole request (headers and body), in milliseconds. */
  requestMs: 30_000,
  /** Time a client has to send its headers, in milliseconds. */
  headersMs: 10_000,
  /** Idle keep-alive connections are closed after this, in milliseconds. */
  keepAliveMs: 5_000,
  /** Longest a generation may take end to end (async jobs included), in milliseconds. */
  generationMs: 600_000,
  /** Lifetime of a signed image URL served by the gateway, in seconds. */
  imageTtlSeconds: 3_600,
  /** Bytes of images held for signed URLs (oldest dropped first). */
  imageStoreBytes: 268_435_456,
  /** Longest wait for in-flight generations at shutdown, in milliseconds. */
  shutdownMs: 660_000,
  /** pino level of the JSON logs. */
  logLevel: 'info' as const,
})

/** A model pattern: an exact id (`dall-e-3`, `openai:dall-e-3`), a prefix ending in `*` (`fal-ai/*`), or `*`. */
const modelPattern = z.string().min(1).max(600)

const rateLimitSchema = z.strictObject({
  /** Requests per interval. */
  requests: z.number().int().min(1),
  /** Interval in milliseconds. */
  intervalMs: z.number().int().min(1),
})

/** What a gateway key may do. */
const policySchema = z.strictObject({
  /** Models this key may use; omitted: every model the gateway offers. */
  models: z.array(modelPattern).min(1).optional(),
  /** Requests per interval for this key (queued, not refused, while over it). */
  rateLimit: rateLimitSchema.optional(),
  /** Most US dollars this key may spend (llmkit's budget, named after the key id). */
  budgetUsd: z.number().min(0).optional(),
})

const keyIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'key id must be 1-64 letters, digits, ".", "_" or "-" (it names metrics and budgets)')

/** One gateway key of the config file: its SHA-256, never the key itself. */
const keyEntrySchema = policySchema.extend({
  /** Name of the key in logs, metrics and budgets. */
  id: keyIdSchema,
  /** Lowercase hex SHA-256 of the key (`printf %s "$KEY" | sha256sum`). */
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'sha256 must be 64 lowercase hex characters: printf %s "$KEY" | sha256sum'),
})

/** zod schema of the gateway's config file (JSON). Unknown keys are an error, never ignored. */
export const gatewayConfigSchema = z.strictObject({
  /** Interface to bind. @defaultValue '127.0.0.1' */
  host: z.string().min(1).default(DEFAULT_GATEWAY_CONFIG.host),
  /** Port to listen on (0: any free port). @defaultValue 8787 */
  port: z.number().int().min(0).max(65_535).default(DEFAULT_GATEWAY_CONFIG.port),
  /** Origin clients reach the gateway at, for signed image URLs. @defaultValue `http://<host>:<port>` */
  publicUrl: z.url({ protocol: /^https?$/ }).optional(),
  /** Gateway keys (hashed). Keys from `LLMKIT_GATEWAY_KEYS` and Redis are added to these. */
  keys: z.array(keyEntrySchema).default([]),
  /** Policy of keys from `LLMKIT_GATEWAY_KEYS` (which carry no policy of their own). */
  envKeyPolicy: policySchema.default({}),
  /** Shared state: keys, budgets and rate limits in Redis (`@llmkit/redis`). */
  redis: z
    .strictObject({
      url: z.string().regex(/^rediss?:\/\//, 'redis.url must start with redis:// or rediss://'),
      prefix: z.string().default('llmkit:'),
    })
    .optional(),
  limits: z
    .strictObject({
      bodyBytes: z.number().int().min(1024).default(DEFAULT_GATEWAY_CONFIG.bodyBytes),
      uploadBytes: z.number().int().min(1024).default(DEFAULT_GATEWAY_CONFIG.uploadBytes),
      promptChars: z.number().int().min(1).default(DEFAULT_GATEWAY_CONFIG.promptChars),
      maxImages: z.number().int().min(1).max(10).default(DEFAULT_GATEWAY_CONFIG.maxImages),
    })
    .default({
      bodyBytes: DEFAULT_GATEWAY_CONFIG.bodyBytes,
      uploadBytes: DEFAULT_GATEWAY_CONFIG.uploadBytes,
      promptChars: DEFAULT_GATEWAY_CONFIG.promptChars,
      maxImages: DEFAULT_GATEWAY_CONFIG.maxImages,
    }),
  timeouts: z
    .strictObject({
      requestMs: z.number().int().min(100).default(DEFAULT_GATEWAY_CONFIG.requestMs),
      headersMs: z.number().int().min(100).default(DEFAULT_GATEWAY_CONFIG.headersMs),
      keepAliveMs: z.number().int().min(100).default(DEFAULT_GATEWAY_CONFIG.keepAliveMs),
      generationMs: z.number().int().min(1000).default(DEFAULT_GATEWAY_CONFIG.generationMs),
      shutdownMs: z.number().int().min(0).default(DEFAULT_GATEWAY_CONFIG.shutdownMs),
    })
    .default({
      requestMs: DEFAULT_GATEWAY_CONFIG.requestMs,
      headersMs: DEFAULT_GATEWAY_CONFIG.headersMs,
      keepAliveMs: DEFAULT_GATEWAY_CONFIG.keepAliveMs,
      generationMs: DEFAULT_GATEWAY_CONFIG.generationMs,
      shutdownMs: DEFAULT_GATEWAY_CONFIG.shutdownMs,
    }),
  images: z
    .strictObject({
      ttlSeconds: z.number().int().min(1).default(DEFAULT_GATEWAY_CONFIG.imageTtlSeconds),
      storeBytes: z.number().int().min(1).default(DEFAULT_GATEWAY_CONFIG.imageStoreBytes),
    })
    .default({ ttlSeconds: DEFAULT_GATEWAY_CONFIG.imageTtlSeconds, storeBytes: DEFAULT_GATEWAY_CONFIG.imageStoreBytes }),
  /** Browser origins allowed to call the gateway (CORS). @defaultValue none: no CORS headers at all */
  corsOrigins: z.array(z.url()).default([]),
  /** Serve Prometheus metrics at `/metrics`. @defaultValue true */
  metrics: z.boolean().default(true),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default(DEFAULT_GATEWAY_CONFIG.logLevel),
  /**
   * When the budget store (Redis) fails: `false` refuses budgeted keys' calls (503), `true` lets
   * them through uncounted. A gateway serves callers it does not trust with money. @defaultValue false
   */
  budgetFailOpen: z.boolean().default(false),
  /** A model whose price is unknown under a key with a budget: refused (`error`) or let through uncounted (`allow`). @defaultValue 'error' */
  unknownPrice: z.enum(['error', 'allow']).default('error'),
})

/** The gateway's configuration, defaults filled in (see {@link gatewayConfigSchema}). */
export type GatewayConfig = z.output<typeof gatewayConfigSchema>
/** The configuration as written in the file: every field optional. */
export type GatewayConfigInput = z.input<typeof gatewayConfigSchema>
/** What one gateway key may do: models, rate limit, budget. */
export type KeyPolicy = z.output<typeof policySchema>

/** zod schema of one key's policy, as stored in Redis (with its `id`). */
export const redisKeyRecordSchema = policySchema.extend({ id: keyIdSchema })

/** The configuration is invalid; the message lists every problem with its path. */
export class GatewayConfigError extends Error {
  /** One line per problem, `path: message`. */
  readonly problems: readonly string[]

  constructor(source: string, problems: readonly string[]) {
    super(`Invalid gateway configuration (${source}):\n${problems.map((p) => `  - ${p}`).join('\n')}`)
    this.name = 'GatewayConfigError'
    this.problems = problems
  }
}

/**
 * Validates a configuration object and fills in defaults.
 * @throws GatewayConfigError listing every problem (path and message).
 */
export function parseGatewayConfig(input: unknown, source = 'config'): GatewayConfig {
  const parsed = gatewayConfigSchema.safeParse(input ?? {})
  if (parsed.success) return parsed.data
  throw new GatewayConfigError(
    source,
    parsed.error.issues.map((issue) => `${issue.path.length === 0 ? '(root)' : issue.path.join('.')}: ${issue.message}`),
  )
}

/**
 * Reads and validates a JSON config file.
 * @throws GatewayConfigError when the file cannot be read, is not JSON, or is invalid.
 */
export async function loadGatewayConfig(path: string): Promise<GatewayConfig> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    throw new GatewayConfigError(path, [`cannot read the file: ${(error as NodeJS.ErrnoException).code ?? String(error)}`])
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    throw new GatewayConfigError(path, [`not valid JSON: ${(error as Error).message}`])
  }
  return parseGatewayConfig(json, path)
}
