// The fuzz run: hostile requests generated with fast-check, each certainly invalid (at least one
// mutation that no model accepts), sent through plain objects and builder chains. Every one must
// fail with an llmkit error before any network request; a counting dispatcher shows whether one
// was made. The client uses `unsupported: 'error'`, so an unknown provider option is an error.
import fc from 'fast-check'
import { ImageGenerationRequest, LLMKitError } from 'llmkit'
import { COMBOS, boundedCall, errorTexts, findLeaks } from './harness.mjs'

const MODELS = [...new Set(COMBOS.map((c) => c.model))]
const thrower = (what) => () => {
  throw new Error(`hostile ${what}`)
}
/** Values built fresh per case (functions of nothing), named for the report. */
const HOSTILE_VALUES = {
  'toString throws': () => ({ toString: thrower('toString'), valueOf: thrower('valueOf') }),
  'Symbol.toPrimitive throws': () => ({ [Symbol.toPrimitive]: thrower('toPrimitive') }),
  'getter throws': () => Object.defineProperty({}, 'x', { get: thrower('getter'), enumerable: true }),
  'proxy throws': () => new Proxy({}, { get: thrower('proxy get'), ownKeys: thrower('proxy ownKeys'), getOwnPropertyDescriptor: thrower('proxy descriptor'), has: thrower('proxy has') }),
  BigInt: () => 10n,
  Symbol: () => Symbol('hostile'),
  function: () => () => 'x',
  circular: () => {
    const o = { a: 1 }
    o.self = o
    return o
  },
  'boxed string': () => new String('a lighthouse'),
  Date: () => new Date(0),
  NaN: () => NaN,
  Infinity: () => Infinity,
  null: () => null,
  array: () => ['a', 'b'],
  'null prototype': () => Object.create(null),
}
const hostile = fc.constantFrom(...Object.keys(HOSTILE_VALUES)).map((name) => ({ name, make: HOSTILE_VALUES[name] }))
const fixed = (name, value) => ({ name, make: () => value })
const oddString = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }), fc.constantFrom('\u0000', '\ud800', '💥'.repeat(10), '<script>', '../../etc/passwd', '%00', '\r\n\r\nHTTP/1.1 200 OK'))

/** Field mutations that make any request invalid; each is [field, value factory]. */
const mutation = fc.oneof(
  // The whole request.
  fc.tuple(fc.constant('$request'), fc.oneof(hostile, fc.constantFrom(fixed('undefined', undefined), fixed('number', 42), fixed('empty string', ''), fixed('model id string', 'dall-e-2'), fixed('true', true), fixed('empty object', {})))),
  fc.tuple(fc.constant('model'), fc.oneof(hostile, fc.constantFrom(fixed('empty', ''), fixed('blank', '   \t'), fixed('number', 3), fixed('huge', 'm'.repeat(100_000))), fc.string({ minLength: 1, maxLength: 30 }).map((s) => fixed('unknown id', `zz-nope/${s}`)))),
  fc.tuple(fc.constant('prompt'), fc.oneof(hostile, fc.constantFrom(fixed('empty', ''), fixed('blank', ' \n\t '), fixed('number', 7), fixed('huge (2 MB)', 'p'.repeat(2_000_001)), fixed('huge (2 MB of emoji)', '💥'.repeat(600_000)), fixed('object', { text: 'a cat' })))),
  fc.tuple(fc.constant('n'), fc.oneof(hostile, fc.constantFrom(...[0, -1, 1.5, 11, 1e9, -0.5, '2', true, {}].map((v) => fixed(`n=${JSON.stringify(v)}`, v))), fc.double().filter((d) => !(Number.isInteger(d) && d >= 1 && d <= 10)).map((d) => fixed('random double', d)))),
  fc.tuple(fc.constant('size'), fc.oneof(hostile, fc.constantFrom(...['abc', '0x0', '99999x99999', '1024x', '1024 x 1024', '-1x-1', 'NaNxNaN', 1024, {}].map((v) => fixed(`size=${JSON.stringify(v)}`, v))), oddString.filter((s) => !/^\d+x\d+$/.test(s) && !/^\d+:\d+$/.test(s)).map((s) => fixed('odd size string', s)))),
  fc.tuple(fc.constantFrom('quality', 'style', 'format'), fc.oneof(hostile, fc.constantFrom(...['ultra', 'URL', 5, '', {}].map((v) => fixed(JSON.stringify(v), v))))),
  fc.tuple(fc.constant('seed'), fc.oneof(hostile, fc.constantFrom(...[-1, 1.5, 2 ** 33, '5', -0.1].map((v) => fixed(`seed=${JSON.stringify(v)}`, v))))),
  fc.tuple(fc.constant('negative_prompt'), fc.oneof(hostile.filter((h) => h.name !== 'boxed string'), fc.constantFrom(fixed('number', 5), fixed('object', {})))),
  fc.tuple(fc.constant('$unknownKey'), fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'Model', 'PROMPT', 'num_images'), fc.string({ minLength: 1, maxLength: 20 }).filter((k) => !['model', 'prompt', 'n', 'size', 'quality', 'style', 'format', 'negative_prompt', 'seed', 'provider_options'].includes(k))).map((k) => fixed(`unknown key ${JSON.stringify(k)}`, k))),
  fc.tuple(fc.constant('provider_options'), fc.oneof(
    // Objects without string keys would be empty (valid) options: not hostile here.
    hostile.filter((h) => !['null prototype', 'Date', 'function', 'Symbol.toPrimitive throws'].includes(h.name)),
    fc.constantFrom('__proto__', 'constructor', 'zz_unknown_option', 'prototype').map((k) => ({ name: `option key ${k}`, make: () => Object.defineProperty({}, k, { value: { polluted: true }, enumerable: true, configurable: true, writable: true }) })),
    hostile.map((h) => ({ name: `unknown option holding ${h.name}`, make: () => ({ zz_hostile: h.make() }) })),
    fc.constant({ name: 'option getter throws', make: () => Object.defineProperty({}, 'seed', { get: thrower('option getter'), enumerable: true }) }),
  )),
)

/** One fuzz case: a model, a way in (plain object or builder chain), and 1 to 3 mutations. */
export const fuzzCase = fc.record({
  model: fc.constantFrom(...MODELS),
  via: fc.constantFrom('object', 'builder', 'from'),
  mutations: fc.array(mutation, { minLength: 1, maxLength: 3 }),
})

/** Builds the request of a case; a builder may throw here, which is part of the case. */
function build(c, i) {
  const init = { model: c.model, prompt: `fuzz ${i} a red fox in fresh snow` }
  let whole
  let hasWhole = false
  const extraKeys = []
  for (const [field, value] of c.mutations) {
    if (field === '$request') {
      whole = value.make()
      hasWhole = true
    } else if (field === '$unknownKey') extraKeys.push(value.make())
    else init[field] = value.make()
  }
  for (const key of extraKeys) Object.defineProperty(init, key, { value: 'x', enumerable: true, configurable: true, writable: true })
  if (hasWhole) return whole
  if (c.via === 'object') return init
  if (c.via === 'from') return ImageGenerationRequest.from(init)
  let req = new ImageGenerationRequest(init.model, init.prompt)
  const chain = { n: 'with_n', size: 'with_size', quality: 'with_quality', style: 'with_style', format: 'with_format', negative_prompt: 'with_negative_prompt', seed: 'with_seed', provider_options: 'with_provider_options' }
  for (const [field, method] of Object.entries(chain)) if (Object.hasOwn(init, field)) req = req[method](init[field])
  // A builder has no way to add unknown keys: those go through from().
  return extraKeys.length ? ImageGenerationRequest.from({ ...req.toJSON(), ...Object.fromEntries(extraKeys.map((k) => [k, 'x'])) }) : req
}

function describe(c) {
  return `${c.via} ${c.model}: ${c.mutations.map(([f, v]) => `${f}=${v.name}`).join(', ')}`
}

/** Runs `cases` fuzz cases; resolves to the fuzz figures. */
export async function fuzzRun({ client, counts, keys, cases, seed, deadlineMs }) {
  const samples = fc.sample(fuzzCase, { numRuns: cases, seed })
  const figures = { cases: 0, typed: 0, typedByClass: {}, untyped: 0, accepted: 0, hung: 0, networkRequests: 0, keyLeaks: 0, untypedByMutation: {}, networkByMutation: {}, examples: { untyped: [], network: [], hung: [] } }
  const before = counts.total
  for (let i = 0; i < samples.length; i++) {
    const c = samples[i]
    const sent = counts.total
    const result = await boundedCall(() => {
      const request = build(c, i)
      return client.generateImage(request)
    }, deadlineMs)
    figures.cases++
    const mutations = c.mutations.map(([f, v]) => `${f}=${v.name}`)
    if (result.outcome === 'typed') {
      figures.typed++
      figures.typedByClass[result.error.name] = (figures.typedByClass[result.error.name] ?? 0) + 1
      figures.keyLeaks += findLeaks(errorTexts(result.error), keys, 'a fuzz error').length
    } else if (result.outcome === 'untyped') {
      figures.untyped++
      for (const m of mutations) figures.untypedByMutation[m] = (figures.untypedByMutation[m] ?? 0) + 1
      if (figures.examples.untyped.length < 8) figures.examples.untyped.push(`${describe(c)} -> ${result.error?.constructor?.name}: ${String(result.error?.message ?? result.error).slice(0, 200)}`)
    } else if (result.outcome === 'success') figures.accepted++
    else {
      figures.hung++
      if (figures.examples.hung.length < 8) figures.examples.hung.push(describe(c))
    }
    if (counts.total > sent) {
      for (const m of mutations) figures.networkByMutation[m] = (figures.networkByMutation[m] ?? 0) + 1
      if (figures.examples.network.length < 8) figures.examples.network.push(`${describe(c)} -> ${result.outcome}${result.error ? ` ${result.error.name}` : ''}`)
    }
  }
  figures.networkRequests = counts.total - before
  // The '__proto__' and 'constructor' keys carried { polluted: true }: nothing may have reached a prototype.
  figures.prototypePolluted = ({}).polluted !== undefined || Object.hasOwn(Object.prototype, 'polluted')
  return figures
}

export { LLMKitError }
