import { LLMKitError } from '../errors.js'
import { type Logger, silentLogger } from '../logger.js'
import type { Middleware } from './context.js'
import { checkOneOf } from '../option-checks.js'
import type { SecretRedactor } from '../redact.js'

/** Log levels, lowest first. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error'

const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error']

/** Logging defaults, written as data. */
export const DEFAULT_LOGGING_OPTIONS = Object.freeze({
  /** Level of {@link consoleLogger}: retries, warnings and failures only. */
  consoleLevel: 'warn' as LogLevel,
  /** Fields (lower-cased) whose value is always replaced, whatever it holds. */
  secretFields: Object.freeze(['apikey', 'api_key', 'key', 'authorization', 'token', 'password', 'secret', 'x-api-key', 'x-key']) as readonly string[],
})

/** Options of {@link logging}. */
export interface LoggingOptions {
  /** Where events go, beating the client's `logger`. @defaultValue the client's logger (silent unless given) */
  logger?: Logger | undefined
}

// Bearer tokens and the key shapes of the six providers (sk-..., r8_..., key-ish hex pairs).
const SECRET_PATTERNS: readonly RegExp[] = [/Bearer\s+[\w.~+/=-]+/gi, /\b(sk|rk|pk|r8|key)[-_][\w-]{8,}/g, /\b[0-9a-f]{8}-[0-9a-f-]{27,}:[0-9a-f]{16,}\b/gi]
const DATA_URL = /data:[\w.+-]+\/[\w.+-]+;base64,[A-Za-z0-9+/=]+/g

/**
 * Replaces data URLs, key-shaped strings and, given the client's redactor, every key the client
 * holds (by value: keys without a known prefix, keys echoed anywhere) in a text.
 */
export function redactText(text: string, secrets?: SecretRedactor): string {
  let out = secrets === undefined ? text : secrets.text(text)
  out = out.replace(DATA_URL, (m) => `${m.slice(0, m.indexOf(',') + 1)}<${m.length - m.indexOf(',') - 1} chars>`)
  for (const pattern of SECRET_PATTERNS) out = out.replace(pattern, '<redacted>')
  return out
}

/** A deep copy of a log object with secret fields, keys (by shape and, given a redactor, by value) and data URLs redacted. */
export function redactFields(value: unknown, depth = 0, secrets?: SecretRedactor): unknown {
  if (typeof value === 'string') return redactText(value, secrets)
  if (depth > 6 || value === null || typeof value !== 'object') return value
  if (Array.isArray(value)) return value.map((v) => redactFields(v, depth + 1, secrets))
  if (LLMKitError.isInstance(value)) return redactFields(value.toJSON(), depth + 1, secrets)
  if (value instanceof Error) return { name: value.name, message: redactText(value.message, secrets) }
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) {
    out[k] = DEFAULT_LOGGING_OPTIONS.secretFields.includes(k.toLowerCase()) ? '<redacted>' : redactFields(v, depth + 1, secrets)
  }
  return out
}

const REDACTOR = Symbol.for('llmkit.logRedactor')

/**
 * Wraps a logger so everything written through it is redacted ({@link redactFields}). Given the
 * client's redactor, keys are also redacted by value, and loggers derived from this one (the
 * `logging()` middleware's, even with its own target) find the redactor through it.
 */
export function redactingLogger(logger: Logger, secrets?: SecretRedactor): Logger {
  const wrap = (level: LogLevel) => (obj: Record<string, unknown>, msg?: string) =>
    logger[level](redactFields(obj, 0, secrets) as Record<string, unknown>, msg === undefined ? undefined : redactText(msg, secrets))
  const out: Logger = { debug: wrap('debug'), info: wrap('info'), warn: wrap('warn'), error: wrap('error') }
  if (secrets !== undefined) Object.defineProperty(out, REDACTOR, { value: secrets })
  return out
}

/** The key redactor a {@link redactingLogger} was made with (the client's), if any. */
export function redactorOf(logger: Logger): SecretRedactor | undefined {
  return (logger as unknown as Record<symbol, SecretRedactor | undefined>)[REDACTOR]
}

const SILENT = Symbol.for('llmkit.silentLogger')

/** Whether a logger discards everything (the client's wrapper of {@link silentLogger} says so). */
function isSilent(logger: Logger): boolean {
  return (logger as unknown as Record<symbol, boolean | undefined>)[SILENT] === true
}

/**
 * The client's logger: redacts keys by value (and by shape) in every event, whoever writes it
 * (middleware, providers, the job runner). The silent logger stays silent at no cost.
 */
export function clientLogger(logger: Logger, secrets: SecretRedactor): Logger {
  if (logger !== silentLogger) return redactingLogger(logger, secrets)
  const silent: Logger = { ...silentLogger }
  Object.defineProperty(silent, SILENT, { value: true })
  Object.defineProperty(silent, REDACTOR, { value: secrets })
  return silent
}

/**
 * A minimal console logger in pino's shape, one line per event at `level` and above.
 * @throws TypeError for an unknown level.
 */
export function consoleLogger(options: { level?: LogLevel | undefined } = {}): Logger {
  checkOneOf('level', options.level, LEVELS)
  const min = LEVELS.indexOf(options.level ?? DEFAULT_LOGGING_OPTIONS.consoleLevel)
  const write = (level: LogLevel) => (obj: Record<string, unknown>, msg?: string) => {
    if (LEVELS.indexOf(level) < min) return
    console[level](`[llmkit] ${level} ${msg ?? ''}`.trimEnd(), obj)
  }
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') }
}

/**
 * Structured events for each generation: `generation.start` (info), one `generation.warning`
 * (warn) per response warning, `generation.success` (info: duration, image count, usage) and
 * `generation.failure` (error: code, status, retryable). It also hands a redacting logger
 * down the pipeline, so retries, fallbacks, cache and split events, logged by the middleware
 * that knows about them, are redacted too (keys, bearer tokens, data URLs).
 *
 * @throws TypeError when `logger` lacks a level method.
 */
export function logging(options: LoggingOptions = {}): Middleware {
  if (options.logger !== undefined) {
    for (const level of LEVELS) {
      if (typeof options.logger[level] !== 'function') throw new TypeError(`Expected \`logger\` to have a ${level}() method (pino's shape).`)
    }
  }
  return async function loggingMiddleware(ctx, next) {
    const target = options.logger ?? ctx.logger
    // Nothing would be written: skip the redaction walk on every event (the default client is silent).
    if (target === silentLogger || isSilent(target)) return next()
    // The client's logger carries its key redactor (and redacts already): keys are redacted by
    // value here too, even when this middleware writes to a logger of its own.
    const logger = redactorOf(target) !== undefined ? target : redactingLogger(target, redactorOf(ctx.logger))
    const base = { provider: ctx.providerId, model: ctx.model.modelId }
    const started = ctx.clock.now()
    logger.info({ event: 'generation.start', ...base, n: ctx.request.n ?? 1, size: ctx.request.size, promptChars: ctx.request.prompt.length, ...(ctx.request.images === undefined ? {} : { inputImages: ctx.request.images.length, mask: ctx.request.mask !== undefined, operation: ctx.request.operation }) }, `${ctx.model.modelId}: generating`)
    try {
      const res = await next(ctx.derive({ logger }))
      const used = { provider: res.provider ?? ctx.providerId, model: res.model ?? ctx.model.modelId }
      for (const warning of res.warnings) logger.warn({ event: 'generation.warning', ...used, ...warning }, warning.message)
      logger.info(
        { event: 'generation.success', ...used, durationMs: ctx.clock.now() - started, images: res.count, warnings: res.warnings.length, usage: res.usage, cache: ctx.metadata['cache'] },
        `${used.model}: ${res.count} image(s) in ${ctx.clock.now() - started} ms`,
      )
      return res
    } catch (error) {
      const e = LLMKitError.isInstance(error) ? error : undefined
      logger.error(
        { event: 'generation.failure', ...base, durationMs: ctx.clock.now() - started, code: e?.code ?? 'UNKNOWN', status: e?.status, retryable: e?.retryable, error },
        `${ctx.model.modelId}: failed (${e?.code ?? String(error)})`,
      )
      throw error
    }
  }
}
