import fc from 'fast-check'
import { type Dispatcher, MockAgent } from 'undici'
import { afterAll, describe, expect, it } from 'vitest'
import { LLMKitClient } from './client.js'
import { InvalidRequestError, LLMKitError, UnsupportedCapabilityError } from './errors.js'
import type { ModelCapabilities } from './registry/capabilities.js'
import type { NormalizedRequest, ProviderPlugin } from './registry/plugin.js'
import { ImageFormat, ImageGenerationRequest, ImageQuality, ImageStyle } from './request.js'

/**
 * Property-based checks of the caller-facing entry points (issue 11): whatever a caller passes,
 * every failure is an llmkit error, and a request the core rejects never reaches the network.
 */

const ORIGIN = 'https://fuzz.test'
const KEY = 'fuzz-key-0123456789'

/** Errors that mean "the caller's input was refused before any call". */
const BEFORE_NETWORK = new Set(['InvalidRequestError', 'UnsupportedCapabilityError', 'ModelNotFoundError', 'ProviderNotConfiguredError'])

const base = {
  mode: 'sync',
  maxImagesPerCall: 4,
  qualities: ['standard', 'hd'],
  styles: ['vivid'],
  negativePrompt: true,
  seed: { min: 0, max: 2_147_483_647 },
  formats: ['url'],
  maxPromptLength: 1000,
} as const

/** One row per size kind, with typed provider options of every type. */
const models: ModelCapabilities[] = [
  {
    ...base,
    id: 'typed',
    wireId: 'typed',
    sizes: { kind: 'list', values: ['1024x1024', '1792x1024'] },
    providerOptions: { style_name: 'string', steps: 'integer', guidance: 'number', safe: 'boolean', refs: 'array', controls: 'object', extra: 'json' },
  },
  { ...base, id: 'aspect', wireId: 'aspect', sizes: { kind: 'aspect', values: ['1:1', '16:9'] }, seed: null, negativePrompt: false },
  { ...base, id: 'range', wireId: 'range', sizes: { kind: 'range', minWidth: 256, maxWidth: 2048, minHeight: 256, maxHeight: 2048, step: 16 }, maxPromptLength: 32_000 },
]
const KNOWN_OPTIONS = Object.keys(models[0]!.providerOptions!)

/** A provider that sends every call through the core's HTTP to {@link ORIGIN}. */
const seen: NormalizedRequest[] = []
const plugin: ProviderPlugin = {
  id: 'fuzz',
  envKeys: ['FUZZ_API_KEY'],
  defaultBaseUrl: ORIGIN,
  models,
  create: (ctx) => ({
    generate: async (req) => {
      seen.push(req)
      await ctx.http.request({ method: 'POST', path: '/generate', model: req.modelId, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ prompt: req.prompt, ...req.providerOptions }) })
      return { images: [] }
    },
  }),
}

/** Every dispatch is counted; the mock answers 500 (a ProviderError, no retry). */
const mock = new MockAgent()
mock.disableNetConnect()
mock.get(ORIGIN).intercept({ path: () => true, method: () => true }).reply(500, { error: 'fuzz' }).persist()
let dispatched = 0
const dispatcher = {
  dispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    dispatched++
    return mock.dispatch(opts, handler)
  },
} as unknown as Dispatcher
afterAll(() => mock.close())

const clients = {
  warn: new LLMKitClient({ providers: [plugin], env: { FUZZ_API_KEY: KEY }, retry: false, transport: { dispatcher } }),
  error: new LLMKitClient({ providers: [plugin], env: { FUZZ_API_KEY: KEY }, retry: false, transport: { dispatcher }, unsupported: 'error' }),
}

// ---- hostile values -------------------------------------------------------------------------

const TWO_MB = 'a'.repeat(2 * 1024 * 1024)
const throwing = () => {
  throw new Error('hostile')
}
const hostileObjects = (): unknown[] => {
  const circular: Record<string, unknown> = { a: 1 }
  circular['self'] = circular
  const revocable = Proxy.revocable({}, {})
  revocable.revoke()
  return [
    { toString: throwing, valueOf: throwing, toJSON: throwing, [Symbol.toPrimitive]: throwing },
    Object.defineProperty({}, 'model', { get: throwing, enumerable: true }),
    Object.defineProperty({ model: 'typed', prompt: 'p' }, 'provider_options', { get: throwing, enumerable: true }),
    new Proxy({}, { get: throwing, ownKeys: throwing, getOwnPropertyDescriptor: throwing, has: throwing, getPrototypeOf: throwing }),
    new Proxy({ model: 'typed', prompt: 'p' }, { get: throwing }),
    revocable.proxy,
    circular,
    Object.create(null),
    JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}, "prototype": 1}') as unknown,
    new Date(0),
    new Map([['a', 1]]),
    Buffer.from('x'),
    [1, 2, 3],
    [],
    Object.assign(Object.create({ model: 'typed', prompt: 'inherited' }) as object, {}),
    { toJSON: () => null },
    { toJSON: () => 'x' },
    { toJSON: throwing },
  ]
}

/** Stands for `hostileObjects()[index]` until {@link materialize} builds it. */
class HostileRecipe {
  constructor(readonly index: number) {}
}

/** The generated value with every recipe replaced by its hostile object. */
function materialize(value: unknown): unknown {
  if (value instanceof HostileRecipe) return hostileObjects()[value.index]
  if (Array.isArray(value)) return value.map(materialize)
  if (value === null || typeof value !== 'object') return value
  const proto: unknown = Object.getPrototypeOf(value)
  if (proto !== Object.prototype && proto !== null) return value
  const out = Object.create(proto) as Record<string, unknown>
  for (const key of Object.keys(value)) Object.defineProperty(out, key, { value: materialize((value as Record<string, unknown>)[key]), enumerable: true, writable: true, configurable: true })
  return out
}

const oddStrings = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 50 }),
  fc.constantFrom('', ' ', '\u0000', 'a\u0000b', '\uD800', 'x\uDC00y', '\uDBFF\uDFFF', '💥'.slice(0, 1), 'NaN', '1e3x5', '1024X1024', ' 1024x1024', '0x0', '99999x1', '٣x٣', '__proto__', 'constructor', 'toString', TWO_MB, `${TWO_MB}\uD800`),
)

const oddNumbers = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constantFrom(Number.NaN, Infinity, -Infinity, -0, -1, 0, 1.5, 2 ** 53, Number.MAX_VALUE, Number.MIN_VALUE, 4_294_967_296),
)

const hostile: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, undefined, true, false, Symbol('s'), () => 1, 10n, -(2n ** 70n)),
  fc.bigInt(),
  oddStrings,
  oddNumbers,
  // fast-check probes every value it generates, so hostile objects travel as a recipe and are
  // built fresh (see materialize) right before the call under test.
  fc.integer({ min: 0, max: hostileObjects().length - 1 }).map((i) => new HostileRecipe(i)),
  fc.object({ maxDepth: 2 }),
  fc.anything({ maxDepth: 2, withBigInt: true, withNullPrototype: true, withMap: true, withDate: true, withTypedArray: true }),
)

const valid = {
  model: fc.constantFrom('typed', 'aspect', 'range', 'fuzz:typed', ' typed ', 'nope', 'fuzz:nope', 'openai:dall-e-3'),
  prompt: fc.oneof(fc.string({ minLength: 1, maxLength: 40 }), fc.constantFrom('A cat', TWO_MB)),
  n: fc.integer({ min: 1, max: 10 }),
  size: fc.constantFrom('1024x1024', '1792x1024', '512x512', '4000x100'),
  quality: fc.constantFrom(...Object.values(ImageQuality)),
  style: fc.constantFrom(...Object.values(ImageStyle)),
  format: fc.constantFrom(...Object.values(ImageFormat)),
  negative_prompt: fc.string({ maxLength: 20 }),
  seed: fc.integer({ min: 0, max: 4_294_967_295 }),
  provider_options: fc.dictionary(fc.constantFrom(...KNOWN_OPTIONS, 'unknown', '__proto__', 'constructor', 'prototype', 'toString'), fc.jsonValue({ maxDepth: 2 })),
} as const
type Field = keyof typeof valid
const FIELDS = Object.keys(valid) as Field[]

/** A plain-object request whose fields are valid, hostile or absent, plus odd extra keys. */
const plainRequest: fc.Arbitrary<unknown> = fc
  .record(
    Object.fromEntries(FIELDS.map((f) => [f, fc.oneof({ weight: 3, arbitrary: valid[f] as fc.Arbitrary<unknown> }, { weight: 1, arbitrary: hostile })])) as Record<Field, fc.Arbitrary<unknown>>,
    { requiredKeys: [] },
  )
  .chain((init) => fc.oneof({ weight: 4, arbitrary: fc.constant(init) }, { weight: 1, arbitrary: fc.dictionary(fc.constantFrom('colour', '__proto__', 'constructor', 'prototype', ''), hostile).map((extra) => withOwn(init, extra)) }))

/** Adds keys as own data properties (a `__proto__` key must not change the prototype). */
function withOwn(target: Record<string, unknown>, extra: Record<string, unknown>): Record<string, unknown> {
  const out = { ...target }
  for (const [k, v] of Object.entries(extra)) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true })
  return out
}

/** A builder chain: each step a `with_*` call with a valid or hostile argument. */
const BUILDERS = ['with_n', 'with_size', 'with_quality', 'with_style', 'with_format', 'with_negative_prompt', 'with_seed', 'with_provider_options'] as const
const FIELD_OF: Record<(typeof BUILDERS)[number], Field> = {
  with_n: 'n',
  with_size: 'size',
  with_quality: 'quality',
  with_style: 'style',
  with_format: 'format',
  with_negative_prompt: 'negative_prompt',
  with_seed: 'seed',
  with_provider_options: 'provider_options',
}
const builderChain = fc.tuple(
  fc.oneof(valid.model, hostile),
  fc.oneof(valid.prompt, hostile),
  fc.array(
    fc.constantFrom(...BUILDERS).chain((name) => fc.tuple(fc.constant(name), fc.oneof({ weight: 2, arbitrary: valid[FIELD_OF[name]] as fc.Arbitrary<unknown> }, { weight: 1, arbitrary: hostile }))),
    { maxLength: 8 },
  ),
)

/** Runs a builder chain; returns the request or the error thrown. */
function build([model, prompt, steps]: [unknown, unknown, (readonly [(typeof BUILDERS)[number], unknown])[]]): ImageGenerationRequest | { error: unknown } {
  try {
    let req = new ImageGenerationRequest(materialize(model) as string, materialize(prompt) as string)
    for (const [name, arg] of steps) req = (req[name] as (a: unknown) => ImageGenerationRequest)(materialize(arg))
    return req
  } catch (error) {
    return { error }
  }
}

function expectLLMKitError(error: unknown): void {
  if (!LLMKitError.isInstance(error)) throw new Error(`untyped failure: ${describeError(error)}`)
}

function describeError(error: unknown): string {
  try {
    return error instanceof Error ? `${error.name}: ${error.message}` : String(error)
  } catch {
    return 'unprintable'
  }
}

/** Calls the client and checks the invariant: typed failures, and none before the network that dispatched. */
async function generate(client: LLMKitClient, request: unknown): Promise<{ error?: LLMKitError; dispatched: number }> {
  const before = dispatched
  try {
    await client.generateImage(request as ImageGenerationRequest)
    return { dispatched: dispatched - before }
  } catch (error) {
    expectLLMKitError(error)
    const e = error as LLMKitError
    if (BEFORE_NETWORK.has(e.name) && dispatched !== before) throw new Error(`${e.name} after ${dispatched - before} network request(s): ${e.message}`)
    return { error: e, dispatched: dispatched - before }
  }
}

const RUNS = { numRuns: 1000 }

describe('request entry points under hostile input', () => {
  it('ImageGenerationRequest.from either builds a request or throws an llmkit error, for any value', () => {
    fc.assert(
      fc.property(fc.oneof(hostile, plainRequest), (init) => {
        try {
          ImageGenerationRequest.from(materialize(init) as never)
        } catch (error) {
          expectLLMKitError(error)
        }
      }),
      RUNS,
    )
  })

  it('builder chains either build a request or throw an llmkit error', () => {
    fc.assert(
      fc.property(builderChain, (chain) => {
        const out = build(chain)
        if ('error' in out) expectLLMKitError(out.error)
        else expect(Object.isFrozen(out)).toBe(true)
      }),
      RUNS,
    )
  })

  it('client.generateImage: every failure is typed and a refused request makes no network call', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(hostile, plainRequest, builderChain.map(build)), fc.boolean(), async (request, strict) => {
        const out = await generate(strict ? clients.error : clients.warn, materialize(request))
        expect(out.dispatched).toBeLessThanOrEqual(10)
      }),
      { numRuns: 1500 },
    )
  })

  it('provider options: unknown names follow the policy, wrong types name the option, nothing unsafe is sent', async () => {
    const options = fc.dictionary(fc.constantFrom(...KNOWN_OPTIONS, 'unknown', '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'), fc.oneof(fc.jsonValue({ maxDepth: 2 }), hostile), {
      maxKeys: 4,
    })
    await fc.assert(
      fc.asyncProperty(options, fc.boolean(), async (raw, strict) => {
        const provider_options = materialize(withOwn({}, raw))
        seen.length = 0
        const out = await generate(strict ? clients.error : clients.warn, { model: 'typed', prompt: 'p', provider_options })
        if (out.error === undefined || !BEFORE_NETWORK.has(out.error.name)) {
          // It was sent: only known names, as plain data, in a plain object.
          const sent = seen[0]!.providerOptions
          expect(Object.getPrototypeOf(sent)).toBe(Object.prototype)
          for (const key of Object.keys(sent)) expect(KNOWN_OPTIONS).toContain(key)
          expect(JSON.stringify(JSON.parse(JSON.stringify(sent)))).toBe(JSON.stringify(sent))
        } else if (out.error instanceof UnsupportedCapabilityError || out.error instanceof InvalidRequestError) {
          expect(out.error.param).toMatch(/^provider_options(\.|$)/)
        }
      }),
      { numRuns: 1000 },
    )
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined()
  })
})

describe('request checks named by the issue', () => {
  it.each([
    ['null options', null, 'options'],
    ['a string as options', 'fast', 'options'],
    ['a signal that is not one', { signal: 'stop' }, 'signal'],
    ['an onProgress that is not a function', { onProgress: 1 }, 'onProgress'],
    ['jobTimeoutMs NaN', { jobTimeoutMs: Number.NaN }, 'jobTimeoutMs'],
    ['jobTimeoutMs -1', { jobTimeoutMs: -1 }, 'jobTimeoutMs'],
    ['options whose getter throws', Object.defineProperty({}, 'signal', { get: throwing, enumerable: true }), 'options'],
  ])('rejects %s with InvalidRequestError before the network', async (_name, options, param) => {
    const before = dispatched
    await expect(clients.warn.generateImage({ model: 'typed', prompt: 'p' }, options as never)).rejects.toMatchObject({ name: 'InvalidRequestError', param })
    expect(dispatched).toBe(before)
  })

  it('takes per-call options of any shape as typed errors (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(hostile, fc.record({ signal: hostile, onProgress: hostile, jobTimeoutMs: oddNumbers }, { requiredKeys: [] })), async (options) => {
        const before = dispatched
        const error = await clients.warn.generateImage({ model: 'typed', prompt: 'p', size: 'x' } as never, materialize(options) as never).catch((e: unknown) => e)
        expectLLMKitError(error)
        expect(dispatched).toBe(before)
      }),
      { numRuns: 300 },
    )
  })

  it.each([
    ['null', null],
    ['undefined', undefined],
    ['a string', 'dall-e-3'],
    ['an object whose toJSON throws', { toJSON: throwing }],
    ['a Proxy whose traps throw', new Proxy({}, { get: throwing, ownKeys: throwing })],
    ['a getter that throws', Object.defineProperty({ prompt: 'p' }, 'model', { get: throwing, enumerable: true })],
  ])('rejects %s as the request with InvalidRequestError before the network', async (_name, request) => {
    const out = await generate(clients.warn, request)
    expect(out).toMatchObject({ error: expect.any(InvalidRequestError), dispatched: 0 })
  })

  it.each([
    ['BigInt', { steps: 10n }, 'provider_options.steps'],
    ['circular', (() => {
      const c: Record<string, unknown> = {}
      c['c'] = c
      return { controls: c }
    })(), 'provider_options.controls.c'],
    ['a function', { extra: () => 1 }, 'provider_options.extra'],
    ['a symbol', { extra: Symbol('s') }, 'provider_options.extra'],
    ['NaN', { guidance: Number.NaN }, 'provider_options.guidance'],
    ['a Date', { extra: new Date(0) }, 'provider_options.extra'],
    ['a throwing getter', Object.defineProperty({}, 'steps', { get: throwing, enumerable: true }), 'provider_options'],
  ])('rejects a provider option holding %s as not JSON, before the network', async (_name, provider_options, param) => {
    const out = await generate(clients.warn, { model: 'typed', prompt: 'p', provider_options })
    expect(out).toMatchObject({ error: { name: 'InvalidRequestError', param }, dispatched: 0 })
    expect(() => new ImageGenerationRequest('typed', 'p').with_provider_options(provider_options as Record<string, unknown>)).toThrow(InvalidRequestError)
  })

  it.each([
    ['steps', 'ten', 'a whole number'],
    ['steps', 1.5, 'a whole number'],
    ['guidance', '3.5', 'a number'],
    ['safe', 'yes', 'true or false'],
    ['refs', { uri: 'x' }, 'an array'],
    ['controls', [1], 'an object'],
    ['style_name', 7, 'a string'],
  ])('rejects provider option %s = %j with InvalidRequestError naming it', async (name, value, expected) => {
    const out = await generate(clients.warn, { model: 'typed', prompt: 'p', provider_options: { [name]: value } })
    expect(out.dispatched).toBe(0)
    expect(out.error).toBeInstanceOf(InvalidRequestError)
    expect(out.error).toMatchObject({ param: `provider_options.${name}`, message: expect.stringContaining(`must be ${expected}`) })
  })

  it('drops an unknown provider option with a warning, or throws UnsupportedCapabilityError under policy error', async () => {
    const warned = await clients.warn.generateImage({ model: 'typed', prompt: 'p', provider_options: { nope: 1, steps: 4 } }).catch((e: unknown) => e)
    // The mock answers 500, so the call fails after the network; what was sent is what matters.
    expect(warned).toMatchObject({ name: 'ProviderError' })
    expect(seen.at(-1)?.providerOptions).toStrictEqual({ steps: 4 })
    const before = dispatched
    await expect(clients.error.generateImage({ model: 'typed', prompt: 'p', provider_options: { nope: 1 } })).rejects.toMatchObject({
      name: 'UnsupportedCapabilityError',
      param: 'provider_options.nope',
    })
    expect(dispatched).toBe(before)
  })

  it.each([
    ['a 2 MB prompt', { prompt: TWO_MB }, 'prompt', /up to 1000 characters \(maxPromptLength\)/],
    ['a 2 MB negative prompt', { prompt: 'p', negative_prompt: TWO_MB }, 'negative_prompt', /up to 1000 characters/],
    ['a lone surrogate', { prompt: 'a\uD83Db' }, 'prompt', /well-formed Unicode/],
    ['a NUL byte', { prompt: 'a\u0000b' }, 'prompt', /NUL/],
    ['n NaN', { prompt: 'p', n: Number.NaN }, 'n', /./],
    ['n Infinity', { prompt: 'p', n: Infinity }, 'n', /./],
    ['n -1', { prompt: 'p', n: -1 }, 'n', /at least 1/],
    ['n 2.5', { prompt: 'p', n: 2.5 }, 'n', /whole number/],
    ['seed -1', { prompt: 'p', seed: -1 }, 'seed', /0 or more/],
    ['seed 1.5', { prompt: 'p', seed: 1.5 }, 'seed', /whole number/],
    ['seed NaN', { prompt: 'p', seed: Number.NaN }, 'seed', /./],
    ['size 0x0', { prompt: 'p', size: '0x0' }, 'size', /WxH/],
    ['a 600-character model id', { prompt: 'p', model: 'm'.repeat(600) }, 'model', /at most 512/],
    ['a __proto__ field', { prompt: 'p', ...JSON.parse('{"__proto__": {"n": 3}}') }, '__proto__', /unknown field/],
  ])('rejects %s with InvalidRequestError naming the field, before the network', async (_name, init, param, message) => {
    const out = await generate(clients.warn, { model: 'typed', ...init })
    expect(out.dispatched).toBe(0)
    expect(out.error).toBeInstanceOf(InvalidRequestError)
    expect(out.error).toMatchObject({ param, message: expect.stringMatching(message) })
  })

  it('keeps a __proto__ key inside an option value as data, never as a prototype', () => {
    const req = ImageGenerationRequest.from({ model: 'typed', prompt: 'p', provider_options: JSON.parse('{"controls": {"__proto__": {"polluted": 1}}}') as Record<string, unknown> })
    const controls = req.provider_options!['controls'] as Record<string, unknown>
    expect(Object.getPrototypeOf(controls)).toBe(Object.prototype)
    expect(Object.keys(controls)).toStrictEqual(['__proto__'])
    expect(controls['polluted']).toBeUndefined()
  })
})
