#!/usr/bin/env node
/**
 * Re-extracts the vendored request schemas in packages/emulator/src/schemas/ from upstream files on
 * this machine (no network). Usage, from the repo root:
 *
 *   node scripts/refresh-schemas.mjs \
 *     --openai <openai-openapi checkout>/openapi.json --openai-commit <sha> \
 *     --runway <runwayml/sdk-node checkout>/src/resources/text-to-image.ts --runway-commit <sha> \
 *       (or the file from `npm pack @runwayml/sdk@<v>` with --runway-package @runwayml/sdk@<v>) \
 *     --fal <fal-ai/fal-js checkout>/libs/client/src/types/endpoints.ts --fal-commit <sha>
 *
 * Any subset of the three may be given. OpenAI: `CreateImageRequest` with every `$ref` inlined.
 * Runway and fal publish TypeScript types, not JSON Schema: the script translates the object
 * types it needs (string-literal unions, number, string, boolean, arrays, nested named types)
 * into closed JSON Schema objects, as TypeScript's excess-property check treats them.
 * Replicate (client request types; SDXL and FLUX version inputs from the cog predictors
 * replicate/cog-sdxl and replicate/cog-flux), Stability and Recraft (wire notes: no published
 * spec was reachable) are hand-written (see their `x-source`); this script leaves them alone. Then run: npx vitest run test/conformance
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'

const OUT = new URL('../packages/emulator/src/schemas/', import.meta.url)
const today = new Date().toISOString().slice(0, 10)
const { values: args } = parseArgs({
  options: Object.fromEntries(['openai', 'openai-commit', 'runway', 'runway-commit', 'runway-package', 'fal', 'fal-commit'].map((k) => [k, { type: 'string' }])),
})

function write(name, schema) {
  writeFileSync(new URL(`${name}.json`, OUT), `${JSON.stringify(schema, null, 2)}\n`)
  console.log(`wrote packages/emulator/src/schemas/${name}.json`)
}

// ---- OpenAI: JSON components, $refs inlined ------------------------------------------------
function inline(node, components, seen = []) {
  if (Array.isArray(node)) return node.map((n) => inline(n, components, seen))
  if (!node || typeof node !== 'object') return node
  if (typeof node.$ref === 'string') {
    const name = node.$ref.replace('#/components/schemas/', '')
    if (seen.includes(name)) throw new Error(`recursive $ref ${name}`)
    return inline(components[name], components, [...seen, name])
  }
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, inline(v, components, seen)]))
}

if (args.openai) {
  const spec = JSON.parse(readFileSync(args.openai, 'utf8'))
  const components = spec.components.schemas
  write('openai', {
    $comment: 'Vendored from the OpenAI OpenAPI spec: components.schemas.CreateImageRequest (POST /v1/images/generations), $refs inlined by scripts/refresh-schemas.mjs. OpenAPI 3.0 keywords (nullable, example, x-*) kept as published.',
    'x-source': { repository: 'openai/openai-openapi', path: 'openapi.json', commit: args['openai-commit'] ?? 'unknown', pointer: '#/components/schemas/CreateImageRequest' },
    'x-retrieved': today,
    definitions: { CreateImageRequest: inline(components.CreateImageRequest, components) },
  })
}

// ---- TypeScript object types -> JSON Schema ---------------------------------------------------
/** Splits `text` on `sep` at bracket depth 0. */
function splitTop(text, sep) {
  const parts = []
  let depth = 0
  let cur = ''
  for (const ch of text) {
    if ('<{(['.includes(ch)) depth++
    if ('>})]'.includes(ch)) depth--
    if (ch === sep && depth === 0) {
      parts.push(cur)
      cur = ''
    } else cur += ch
  }
  if (cur.trim()) parts.push(cur)
  return parts.map((p) => p.trim()).filter(Boolean)
}

const stripComments = (src) => src.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '')

/** The `{ ... }` body of `export interface <name>` or `export type <name> = {` (last path segment). */
function findBody(src, name, scope) {
  const short = name.split('.').pop()
  const candidates = [...src.matchAll(new RegExp(`export (?:interface ${short}\\s*\\{|type ${short}\\s*=\\s*\\{)`, 'g'))]
  if (candidates.length === 0) throw new Error(`type ${name} not found`)
  // Prefer the one inside the namespace of the referring type (e.g. Gen4Image.ReferenceImage).
  const ns = name.includes('.') ? name.split('.')[0] : scope
  let match = candidates[0]
  if (ns) {
    const nsAt = src.indexOf(`export namespace ${ns} {`)
    const inNs = candidates.find((c) => c.index > nsAt && nsAt >= 0)
    if (inNs) match = inNs
  }
  let depth = 0
  const start = match.index + match[0].length - 1
  for (let i = start; i < src.length; i++) {
    if (src[i] === '{') depth++
    if (src[i] === '}' && --depth === 0) return src.slice(start + 1, i)
  }
  throw new Error(`unterminated ${name}`)
}

function typeToSchema(src, type, scope) {
  type = type.trim().replace(/^\|/, '').trim()
  const alts = splitTop(type, '|')
  if (alts.length > 1) {
    const literals = alts.filter((a) => /^(['"]).*\1$/.test(a) || /^-?\d+(\.\d+)?$/.test(a))
    const rest = alts.filter((a) => !literals.includes(a)).filter((a) => a !== 'Blob' && a !== 'File')
    const enumSchema = literals.length ? { enum: literals.map((l) => (/^['"]/.test(l) ? l.slice(1, -1) : Number(l))) } : undefined
    const schemas = [...rest.map((r) => typeToSchema(src, r, scope)), ...(enumSchema ? [enumSchema] : [])]
    return schemas.length === 1 ? schemas[0] : { anyOf: schemas }
  }
  // `(string & {})`: any string, the literals beside it are only editor hints.
  if (/^\(?\s*string\s*&\s*\{\s*\}\s*\)?$/.test(type)) return { type: 'string' }
  if (/^(['"]).*\1$/.test(type)) return { const: type.slice(1, -1) }
  if (type === 'string' || type === 'number' || type === 'boolean') return { type }
  if (type === 'unknown' || type === 'any') return {}
  const array = /^Array<(.+)>$/s.exec(type)
  if (array) return { type: 'array', items: typeToSchema(src, array[1], scope) }
  if (type.startsWith('{')) return objectToSchema(src, type.slice(1, -1), scope)
  if (/^[A-Za-z_][\w.]*$/.test(type)) return objectToSchema(src, findBody(src, type, scope), type.includes('.') ? type.split('.')[0] : scope)
  throw new Error(`cannot translate TypeScript type: ${type}`)
}

function objectToSchema(src, body, scope) {
  const properties = {}
  const required = []
  for (const member of splitTop(stripComments(body), ';')) {
    const m = /^(\w+)(\?)?\s*:\s*([\s\S]+)$/.exec(member)
    if (!m) throw new Error(`cannot read member: ${member}`)
    properties[m[1]] = typeToSchema(src, m[3], scope)
    if (!m[2]) required.push(m[1])
  }
  return { type: 'object', properties, required, additionalProperties: false }
}

if (args.runway) {
  const src = stripComments(readFileSync(args.runway, 'utf8'))
  const union = /export type TextToImageCreateParams\s*=([^;]+);/.exec(src)[1]
  const variants = splitTop(union, '|').map((v) => v.replace('TextToImageCreateParams.', ''))
  const ns = src.slice(src.indexOf('export declare namespace TextToImageCreateParams'))
  const definitions = Object.fromEntries(variants.map((v) => [v, objectToSchema(ns, findBody(ns, v), v)]))
  write('runway', {
    $comment: 'Hand-translated (by scripts/refresh-schemas.mjs) from the Runway SDK request types TextToImageCreateParams (POST /v1/text_to_image); one closed object per model, keyed by the SDK type name.',
    'x-source': args['runway-package']
      ? { package: args['runway-package'], path: 'src/resources/text-to-image.ts', repository: 'runwayml/sdk-node' }
      : { repository: 'runwayml/sdk-node', path: 'src/resources/text-to-image.ts', commit: args['runway-commit'] ?? 'unknown' },
    'x-retrieved': today,
    definitions,
    oneOf: variants.map((v) => ({ $ref: `#/definitions/${v}` })),
  })
}

if (args.fal) {
  const src = stripComments(readFileSync(args.fal, 'utf8'))
  // Endpoint id -> input type name, from the EndpointTypeMap in the same file.
  const endpoints = {
    'fal-ai/flux/dev': 'FluxDevInput',
    'fal-ai/flux/schnell': 'FluxSchnellInput',
    'fal-ai/stable-diffusion-v3-medium': 'StableDiffusionV3MediumInput',
    // Image-input endpoints (issue 13).
    'fal-ai/flux/dev/image-to-image': 'FluxDevImageToImageInput',
    'fal-ai/flux-pro/kontext': 'FluxProKontextInput',
    'fal-ai/flux-pro/kontext/max': 'FluxProKontextMaxInput',
    'fal-ai/flux-pro/kontext/multi': 'FluxProKontextMultiInput',
    'fal-ai/flux-pro/v1/fill': 'FluxProV1FillInput',
  }
  const definitions = {}
  for (const [endpoint, typeName] of Object.entries(endpoints)) {
    const alias = new RegExp(`export type ${typeName}\\s*=\\s*(\\w+);`).exec(src)
    definitions[endpoint] = objectToSchema(src, findBody(src, alias ? alias[1] : typeName))
    definitions[endpoint].$comment = `${typeName}${alias ? ` (= ${alias[1]})` : ''}`
  }
  write('fal', {
    $comment: 'Hand-translated (by scripts/refresh-schemas.mjs) from the fal client endpoint input types of the table endpoints; definitions keyed by endpoint id (the queue submit body is the input).',
    'x-source': { repository: 'fal-ai/fal-js', path: 'libs/client/src/types/endpoints.ts', commit: args['fal-commit'] ?? 'unknown' },
    'x-retrieved': today,
    definitions,
  })
}
