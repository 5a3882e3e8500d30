import { fromOpenApi30, vendoredSchema } from '@llmkit/emulator'
import { Ajv, type AnySchema, type ErrorObject, type ValidateFunction } from 'ajv'
import addFormatsModule from 'ajv-formats'
import type { ModelCapabilities } from 'llmkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type CapturedBody, captureBodies, plugins, requestsFor, startCapture, stopCapture } from './capture.js'

/**
 * Issue 12: every body the six providers send for every capability row validates against the
 * provider's own published request schema, vendored with its source and date under
 * packages/emulator/src/schemas (the emulator checks incoming bodies against the same files;
 * refresh with scripts/refresh-schemas.mjs). A failure names the row, the request, the path
 * in the body and the rule it broke.
 */

type Schema = Record<string, unknown> & { definitions: Record<string, AnySchema> }
const schema = (name: 'openai' | 'fal' | 'stability' | 'recraft' | 'runway' | 'replicate'): Schema => vendoredSchema(name) as Schema

// OpenAPI 3.0 and the vendors' extensions (nullable, example, x-*) stay as published: not strict.
const ajv = new Ajv({ strict: false, allErrors: true })
// Multipart fields are text on the wire; the service parses numbers out of them, so does this one.
const formAjv = new Ajv({ strict: false, allErrors: true, coerceTypes: true })
const addFormats = addFormatsModule as unknown as (a: Ajv) => Ajv
addFormats(ajv)
addFormats(formAjv)

const schemas = { openai: fromOpenApi30(schema('openai')) as Schema, fal: schema('fal'), stability: schema('stability'), recraft: schema('recraft'), runway: schema('runway'), replicate: schema('replicate') }
for (const [name, s] of Object.entries(schemas)) ajv.addSchema(s as AnySchema, name)
formAjv.addSchema(schemas.stability as AnySchema, 'stability')

const compiled = new Map<string, ValidateFunction>()
function validator(ref: string, extra: Record<string, unknown> = {}, form = false): ValidateFunction {
  const key = `${form} ${ref} ${JSON.stringify(extra)}`
  let v = compiled.get(key)
  if (!v) compiled.set(key, (v = (form ? formAjv : ajv).compile({ allOf: [{ $ref: ref }], ...extra })))
  return v
}

/** OpenAI answers an unknown argument with 400 "Unrecognized request argument": its object is closed. */
const openaiProperties = Object.keys((schemas.openai.definitions['CreateImageRequest'] as { properties: object }).properties)

/** The vendored schema a captured body must satisfy, or why there is none. */
function validatorFor(provider: string, caps: ModelCapabilities, captured: CapturedBody): ValidateFunction | string {
  const body = captured.body as Record<string, unknown>
  switch (provider) {
    case 'openai':
      return validator('openai#/definitions/CreateImageRequest', { propertyNames: { enum: openaiProperties } })
    case 'fal':
      return schemas.fal.definitions[caps.wireId] ? validator(`fal#/definitions/${caps.wireId.replaceAll('~', '~0').replaceAll('/', '~1')}`) : `no fal input type vendored for ${caps.wireId}`
    case 'stability':
      return captured.contentType.startsWith('multipart/') ? validator('stability#/definitions/V2betaStableImage', {}, true) : validator('stability#/definitions/V1TextToImage')
    case 'recraft':
      return validator('recraft#/definitions/GenerateImageRequest')
    case 'runway': {
      const name = Object.entries(schemas.runway.definitions).find(([, d]) => (d as { properties: { model: { const: string } } }).properties.model.const === body['model'])?.[0]
      return name ? validator(`runway#/definitions/${name}`) : `model ${String(body['model'])} is not in the Runway SDK's TextToImageCreateParams`
    }
    case 'replicate':
      return validator(typeof body['version'] === 'string' ? 'replicate#/definitions/VersionPredictionCreate' : 'replicate#/definitions/ModelPredictionCreate')
    default:
      return `no vendored schema for provider ${provider}`
  }
}

/** The version input schema of a Replicate table model, where its cog source is published (see replicate.json x-source). */
function replicateInputValidator(caps: ModelCapabilities): ValidateFunction | undefined {
  const inputs = schemas.replicate.definitions['inputs'] as Record<string, unknown>
  return inputs[caps.id] ? validator(`replicate#/definitions/inputs/${caps.id.replaceAll('~', '~0').replaceAll('/', '~1')}`) : undefined
}

function describeErrors(errors: readonly ErrorObject[] | null | undefined): string {
  return (errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)} (${e.schemaPath})`).join('; ')
}

beforeAll(startCapture)
afterAll(stopCapture)

describe.each(plugins.map((p) => [p.id, p] as const))('%s request bodies against the vendored schema', (provider, plugin) => {
  it.each(plugin.models.map((caps) => [caps.id, caps] as const))('%s', async (_id, caps) => {
    const failures: string[] = []
    for (const { label, request, mayRefuse } of requestsFor(caps)) {
      const bodies = await captureBodies(request)
      if (bodies.length === 0 && !mayRefuse) failures.push(`${label}: no request body was sent`)
      for (const captured of bodies) {
        const validate = validatorFor(provider, caps, captured)
        if (typeof validate === 'string') failures.push(`${label}: ${validate}`)
        else if (!validate(captured.body)) failures.push(`${label} ${captured.path} ${JSON.stringify(captured.body)}: ${describeErrors(validate.errors)}`)
        const input = provider === 'replicate' ? replicateInputValidator(caps) : undefined
        if (input && !input((captured.body as { input?: unknown }).input)) failures.push(`${label} input ${JSON.stringify(captured.body)}: ${describeErrors(input.errors)}`)
      }
    }
    expect(failures).toStrictEqual([])
  })
})

describe('the vendored schemas refuse what the APIs refuse', () => {
  const rejects = (ref: string, body: unknown, extra: Record<string, unknown> = {}) => {
    const v = validator(ref, extra)
    expect(v(body), `${ref} accepted ${JSON.stringify(body)}`).toBe(false)
    return describeErrors(v.errors)
  }

  it('names the failing path: OpenAI unknown argument and out-of-range n, Runway option another model has, fal wrong type', () => {
    expect(rejects('openai#/definitions/CreateImageRequest', { model: 'dall-e-3', prompt: 'p', seed: 1 }, { propertyNames: { enum: openaiProperties } })).toContain('propertyNames')
    expect(rejects('openai#/definitions/CreateImageRequest', { prompt: 'p', n: 11 })).toContain('/n must be <= 10')
    expect(rejects('runway#/definitions/Gen4Image', { model: 'gen4_image', promptText: 'p', ratio: '1920:1080', outputCount: 2 })).toContain('additionalProperty')
    expect(rejects('runway#/definitions/GptImage2_5Flare', { model: 'gpt_image_2_5_flare', promptText: 'p', ratio: '2048:880', background: 'transparent' })).toContain('/background must be equal to one of the allowed values')
    expect(rejects('fal#/definitions/fal-ai~1flux~1dev', { prompt: 'p', num_images: '2' })).toContain('/num_images must be number')
    expect(rejects('fal#/definitions/fal-ai~1flux~1dev', { prompt: 'p', negative_prompt: 'n' })).toContain('additionalProperty')
  })

  it('refuses Stability ratios and seeds outside the API, Recraft style with style_id, Replicate short version ids and FLUX inputs out of range', () => {
    expect(rejects('stability#/definitions/V2betaStableImage', { prompt: 'p', aspect_ratio: '4:3' })).toContain('/aspect_ratio')
    expect(describeErrors((() => {
      const v = validator('stability#/definitions/V2betaStableImage', {}, true)
      expect(v({ prompt: 'p', seed: '4294967295' })).toBe(false)
      return v.errors
    })())).toContain('/seed must be <= 4294967294')
    expect(rejects('stability#/definitions/V1TextToImage', { text_prompts: [{ text: 'p' }], seed: 4294967296 })).toContain('/seed must be <= 4294967295')
    expect(rejects('recraft#/definitions/GenerateImageRequest', { prompt: 'p', style: 'any', style_id: '6a0e4c1e-6f6d-4a8e-9b53-0e5d8f3f1c11' })).toContain('must NOT be valid')
    expect(rejects('recraft#/definitions/GenerateImageRequest', { model: 'recraftv4', prompt: 'p', style: 'any' })).toContain('must NOT be valid')
    expect(rejects('recraft#/definitions/GenerateImageRequest', { model: 'recraftv4_1', prompt: 'p', style_id: '6a0e4c1e-6f6d-4a8e-9b53-0e5d8f3f1c11' })).toContain('must NOT be valid')
    expect(rejects('recraft#/definitions/GenerateImageRequest', { model: 'recraftv4_styles_pro', prompt: 'p' })).toContain("must have required property 'style_id'")
    expect(rejects('recraft#/definitions/GenerateImageRequest', { model: 'recraftv2', prompt: 'p', text_layout: [{ text: 'a', bbox: [] }] })).toContain('must NOT be valid')
    expect(rejects('replicate#/definitions/VersionPredictionCreate', { version: 'abc123', input: { prompt: 'p' } })).toContain('/version must match pattern')
    const flux = rejects('replicate#/definitions/inputs/black-forest-labs~1flux-schnell', { prompt: 'p', num_outputs: 5, aspect_ratio: '7:3' })
    expect(flux).toContain('/num_outputs must be <= 4')
    expect(flux).toContain('/aspect_ratio must be equal to one of the allowed values')
  })
})
