import { type InputImage, InvalidRequestError, type NormalizedRequest } from '@llmkit/core'
import { RUNWAY_REFERENCE_TAG, type RunwayReferenceImage, runwayReferenceImagesSchema } from './runway-api.js'
import { RUNWAY_REFERENCE_RULES, type RunwayReferenceRule } from './runway-models.js'

/** A model outside the table (a guessed row): only the SDK's common shape is checked. */
const UNKNOWN_MODEL_RULE: RunwayReferenceRule = { min: 0, max: undefined, tag: true, uniqueTags: false }

/** The models whose reference type has `subject`, for the error message. */
const SUBJECT_MODELS = Object.entries(RUNWAY_REFERENCE_RULES)
  .filter(([, rule]) => rule.subject !== undefined)
  .map(([model]) => model)

const RAW = 'provider_options.referenceImages'
const TAGS = 'provider_options.reference_tags'
const SUBJECTS = 'provider_options.reference_subjects'

function invalid(req: NormalizedRequest, param: string, message: string): InvalidRequestError {
  return new InvalidRequestError(`runway ${req.modelId}: ${message}`, { provider: 'runway', model: req.modelId, param })
}

/**
 * Checks reference images against the model's SDK 4.20.1 rules ({@link RUNWAY_REFERENCE_RULES}):
 * the shape, the count, `tag` only where the type has it and unique where the model says so,
 * `subject` only on the Gemini 3 models and within their limits. `source` says where the
 * references came from: `provider_options.referenceImages`, or `with_image()` images with
 * `provider_options.reference_tags` / `reference_subjects`, which the errors then name.
 * @throws {@link @llmkit/core!InvalidRequestError} naming the reference and the rule, before any call.
 */
export function checkReferenceImages(value: unknown, req: NormalizedRequest, source: 'raw' | 'images' = 'raw'): RunwayReferenceImage[] {
  // Where a problem came from: the raw option, or the tags / subjects given for with_image() images.
  const param = source === 'raw' ? RAW : TAGS
  const subjectParam = source === 'raw' ? RAW : SUBJECTS
  const parsed = runwayReferenceImagesSchema.safeParse(value)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw invalid(req, param, `${RAW} must be a non-empty array of { uri, tag?, subject? } (${issue?.path.join('.') || 'value'}: ${issue?.message ?? 'invalid'})`)
  }
  const refs = parsed.data
  const rule = RUNWAY_REFERENCE_RULES[req.wireModel] ?? UNKNOWN_MODEL_RULE
  if (rule.max !== undefined && refs.length > rule.max) throw invalid(req, param, `takes at most ${rule.max} reference images, got ${refs.length}`)
  if (refs.length < rule.min) throw invalid(req, param, `needs at least ${rule.min} reference images, got ${refs.length}`)
  const where = source === 'raw' ? (i: number) => `${RAW}[${i}].tag` : (i: number) => `${TAGS}[${i}]`
  const tagged = refs.findIndex((ref) => ref.tag !== undefined)
  if (tagged >= 0 && !rule.tag) {
    throw invalid(req, param, `${where(tagged)}: a tag is not accepted by ${req.wireModel} (its references are { uri } only; cite them by order in the prompt); remove the tag`)
  }
  if (rule.uniqueTags) {
    const seen = new Set<string>()
    for (const [i, ref] of refs.entries()) {
      if (ref.tag === undefined) continue
      if (seen.has(ref.tag)) throw invalid(req, param, `${where(i)} "${ref.tag}" is already used by another reference; ${req.wireModel} needs a different tag on each image`)
      seen.add(ref.tag)
    }
  }
  const withSubject = refs.findIndex((ref) => ref.subject !== undefined)
  if (withSubject >= 0 && rule.subject === undefined) {
    throw invalid(req, subjectParam, `${source === 'raw' ? `${RAW}[${withSubject}].subject` : `${SUBJECTS}[${withSubject}]`}: a subject is only accepted by ${SUBJECT_MODELS.join(' and ')}; remove it for this model`)
  }
  if (rule.subject !== undefined) {
    for (const kind of ['human', 'object'] as const) {
      const count = refs.filter((ref) => ref.subject === kind).length
      if (count > rule.subject[kind]) throw invalid(req, subjectParam, `takes at most ${rule.subject[kind]} reference images with subject "${kind}", got ${count}`)
    }
  }
  return refs
}

/** The `uri` of an input: the https URL it was given as (Runway fetches it), else a data URI of the bytes. */
function uriOf(image: InputImage): string {
  return image.url ?? image.toDataUrl()
}

/**
 * The `referenceImages` of a request: the `with_image()` images (issue 13), each tagged from
 * `provider_options.reference_tags` when given (one tag per image, in order, cited as `@tag` in
 * the prompt; Runway has no default tag) and, on the Gemini 3 models, given a `subject` from
 * `provider_options.reference_subjects` (`'human'`, `'object'` or null per image); or the raw
 * `provider_options.referenceImages`. Both at
 * once is refused: the order of the two lists would be a guess.
 * @throws {@link @llmkit/core!InvalidRequestError} before any call when the tags or references break the model's rules.
 */
export function referenceImagesOf(req: NormalizedRequest): RunwayReferenceImage[] | undefined {
  const images = req.images ?? []
  const raw = req.providerOptions['referenceImages']
  const tags = req.providerOptions['reference_tags']
  const subjects = req.providerOptions['reference_subjects']
  if (images.length === 0) {
    if (tags !== undefined) throw invalid(req, TAGS, `${TAGS} tags the images given with with_image(), and there are none; add the images with with_image(), or put tags in ${RAW}`)
    if (subjects !== undefined) throw invalid(req, SUBJECTS, `${SUBJECTS} describes the images given with with_image(), and there are none; add the images with with_image()`)
    return raw === undefined ? undefined : checkReferenceImages(raw, req, 'raw')
  }
  if (raw !== undefined) {
    throw invalid(req, RAW, `reference images were given both with with_image() and in ${RAW}; give them all with with_image() (tags in ${TAGS})`)
  }
  if (tags !== undefined) {
    if (!Array.isArray(tags) || tags.length !== images.length || tags.some((t) => typeof t !== 'string')) {
      throw invalid(req, TAGS, `${TAGS} must be an array of ${images.length} strings, one tag per with_image() image in order`)
    }
    const bad = (tags as string[]).findIndex((t) => !RUNWAY_REFERENCE_TAG.test(t))
    if (bad >= 0) throw invalid(req, TAGS, `${TAGS}[${bad}] "${String(tags[bad])}": a tag must be 3-16 characters, start with a letter, and use only letters, digits and underscores`)
  }
  if (subjects !== undefined) {
    if (!Array.isArray(subjects) || subjects.length !== images.length || subjects.some((v) => v !== 'human' && v !== 'object' && v !== null)) {
      throw invalid(req, SUBJECTS, `${SUBJECTS} must be an array of ${images.length} values, one per with_image() image in order: 'human', 'object' or null`)
    }
  }
  const refs = images.map((image, i) => {
    const subject = (subjects as (string | null)[] | undefined)?.[i] ?? undefined
    return { uri: uriOf(image), ...(tags === undefined ? {} : { tag: (tags as string[])[i]! }), ...(subject === undefined ? {} : { subject }) }
  })
  return checkReferenceImages(refs, req, 'images')
}
