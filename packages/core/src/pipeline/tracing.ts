/**
 * OpenTelemetry spans through `@opentelemetry/api`, an optional peer dependency: it is imported
 * (dynamically) on the first traced call only, and nothing is loaded when tracing is off or the
 * package is absent. Attribute names follow the GenAI semantic conventions where they apply
 * (`gen_ai.*`); the rest are `llmkit.*`. One span per generation, with child spans per provider
 * attempt, job poll and image download. Prompts are recorded only when the caller opts in; keys
 * and image data never.
 */
import type { ImageGenerationResponse } from '../response.js'
import type { GenerationContext, Middleware } from './context.js'

/** An attribute value as OpenTelemetry takes it. */
export type TraceAttributeValue = string | number | boolean

/** The part of an OpenTelemetry `Span` llmkit uses (structurally `@opentelemetry/api`'s). */
export interface TraceSpan {
  setAttribute(key: string, value: TraceAttributeValue): unknown
  setStatus(status: { code: number; message?: string }): unknown
  addEvent(name: string, attributes?: Record<string, TraceAttributeValue>): unknown
  end(): void
}

/** The part of an OpenTelemetry `Tracer` llmkit uses. */
export interface TraceTracer {
  startSpan(name: string, options?: { kind?: number; attributes?: Record<string, TraceAttributeValue> }, context?: unknown): TraceSpan
}

/** The part of `@opentelemetry/api` llmkit uses. @internal */
export interface OtelApi {
  trace: { getTracer(name: string, version?: string): TraceTracer; setSpan(context: unknown, span: TraceSpan): unknown }
  context: { active(): unknown }
}

/** Options of {@link tracing} (the client's `tracing` option). */
export interface TracingOptions {
  /** The tracer to use. @defaultValue `trace.getTracer('llmkit')` of the registered provider */
  tracer?: TraceTracer | undefined
  /**
   * Record the prompt and negative prompt (`gen_ai.input.messages`). Off by default: prompts may
   * hold personal data. @defaultValue false
   */
  recordPrompts?: boolean | undefined
}

// https://opentelemetry.io/docs/specs/otel/trace/api/#set-status and #spankind
const STATUS_OK = 1
const STATUS_ERROR = 2
const KIND_INTERNAL = 0
const KIND_CLIENT = 2

/** Child spans of the current generation (or attempt): what the pipeline's hooks call. */
export interface TraceHooks {
  /** Runs `fn` inside a child span named `name`; `fn` gets the hooks of that span, for its own children. */
  span<T>(name: string, attributes: Record<string, TraceAttributeValue | undefined>, fn: (hooks: TraceHooks) => Promise<T>): Promise<T>
}

/** The key under which the tracing middleware keeps its hooks in `ctx.metadata`. */
const METADATA_KEY = 'tracing'
/** Hooks of the attempt a context belongs to (contexts are per attempt; metadata is per generation). */
const attemptHooks = new WeakMap<GenerationContext, TraceHooks>()

/** The hooks of `ctx`'s attempt, else of its generation; undefined when it is not traced. */
export function traceHooksOf(ctx: GenerationContext): TraceHooks | undefined {
  return attemptHooks.get(ctx) ?? (ctx.metadata[METADATA_KEY] as TraceHooks | undefined)
}

/** Runs `fn` in a child span of `ctx`'s generation when it is traced, else just runs it. */
export function withChildSpan<T>(ctx: GenerationContext, name: string, attributes: Record<string, TraceAttributeValue | undefined>, fn: () => Promise<T>): Promise<T> {
  const hooks = traceHooksOf(ctx)
  return hooks === undefined ? fn() : hooks.span(name, attributes, () => fn())
}

/**
 * Wraps the pipeline's terminal (one call per provider attempt) in an `llmkit.attempt` span; job
 * polls inside it become its children. A no-op when the generation is not traced.
 */
export function tracedAttempts(terminal: (ctx: GenerationContext) => Promise<ImageGenerationResponse>): (ctx: GenerationContext) => Promise<ImageGenerationResponse> {
  return (ctx) => {
    const hooks = ctx.metadata[METADATA_KEY] as TraceHooks | undefined
    if (hooks === undefined) return terminal(ctx)
    return hooks.span('llmkit.attempt', { 'llmkit.attempt': ctx.attempt, 'llmkit.part': ctx.part, 'gen_ai.request.model': ctx.model.modelId, 'gen_ai.provider.name': ctx.providerId }, (own) => {
      attemptHooks.set(ctx, own)
      return terminal(ctx)
    })
  }
}

let apiLoading: Promise<OtelApi | undefined> | undefined

/** `@opentelemetry/api`, imported once; undefined when it is not installed. */
function loadOtelApi(): Promise<OtelApi | undefined> {
  // A variable specifier: bundlers leave the optional package out instead of failing on it.
  const specifier = '@opentelemetry/api'
  apiLoading ??= (import(specifier) as Promise<OtelApi>).catch(() => undefined)
  return apiLoading
}

function clean(attributes: Record<string, TraceAttributeValue | undefined>): Record<string, TraceAttributeValue> {
  const out: Record<string, TraceAttributeValue> = {}
  for (const [key, value] of Object.entries(attributes)) if (value !== undefined) out[key] = value
  return out
}

/** Error code and message: llmkit's messages never hold keys (they are redacted at the source). */
function markError(span: TraceSpan, error: unknown): void {
  const code = (error as { code?: unknown } | null)?.code
  span.setAttribute('error.type', typeof code === 'string' ? code : error instanceof Error ? error.name : 'Error')
  span.setAttribute('llmkit.outcome', 'error')
  span.setStatus({ code: STATUS_ERROR, message: error instanceof Error ? error.message : String(error) })
}

function requestAttributes(ctx: GenerationContext, recordPrompts: boolean): Record<string, TraceAttributeValue | undefined> {
  const req = ctx.request
  const prompt =
    recordPrompts && req.prompt !== ''
      ? JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: req.prompt }, ...(req.negative_prompt ? [{ type: 'text', content: `negative: ${req.negative_prompt}` }] : [])] }])
      : undefined
  return {
    'gen_ai.operation.name': 'generate_content',
    'gen_ai.output.type': 'image',
    'gen_ai.provider.name': ctx.providerId,
    'gen_ai.request.model': req.model,
    'gen_ai.request.choice.count': req.n ?? 1,
    'gen_ai.request.seed': req.seed,
    'llmkit.request.size': req.size,
    'llmkit.request.aspect_ratio': req.aspect_ratio,
    'llmkit.request.quality': req.quality,
    'gen_ai.input.messages': prompt,
  }
}

function responseAttributes(res: ImageGenerationResponse): Record<string, TraceAttributeValue | undefined> {
  return {
    'gen_ai.response.model': res.model,
    'gen_ai.response.id': res.requestIds[0],
    'gen_ai.usage.input_tokens': res.usage?.inputTokens,
    'gen_ai.usage.output_tokens': res.usage?.outputTokens,
    'llmkit.images.count': res.count,
    'llmkit.attempts': res.attempts,
    'llmkit.cached': res.cached,
    'llmkit.cost.usd': res.cost?.usd,
    'llmkit.cost.estimated': res.cost?.estimated,
    'llmkit.warnings': res.warnings.length,
    'llmkit.outcome': 'success',
  }
}

/**
 * The tracing middleware (the client's `tracing` option puts it outermost): one span per
 * generation, `generate_content <model>`, and hooks for the attempt, poll and download spans.
 *
 * @example
 * ```ts
 * const client = new LLMKitClient({ tracing: { recordPrompts: false } }) // spans go to the registered OpenTelemetry provider
 * ```
 */
export function tracing(options: TracingOptions = {}): Middleware {
  const recordPrompts = options.recordPrompts === true
  return async (ctx, next) => {
    const api = await loadOtelApi()
    const tracer = options.tracer ?? api?.trace.getTracer('llmkit')
    if (tracer === undefined) return next()
    const parent = api?.context.active()
    const span = tracer.startSpan(`generate_content ${ctx.request.model}`, { kind: KIND_CLIENT, attributes: clean(requestAttributes(ctx, recordPrompts)) }, parent)
    const hooksUnder = (owner: TraceSpan): TraceHooks => ({
      async span(name, attributes, fn) {
        const within = api === undefined ? undefined : api.trace.setSpan(parent, owner)
        const child = tracer.startSpan(name, { kind: KIND_INTERNAL, attributes: clean(attributes) }, within)
        try {
          const result = await fn(hooksUnder(child))
          child.setStatus({ code: STATUS_OK })
          return result
        } catch (error) {
          markError(child, error)
          throw error
        } finally {
          child.end()
        }
      },
    })
    ctx.metadata[METADATA_KEY] = hooksUnder(span)
    try {
      const res = await next()
      for (const [key, value] of Object.entries(clean(responseAttributes(res)))) span.setAttribute(key, value)
      span.setStatus({ code: STATUS_OK })
      return res
    } catch (error) {
      markError(span, error)
      throw error
    } finally {
      span.end()
    }
  }
}
