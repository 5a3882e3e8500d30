import { InvalidRequestError, type NormalizedRequest } from 'llmkit'
import { type RunwayReferenceImage, runwayReferenceImagesSchema } from './runway-api.js'
import { RUNWAY_REFERENCE_RULES, type RunwayReferenceRule } from './runway-models.js'

/** A model outside the table (a guessed row): only the SDK's common shape is checked. */
const UNKNOWN_MODEL_RULE: RunwayReferenceRule = { min: 0, max: undefined, tag: true, uniqueTags: false }

/** The models whose reference type has `subject`, for the error message. */
const SUBJECT_MODELS = Object.entries(RUNWAY_REFERENCE_RULES)
  .filter(([, rule]) => rule.subject !== undefined)
  .map(([model]) => model)

function invalid(req: NormalizedRequest, message: string): InvalidRequestError {
  return new InvalidRequestError(`runway ${req.modelId}: ${message}`, { provider: 'runway', model: req.modelId, param: 'provider_options.referenceImages' })
}

/**
 * Checks `provider_options.referenceImages` against the model's SDK 4.20.1 rules
 * ({@link RUNWAY_REFERENCE_RULES}): the shape, the count, `tag` only where the type has it and
 * unique where the model says so, `subject` only on the Gemini 3 models and within their limits.
 * @throws {@link llmkit!InvalidRequestError} naming the reference and the rule, before any call.
 */
export function checkReferenceImages(value: unknown, req: NormalizedRequest): RunwayReferenceImage[] {
  const parsed = runwayReferenceImagesSchema.safeParse(value)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw invalid(req, `provider_options.referenceImages must be a non-empty array of { uri, tag?, subject? } (${issue?.path.join('.') || 'value'}: ${issue?.message ?? 'invalid'})`)
  }
  const refs = parsed.data
  const rule = RUNWAY_REFERENCE_RULES[req.wireModel] ?? UNKNOWN_MODEL_RULE
  if (rule.max !== undefined && refs.length > rule.max) throw invalid(req, `takes at most ${rule.max} reference images, got ${refs.length}`)
  if (refs.length < rule.min) throw invalid(req, `needs at least ${rule.min} reference images, got ${refs.length}`)
  const tagged = refs.findIndex((ref) => ref.tag !== undefined)
  if (tagged >= 0 && !rule.tag) {
    throw invalid(req, `provider_options.referenceImages[${tagged}].tag is not accepted by ${req.wireModel} (its references are { uri } only; cite them by order in the prompt); remove the tag`)
  }
  if (rule.uniqueTags) {
    const seen = new Set<string>()
    for (const [i, ref] of refs.entries()) {
      if (ref.tag === undefined) continue
      if (seen.has(ref.tag)) throw invalid(req, `provider_options.referenceImages[${i}].tag "${ref.tag}" is already used by another reference; ${req.wireModel} needs a different tag on each image`)
      seen.add(ref.tag)
    }
  }
  const withSubject = refs.findIndex((ref) => ref.subject !== undefined)
  if (withSubject >= 0 && rule.subject === undefined) {
    throw invalid(req, `provider_options.referenceImages[${withSubject}].subject is only accepted by ${SUBJECT_MODELS.join(' and ')}; remove it for this model`)
  }
  if (rule.subject !== undefined) {
    for (const kind of ['human', 'object'] as const) {
      const count = refs.filter((ref) => ref.subject === kind).length
      if (count > rule.subject[kind]) throw invalid(req, `takes at most ${rule.subject[kind]} reference images with subject "${kind}", got ${count}`)
    }
  }
  return refs
}
