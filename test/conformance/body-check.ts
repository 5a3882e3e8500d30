import { checkVendoredSchema, hasDefinition, type SchemaProblem, vendoredSchema } from '@llmkit/emulator'
import nock from 'nock'

/**
 * Issue 12: every request body the provider unit tests send through nock is checked against the
 * provider's vendored request schema (packages/emulator/src/schemas), the same files the
 * conformance suite and the emulator use. `useNock()` (test/nock.ts) installs the check, so the
 * existing tests' bodies are covered without touching them; a body that breaks its schema fails
 * the test that sent it, naming the request, the path in the body and the rule.
 *
 * The hook listens to nock's per-scope `request` event (emitted for every intercepted request
 * with its body) by wrapping `emit` on the Scope prototype once per test file.
 */

type Provider = 'openai' | 'fal' | 'stability' | 'recraft' | 'runway' | 'replicate'

/** Checks still running (multipart bodies are parsed asynchronously), and what failed. */
const pending: Promise<string | undefined>[] = []
let allowed: string | undefined
let installed = false

/** The provider a test host names (`api.openai.test`, `queue.fal.test`, `openai.conformance.test`). */
function providerOf(url: URL): Provider | undefined {
  const match = /(?:^|\.)(openai|fal|stability|recraft|runway|replicate)(?:\.|$)/.exec(url.hostname)
  return match?.[1] as Provider | undefined
}

let runwayDefinitions: Map<unknown, string> | undefined

function runwayDefinition(model: unknown): string | undefined {
  runwayDefinitions ??= new Map(Object.entries(vendoredSchema('runway').definitions).map(([name, d]) => [(d as { properties: { model: { const?: unknown } } }).properties.model.const, name]))
  return runwayDefinitions.get(model)
}

/** OpenAI answers an unknown argument with 400: its object is closed to the published properties. */
let openaiClosed: Record<string, unknown> | undefined
function openaiExtra(): Record<string, unknown> {
  openaiClosed ??= { propertyNames: { enum: Object.keys((vendoredSchema('openai').definitions['CreateImageRequest'] as { properties: object }).properties) } }
  return openaiClosed
}

function describe(problem: SchemaProblem): string {
  return `${problem.path || '/'} ${problem.message}`
}

async function formFields(raw: string, contentType: string): Promise<Record<string, string>> {
  // nock hands over a body that is not valid UTF-8 (a form with image bytes) as hex.
  const bytes = /^(?:[0-9a-f]{2})+$/i.test(raw) && !raw.includes('Content-Disposition') ? Buffer.from(raw, 'hex') : raw
  const form = await new Response(bytes, { headers: { 'content-type': contentType } }).formData()
  const fields: Record<string, string> = {}
  // File parts (image inputs) are not in the text-to-image schemas; only text fields are checked.
  for (const [name, value] of form.entries()) if (typeof value === 'string') fields[name] = value
  return fields
}

/** The problem of one intercepted request, or undefined when it conforms or no schema covers it. */
async function check(method: string, url: URL, contentType: string, raw: string): Promise<string | undefined> {
  if (method !== 'POST') return undefined
  const provider = providerOf(url)
  if (provider === undefined) return undefined
  const path = url.pathname
  const label = `${method} ${url.origin}${path}`
  const json = (): unknown => (contentType.includes('application/json') ? JSON.parse(raw) : undefined)
  let problem: SchemaProblem | undefined
  switch (provider) {
    case 'openai':
      if (!path.endsWith('/images/generations')) return undefined
      problem = checkVendoredSchema('openai', 'CreateImageRequest', json(), { extra: openaiExtra() })
      break
    case 'recraft':
      if (!path.endsWith('/images/generations')) return undefined
      problem = checkVendoredSchema('recraft', 'GenerateImageRequest', json())
      break
    case 'runway': {
      if (!path.endsWith('/v1/text_to_image')) return undefined
      const body = json() as { model?: unknown } | undefined
      const definition = runwayDefinition(body?.model)
      // A model outside the SDK's types (a guessed `runway:<new id>` row) has no schema to meet.
      if (definition === undefined) return undefined
      problem = checkVendoredSchema('runway', definition, body)
      break
    }
    case 'fal': {
      const endpoint = decodeURIComponent(path.replace(/^\//, ''))
      if (!hasDefinition('fal', endpoint)) return undefined
      problem = checkVendoredSchema('fal', endpoint, json())
      break
    }
    case 'stability':
      if (/\/v1\/generation\/[^/]+\/text-to-image$/.test(path)) problem = checkVendoredSchema('stability', 'V1TextToImage', json())
      else if (/\/v2beta\/stable-image\/generate\/[^/]+$/.test(path) && contentType.startsWith('multipart/form-data')) {
        problem = checkVendoredSchema('stability', 'V2betaStableImage', await formFields(raw, contentType), { form: true })
      } else return undefined
      break
    case 'replicate': {
      const official = /\/v1\/models\/([^/]+)\/([^/]+)\/predictions$/.exec(path)
      const body = json() as { input?: unknown } | undefined
      if (official) {
        const model = `${decodeURIComponent(official[1]!)}/${decodeURIComponent(official[2]!)}`
        problem = checkVendoredSchema('replicate', 'ModelPredictionCreate', body)
        if (!problem && hasDefinition('replicate', ['inputs', model])) problem = checkVendoredSchema('replicate', ['inputs', model], body?.input)
      } else if (path.endsWith('/v1/predictions')) {
        problem = checkVendoredSchema('replicate', 'VersionPredictionCreate', body)
      } else return undefined
      break
    }
  }
  return problem === undefined ? undefined : `${label} ${raw.length > 400 ? `${raw.slice(0, 400)}…` : raw}: ${describe(problem)} (vendored ${provider} schema)`
}

/**
 * Wraps nock's Scope `emit` so every intercepted request body is checked (once per file; nock's
 * own behaviour is unchanged: the check only records). Called by `useNock()`.
 */
export function installBodyCheck(): void {
  if (installed) return
  installed = true
  const proto = Object.getPrototypeOf(nock('https://body-check.invalid')) as { emit: (event: string | symbol, ...args: unknown[]) => boolean }
  const emit = proto.emit
  proto.emit = function (this: unknown, event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'request') {
      const [req, , body] = args as [{ method?: string; url?: string; headers?: Headers | Record<string, string> }, unknown, string | undefined]
      if (req?.url !== undefined && typeof body === 'string') {
        const headers = req.headers
        const contentType = (typeof (headers as Headers | undefined)?.get === 'function' ? (headers as Headers).get('content-type') : (headers as Record<string, string> | undefined)?.['content-type']) ?? ''
        pending.push(check(req.method ?? 'GET', new URL(req.url), contentType, body).catch((error: unknown) => `body check failed on ${req.url}: ${String(error)}`))
      }
    }
    return emit.call(this, event, ...args)
  }
}

/**
 * For a test that sends, on purpose, a body its provider's schema refuses (to assert how the
 * provider's 400 is mapped): the check of the current test is skipped, with the reason.
 */
export function allowNonConformingBodies(reason: string): void {
  allowed = reason
}

/** Awaits the checks of the test that just ran and throws an Error listing every body that broke its schema. */
export async function assertBodiesConform(): Promise<void> {
  const results = await Promise.all(pending.splice(0))
  const skip = allowed !== undefined
  allowed = undefined
  const failures = results.filter((r): r is string => r !== undefined)
  if (!skip && failures.length > 0) throw new Error(`request bodies that break the vendored schema:\n${failures.join('\n')}`)
}
