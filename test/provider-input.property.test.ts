import { fal } from '@llmkit/provider-fal'
import { openai } from '@llmkit/provider-openai'
import { recraft } from '@llmkit/provider-recraft'
import { replicate } from '@llmkit/provider-replicate'
import { runway } from '@llmkit/provider-runway'
import { stability } from '@llmkit/provider-stability'
import fc from 'fast-check'
import { InvalidRequestError, LLMKitClient, LLMKitError, type ModelCapabilities, type ProviderOptionType } from 'llmkit'
import { type Dispatcher, MockAgent } from 'undici'
import { afterAll, describe, expect, it } from 'vitest'
import { png } from '../packages/core/src/inputs/__fixtures__/images.js'

/**
 * The six real capability tables and providers under hostile provider options and prompts
 * (issue 11): every failure is an llmkit error and a refused request never reaches the network.
 */

const plugins = [openai(), fal(), stability(), recraft(), runway(), replicate()]
const env = {
  OPENAI_API_KEY: 'sk-input-fuzz-0123456789',
  FAL_KEY: 'fal-input-fuzz-0123456789',
  STABILITY_API_KEY: 'sk-stab-input-fuzz-0123',
  RECRAFT_API_KEY: 'recraft-input-fuzz-0123',
  RUNWAYML_API_SECRET: 'key_input_fuzz_0123456789',
  REPLICATE_API_TOKEN: 'r8_input_fuzz_0123456789',
}
const BEFORE_NETWORK = new Set(['InvalidRequestError', 'UnsupportedCapabilityError', 'ModelNotFoundError', 'ProviderNotConfiguredError'])

// No interceptors and no real connections: whatever is dispatched is counted, then fails.
const mock = new MockAgent()
mock.disableNetConnect()
let dispatched = 0
const dispatcher = {
  dispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    dispatched++
    return mock.dispatch(opts, handler)
  },
} as unknown as Dispatcher
afterAll(() => mock.close())

const clients = {
  warn: new LLMKitClient({ providers: plugins, env, retry: false, transport: { dispatcher } }),
  error: new LLMKitClient({ providers: plugins, env, retry: false, transport: { dispatcher }, unsupported: 'error' }),
}

/** Rows reachable by id, plus one open model per open-ended provider. */
const rows: { model: string; caps: ModelCapabilities }[] = [
  ...plugins.flatMap((p) => p.models.map((caps) => ({ model: caps.id, caps }))),
  { model: 'fal:fal-ai/flux-pro/v1.1', caps: fal().openModel!('fal-ai/flux-pro/v1.1')! },
  { model: 'replicate:acme/painter', caps: replicate().openModel!('acme/painter')! },
]

/**
 * Inputs a row cannot run without (issue 13): an image where it takes no text-only request, and a
 * mask where every operation needs one, so the checks under test are reached.
 */
function inputsFor(caps: ModelCapabilities): Record<string, unknown> {
  const spec = caps.imageInputs
  if (spec?.textToImage !== false) return {}
  const image = png(64, 64)
  const maskOnly = Object.values(spec.operations).every((op) => op?.mask === 'required')
  return { images: [image], ...(maskOnly ? { mask: png(64, 64, { fill: 255 }) } : {}) }
}
const capsOf = (model: string): ModelCapabilities => rows.find((r) => r.model === model)!.caps

/** A value of some other JSON type than the one declared. */
const WRONG: Record<Exclude<ProviderOptionType, 'json'>, unknown> = { string: 123, integer: 1.5, number: '1', boolean: 'true', array: { a: 1 }, object: [1] }

async function call(client: LLMKitClient, request: unknown): Promise<{ error?: LLMKitError; dispatched: number }> {
  const before = dispatched
  try {
    await client.generateImage(request as never)
    return { dispatched: dispatched - before }
  } catch (error) {
    if (!LLMKitError.isInstance(error)) throw new Error(`untyped failure: ${String(error)}`, { cause: error })
    if (BEFORE_NETWORK.has(error.name) && dispatched !== before) throw new Error(`${error.name} after a network request: ${error.message}`)
    return { error, dispatched: dispatched - before }
  }
}

describe('provider input limits and option types, real tables', () => {
  it('declare a prompt limit and typed options on every row, open models included', () => {
    for (const { model, caps } of rows) {
      expect(caps.maxPromptLength, model).toBeGreaterThan(0)
      for (const type of Object.values(caps.providerOptions ?? {})) expect(['string', 'integer', 'number', 'boolean', 'array', 'object', 'json']).toContain(type)
    }
    const limit = (id: string) => rows.find((r) => r.model === id)?.caps.maxPromptLength
    expect([limit('dall-e-2'), limit('dall-e-3'), limit('gpt-image-1'), limit('stability-ai/sd3.5-large'), limit('recraft-v3'), limit('recraft-v4'), limit('gen4_image')]).toStrictEqual([
      1000, 4000, 32_000, 10_000, 1000, 10_000, 1000,
    ])
    expect([limit('fal-ai/flux/dev'), limit('black-forest-labs/flux-schnell'), limit('recraft-ai/recraft-v3'), limit('replicate:acme/painter')]).toStrictEqual([10_000, 10_000, 1000, 10_000])
  })

  it.each(rows.map((r) => [r.model, r.caps.maxPromptLength!] as const))('refuses a prompt one past the limit on %s (%i) before the network', async (model, max) => {
    // A row that needs an image (gen4_image_turbo since issue 13) gets one from inputsFor.
    const out = await call(clients.warn, { model, prompt: 'x'.repeat(max + 1), ...inputsFor(capsOf(model)) })
    expect(out.dispatched).toBe(0)
    expect(out.error).toBeInstanceOf(InvalidRequestError)
    expect(out.error).toMatchObject({ param: 'prompt', message: expect.stringContaining(`up to ${max} characters`) })
  })

  it('refuses a known option of the wrong type on every row, naming it, before the network', async () => {
    for (const { model, caps } of rows) {
      for (const [name, type] of Object.entries(caps.providerOptions ?? {})) {
        if (type === 'json') continue
        const out = await call(clients.warn, { model, prompt: 'p', provider_options: { [name]: WRONG[type] }, ...inputsFor(caps) })
        expect(out, `${model} ${name}`).toMatchObject({ dispatched: 0, error: { name: 'InvalidRequestError', param: `provider_options.${name}` } })
      }
    }
  })

  it('random provider options on random rows: typed failures only, none after a refusal reached the network', async () => {
    const jsonish = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constantFrom(Number.NaN, Infinity, 10n, 'x'.repeat(5000), '\uD800', '\u0000'))
    const arb = fc.constantFrom(...rows).chain(({ model, caps }) =>
      fc.tuple(
        fc.constant(model),
        fc.dictionary(fc.constantFrom(...Object.keys(caps.providerOptions ?? {}), 'unknown', '__proto__', 'constructor', 'prototype', 'num_outputs', 'prompt', 'n'), jsonish, { maxKeys: 4 }),
        fc.boolean(),
      ),
    )
    await fc.assert(
      fc.asyncProperty(arb, async ([model, raw, strict]) => {
        const provider_options: Record<string, unknown> = {}
        for (const [k, v] of Object.entries(raw)) Object.defineProperty(provider_options, k, { value: v, enumerable: true, writable: true, configurable: true })
        await call(strict ? clients.error : clients.warn, { model, prompt: 'p', provider_options })
      }),
      { numRuns: 300 },
    )
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined()
  })
})
