import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import addFormatsModule from 'ajv-formats'
import fal from './schemas/fal.json' with { type: 'json' }
import openai from './schemas/openai.json' with { type: 'json' }
import recraft from './schemas/recraft.json' with { type: 'json' }
import replicate from './schemas/replicate.json' with { type: 'json' }
import runway from './schemas/runway.json' with { type: 'json' }
import stability from './schemas/stability.json' with { type: 'json' }

/**
 * The providers' published request schemas, vendored once under `src/schemas/` with their
 * source and date (refreshed by scripts/refresh-schemas.mjs). The emulator checks incoming
 * bodies against them, and the conformance suite checks the bodies llmkit builds against the
 * same files, so the emulator rejects what the real API would reject.
 */
export type VendoredSchemaName = 'openai' | 'fal' | 'stability' | 'recraft' | 'runway' | 'replicate'

const RAW: Record<VendoredSchemaName, unknown> = { openai, fal, stability, recraft, runway, replicate }

/** A vendored schema as published (a deep copy: callers may not change the shared one). */
export function vendoredSchema(name: VendoredSchemaName): Record<string, unknown> & { definitions: Record<string, unknown> } {
  return structuredClone(RAW[name]) as Record<string, unknown> & { definitions: Record<string, unknown> }
}

/**
 * OpenAPI 3.0's `nullable: true` as JSON Schema: ajv only reads it next to `type`, and OpenAI puts
 * it beside `anyOf` too. The vendored file stays as published; the translation happens here.
 */
export function fromOpenApi30(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(fromOpenApi30)
  if (!node || typeof node !== 'object') return node
  const { nullable, ...rest } = node as Record<string, unknown>
  const out = Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, fromOpenApi30(v)]))
  if (nullable !== true) return out
  if (typeof out['type'] === 'string') return { ...out, type: [out['type'], 'null'], ...(Array.isArray(out['enum']) ? { enum: [...(out['enum'] as unknown[]), null] } : {}) }
  if (Array.isArray(out['anyOf'])) return { ...out, anyOf: [...(out['anyOf'] as unknown[]), { type: 'null' }] }
  return { anyOf: [out, { type: 'null' }] }
}

/** JSON-pointer form of a definition name (`fal-ai/flux/dev` → `fal-ai~1flux~1dev`). */
export const pointerOf = (name: string): string => name.replaceAll('~', '~0').replaceAll('/', '~1')

let instances: { json: Ajv; form: Ajv; lenient: Ajv } | undefined

/** Compiled lazily: an emulator that never sees a request pays nothing. */
function ajvs(): { json: Ajv; form: Ajv; lenient: Ajv } {
  if (instances) return instances
  // OpenAPI 3.0 and the vendors' extensions (nullable, example, x-*) stay as published: not strict.
  const json = new Ajv({ strict: false, allErrors: false })
  // Multipart fields are text on the wire; the service parses numbers out of them, so does this one.
  const form = new Ajv({ strict: false, allErrors: false, coerceTypes: true })
  // Fields the type lacks are dropped, not refused: for services that ignore them (fal).
  const lenient = new Ajv({ strict: false, allErrors: false, removeAdditional: 'all' })
  const addFormats = addFormatsModule as unknown as (a: Ajv) => Ajv
  for (const ajv of [json, form, lenient]) {
    addFormats(ajv)
    for (const name of Object.keys(RAW) as VendoredSchemaName[]) ajv.addSchema((name === 'openai' ? fromOpenApi30(RAW.openai) : RAW[name]) as object, name)
  }
  instances = { json, form, lenient }
  return instances
}

const compiled = new Map<string, ValidateFunction>()

/** What a vendored schema refused: the field (first path segment, `''` for the body) and ajv's message. */
export interface SchemaProblem {
  /** Top-level field the problem is in, e.g. `background`; `''` when the body as a whole is wrong. */
  readonly field: string
  /** JSON pointer inside the body, e.g. `/referenceImages/0/tag`. */
  readonly path: string
  /** Ajv's message with the allowed values when there are any, e.g. `must be equal to one of the allowed values: 'opaque', 'auto'`. */
  readonly message: string
}

/** A definition's name, or its path under `definitions` (`['inputs', 'stability-ai/sdxl']`). */
export type DefinitionPath = string | readonly string[]

const segments = (definition: DefinitionPath): readonly string[] => (typeof definition === 'string' ? [definition] : definition)

/** Whether `definitions[name]` (or the nested path) exists in a vendored schema (fal vendors only some endpoints). */
export function hasDefinition(schema: VendoredSchemaName, definition: DefinitionPath): boolean {
  let node: unknown = (RAW[schema] as { definitions: unknown }).definitions
  for (const key of segments(definition)) {
    if (!node || typeof node !== 'object' || !Object.hasOwn(node, key)) return false
    node = (node as Record<string, unknown>)[key]
  }
  return true
}

/**
 * Checks `body` against `definitions[definition]` of a vendored schema; `extra` adds keywords
 * (OpenAI's closed object is `propertyNames`), `form` coerces multipart text fields to numbers,
 * `ignoreUnknownFields` checks only the fields the type has (a service that ignores the others).
 * Returns the first problem, or undefined when the body conforms.
 */
export function checkVendoredSchema(
  schema: VendoredSchemaName,
  definition: DefinitionPath,
  body: unknown,
  options: { extra?: Record<string, unknown>; form?: boolean; ignoreUnknownFields?: boolean } = {},
): SchemaProblem | undefined {
  const pointer = segments(definition).map(pointerOf).join('/')
  const mode = options.form === true ? 'form' : options.ignoreUnknownFields === true ? 'lenient' : 'json'
  const key = `${mode} ${schema} ${pointer} ${JSON.stringify(options.extra ?? {})}`
  let validate = compiled.get(key)
  if (!validate) {
    const ajv = ajvs()[mode]
    validate = ajv.compile({ allOf: [{ $ref: `${schema}#/definitions/${pointer}` }], ...options.extra })
    compiled.set(key, validate)
  }
  // Coercion and removal write into the object they check: give them a copy.
  if (validate(mode === 'json' ? body : structuredClone(body))) return undefined
  // A property name outside `propertyNames` reports the inner enum first; the outer error names the property.
  return describe(validate.errors?.find((e) => e.keyword === 'propertyNames') ?? validate.errors?.[0])
}

function describe(error: ErrorObject | undefined): SchemaProblem {
  if (!error) return { field: '', path: '', message: 'does not match the schema' }
  const missing = error.keyword === 'required' ? String((error.params as { missingProperty?: unknown }).missingProperty) : undefined
  const extra = error.keyword === 'additionalProperties' ? String((error.params as { additionalProperty?: unknown }).additionalProperty) : undefined
  const name = error.keyword === 'propertyNames' ? String((error.params as { propertyName?: unknown }).propertyName) : undefined
  const path = error.instancePath + (missing ?? extra ?? name ? `/${missing ?? extra ?? name}` : '')
  const allowed = (error.params as { allowedValues?: unknown[] }).allowedValues
  const message =
    extra !== undefined || name !== undefined
      ? 'is not a recognized field'
      : `${error.message ?? 'is invalid'}${Array.isArray(allowed) ? `: ${allowed.map((v) => JSON.stringify(v)).join(', ')}` : ''}`
  return { field: path.split('/')[1] ?? '', path, message }
}
