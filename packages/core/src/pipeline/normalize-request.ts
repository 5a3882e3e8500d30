import { InvalidRequestError, UnsupportedCapabilityError } from '../errors.js'
import type { ImageGenerationRequest } from '../request.js'
import { DEFAULT_MAX_PROMPT_LENGTH, type ModelCapabilities, type ProviderOptionType, type SizeSpec } from '../registry/capabilities.js'
import type { NormalizedRequest } from '../registry/plugin.js'
import type { Warning } from '../warnings.js'
import { checkImageRequest, checkInputLimits } from '../inputs/check-inputs.js'
import type { ResolvedInputs } from '../inputs/image-input.js'

/** What to do with a setting the model cannot honor. */
export type UnsupportedPolicy = 'warn' | 'error'

/** Result of {@link normalizeRequest}. */
export interface Normalized {
  /** What the provider receives (with `n` still the full count; split-n cuts it per call). */
  request: NormalizedRequest
  /** What was mapped or dropped. */
  warnings: Warning[]
}

/** Optional inputs of {@link normalizeRequest}. */
export interface NormalizeExtras {
  /** The request's images, read once per generation; absent: only their count and shape are checked (cost estimates). */
  inputs?: ResolvedInputs | undefined
  /** Ids of models that take images, for the error of a text-only model. */
  imageModels?: (() => readonly string[]) | undefined
}

interface Size {
  width: number
  height: number
}

function parseSize(size: string): Size {
  const [w, h] = size.split('x').map(Number)
  return { width: w!, height: h! }
}

function parseRatio(ratio: string): number {
  const [w, h] = ratio.split(':').map(Number)
  return w! / h!
}

/** How each option type reads in a message. */
const OPTION_TYPE_NAMES: Readonly<Record<ProviderOptionType, string>> = {
  string: 'a string',
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
  array: 'an array',
  object: 'an object',
  json: 'a JSON value',
}

/** Whether a (JSON-only, see request.ts) option value has the type the model's row declares. */
function hasOptionType(value: unknown, type: ProviderOptionType): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string'
    case 'integer':
      return Number.isSafeInteger(value)
    case 'number':
      return typeof value === 'number' && Number.isFinite(value)
    case 'boolean':
      return typeof value === 'boolean'
    case 'array':
      return Array.isArray(value)
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value)
    case 'json':
      return true
  }
}

function describeJson(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'object') return 'an object'
  const text = typeof value === 'string' ? JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value) : String(value)
  return `${typeof value} ${text}`
}

/** The listed size closest to the request: first by aspect ratio, then by area. */
export function nearestListedSize(values: readonly string[], wanted: Size): string {
  const wantedRatio = Math.log(wanted.width / wanted.height)
  const wantedArea = wanted.width * wanted.height
  let best = values[0]!
  let bestScore = Number.POSITIVE_INFINITY
  for (const value of values) {
    const s = parseSize(value)
    const score = Math.abs(Math.log(s.width / s.height) - wantedRatio) * 10 + Math.abs(Math.log((s.width * s.height) / wantedArea))
    if (score < bestScore) {
      best = value
      bestScore = score
    }
  }
  return best
}

/** The aspect ratio closest to a pixel size (by log ratio, so 2:1 and 1:2 are equally far from 1:1). */
export function nearestAspectRatio(values: readonly string[], wanted: Size): string {
  const target = Math.log(wanted.width / wanted.height)
  let best = values[0]!
  for (const value of values) {
    if (Math.abs(Math.log(parseRatio(value)) - target) < Math.abs(Math.log(parseRatio(best)) - target)) best = value
  }
  return best
}

function snapToRange(spec: Extract<SizeSpec, { kind: 'range' }>, wanted: Size): Size {
  const snap = (v: number, min: number, max: number) => Math.min(max, Math.max(min, Math.round(v / spec.step) * spec.step))
  let width = snap(wanted.width, spec.minWidth, spec.maxWidth)
  let height = snap(wanted.height, spec.minHeight, spec.maxHeight)
  if (spec.maxPixels !== undefined && width * height > spec.maxPixels) {
    const scale = Math.sqrt(spec.maxPixels / (width * height))
    width = Math.floor((width * scale) / spec.step) * spec.step
    height = Math.floor((height * scale) / spec.step) * spec.step
  }
  // Shorten the long edge to the bound (on the grid), which also keeps the area under maxPixels.
  const bound = spec.maxAspectRatio
  if (bound !== undefined && Math.max(width, height) / Math.min(width, height) > bound) {
    const longest = Math.floor((Math.min(width, height) * bound) / spec.step) * spec.step
    if (width > height) width = longest
    else height = longest
  }
  return { width, height }
}

function sameRatio(a: Size, ratio: string): boolean {
  return Math.abs(a.width / a.height - parseRatio(ratio)) < 0.005
}

/** The model's default area in pixels, for turning a bare aspect ratio into a size. */
function defaultArea(caps: ModelCapabilities): number {
  const m = caps.defaultSize === undefined ? null : /^(\d+)x(\d+)$/.exec(caps.defaultSize)
  return m ? Number(m[1]) * Number(m[2]) : 1024 * 1024
}

/**
 * The size of a `range` model closest to an aspect ratio at about its default area: first by
 * ratio (an exact one wins), then by area. One candidate per grid height, so the loop is bounded by maxHeight / step.
 */
function sizeForRatioInRange(spec: Extract<SizeSpec, { kind: 'range' }>, ratio: number, area: number): Size {
  let best = snapToRange(spec, { width: Math.round(Math.sqrt(area * ratio)), height: Math.round(Math.sqrt(area / ratio)) })
  let bestScore = Number.POSITIVE_INFINITY
  const firstHeight = Math.ceil(spec.minHeight / spec.step) * spec.step
  for (let height = firstHeight; height <= spec.maxHeight; height += spec.step) {
    const width = Math.round((height * ratio) / spec.step) * spec.step
    if (width < spec.minWidth || width > spec.maxWidth) continue
    if (spec.maxPixels !== undefined && width * height > spec.maxPixels) continue
    if (spec.maxAspectRatio !== undefined && Math.max(width, height) / Math.min(width, height) > spec.maxAspectRatio) continue
    // An exact ratio beats one within sameRatio's tolerance, which beats any other, whatever the area.
    const off = Math.abs(width / height - ratio)
    const ratioError = off < 1e-9 ? 0 : off < 0.005 ? 10 : 100 + Math.abs(Math.log(width / height / ratio)) * 10
    const score = ratioError + Math.abs(Math.log((width * height) / area))
    if (score < bestScore) {
      best = { width, height }
      bestScore = score
    }
  }
  return best
}

/**
 * Checks a request against a model's capabilities and maps it to what the provider takes:
 * sizes to the nearest listed size or aspect ratio, qualities through the model's map, and
 * unsupported settings dropped with a warning or rejected, by policy. Invalid values (a seed
 * outside the model's range, a prompt over its length limit, a missing required option) are
 * errors under either policy.
 *
 * @throws {@link UnsupportedCapabilityError} under policy `'error'`; {@link InvalidRequestError}.
 */
export function normalizeRequest(request: ImageGenerationRequest, modelId: string, caps: ModelCapabilities, policy: UnsupportedPolicy, extras: NormalizeExtras = {}): Normalized {
  const warnings: Warning[] = []
  const who = `${modelId}`
  const unsupported = (setting: string, requested: unknown, why: string) => {
    const message = `${who} ${why}; ${setting} was not sent`
    if (policy === 'error') {
      throw new UnsupportedCapabilityError(`${who} ${why}. Remove ${setting} from the request or pass unsupported: 'warn' to drop it with a warning`, {
        model: modelId,
        param: setting,
      })
    }
    warnings.push({ type: 'unsupported', setting, message, requested })
  }
  const mapped = (setting: string, requested: unknown, used: unknown, why: string) => {
    if (policy === 'error') {
      throw new UnsupportedCapabilityError(`${who} ${why} (asked ${String(requested)}, nearest ${String(used)}). Ask for ${String(used)} or pass unsupported: 'warn'`, {
        model: modelId,
        param: setting,
      })
    }
    warnings.push({ type: 'mapped', setting, message: `${who} ${why}: used ${String(used)} instead of ${String(requested)}`, requested, used })
  }

  const imageRequest = checkImageRequest(request, modelId, caps, unsupported, extras.imageModels)
  const inputs = extras.inputs
  if (inputs !== undefined && caps.imageInputs !== undefined && imageRequest.operation !== 'generate') checkInputLimits(inputs, modelId, caps.imageInputs)

  const maxPromptLength = caps.maxPromptLength ?? DEFAULT_MAX_PROMPT_LENGTH
  for (const [param, text] of [['prompt', request.prompt], ['negative_prompt', request.negative_prompt]] as const) {
    if (text !== undefined && text.length > maxPromptLength) {
      throw new InvalidRequestError(`${who} takes prompts up to ${maxPromptLength} characters (maxPromptLength); this ${param} has ${text.length}. Shorten it`, {
        model: modelId,
        param,
      })
    }
  }

  let size: Size | undefined
  let aspectRatio: string | undefined
  if (request.size !== undefined) {
    const wanted = parseSize(request.size)
    const spec = caps.sizes
    if (spec.kind === 'list') {
      const chosen = spec.values.includes(request.size) ? request.size : nearestListedSize(spec.values, wanted)
      if (chosen !== request.size) mapped('size', request.size, chosen, `does not take size ${request.size} (sizes: ${spec.values.join(', ')})`)
      size = parseSize(chosen)
    } else if (spec.kind === 'range') {
      size = snapToRange(spec, wanted)
      if (size.width !== wanted.width || size.height !== wanted.height) {
        mapped('size', request.size, `${size.width}x${size.height}`, `takes ${spec.minWidth}-${spec.maxWidth} x ${spec.minHeight}-${spec.maxHeight} in steps of ${spec.step}${spec.maxPixels === undefined ? '' : `, at most ${spec.maxPixels} pixels`}${spec.maxAspectRatio === undefined ? '' : `, aspect ratio within 1:${spec.maxAspectRatio} to ${spec.maxAspectRatio}:1`}`)
      }
    } else {
      aspectRatio = nearestAspectRatio(spec.values, wanted)
      if (!sameRatio(wanted, aspectRatio)) mapped('size', request.size, aspectRatio, `takes aspect ratios only (${spec.values.join(', ')})`)
    }
  }

  if (request.aspect_ratio !== undefined) {
    const ratioText = request.aspect_ratio
    const ratio = parseRatio(ratioText)
    if (request.size !== undefined) {
      // The size was mapped above; a ratio that says otherwise is a contradiction, not a preference.
      if (!sameRatio(parseSize(request.size), ratioText)) {
        throw new InvalidRequestError(`size ${request.size} and aspect_ratio ${ratioText} disagree; give only one of them`, { model: modelId, param: 'aspect_ratio' })
      }
    } else {
      const spec = caps.sizes
      const asSize = { width: ratio, height: 1 }
      if (spec.kind === 'aspect') {
        aspectRatio = spec.values.find((v) => Math.abs(parseRatio(v) - ratio) < 0.005) ?? nearestAspectRatio(spec.values, asSize)
        if (!sameRatio(asSize, aspectRatio)) mapped('aspect_ratio', ratioText, aspectRatio, `does not take aspect ratio ${ratioText} (ratios: ${spec.values.join(', ')})`)
      } else {
        const area = defaultArea(caps)
        if (spec.kind === 'list') {
          // A listed size at the ratio (the one nearest in area) beats a closer-in-area size that is not.
          const wanted = { width: Math.sqrt(area * ratio), height: Math.sqrt(area / ratio) }
          const atRatio = spec.values.filter((v) => sameRatio(parseSize(v), ratioText))
          size = parseSize(nearestListedSize(atRatio.length ? atRatio : spec.values, wanted))
        } else {
          size = sizeForRatioInRange(spec, ratio, area)
        }
        const used = `${size.width}x${size.height}`
        if (!sameRatio(size, ratioText)) mapped('aspect_ratio', ratioText, used, `takes pixel sizes only and has none at ${ratioText}`)
      }
    }
  }

  let quality: string | undefined
  if (request.quality !== undefined) {
    if (caps.qualities.includes(request.quality)) quality = request.quality
    else if (caps.qualityMap?.[request.quality] !== undefined) {
      quality = caps.qualityMap[request.quality]
      mapped('quality', request.quality, quality, `has no quality "${request.quality}"`)
    } else {
      unsupported('quality', request.quality, caps.qualities.length ? `does not take quality "${request.quality}" (qualities: ${caps.qualities.join(', ')})` : 'has no quality setting')
    }
  }

  let style: string | undefined
  if (request.style !== undefined) {
    if (caps.styles.includes(request.style)) style = request.style
    else unsupported('style', request.style, caps.styles.length ? `does not take style "${request.style}" (styles: ${caps.styles.join(', ')})` : 'has no style setting')
  }

  let negativePrompt: string | undefined
  if (request.negative_prompt !== undefined && request.negative_prompt !== '') {
    if (caps.negativePrompt) negativePrompt = request.negative_prompt
    else unsupported('negative_prompt', request.negative_prompt, 'ignores negative prompts')
  }

  let seed: number | undefined
  if (request.seed !== undefined) {
    if (caps.seed === null) unsupported('seed', request.seed, 'has no seed, so results are not reproducible')
    else if (request.seed < caps.seed.min || request.seed > caps.seed.max) {
      throw new InvalidRequestError(`${who} takes seeds from ${caps.seed.min} to ${caps.seed.max}; got ${request.seed}`, { model: modelId, param: 'seed' })
    } else seed = request.seed
  }

  let outputFormat: 'png' | 'jpeg' | 'webp' | undefined
  if (request.output_format !== undefined) {
    const wanted = request.output_format
    const choices = caps.outputFormats ?? []
    const produced = caps.outputMimeTypes ?? []
    if (choices.includes(wanted)) outputFormat = wanted
    // A model that only ever produces the asked format honors it without being told.
    else if (!(produced.length === 1 && produced[0] === `image/${wanted}`)) {
      unsupported('output_format', wanted, choices.length ? `does not produce ${wanted} (output formats: ${choices.join(', ')})` : `cannot choose its output format${produced.length ? ` (it produces ${produced.join(', ')})` : ''}`)
    }
  }

  let outputCompression: number | undefined
  if (request.output_compression !== undefined) {
    if (request.output_format !== 'jpeg' && request.output_format !== 'webp') {
      throw new InvalidRequestError(`output_compression applies to jpeg and webp output only; add .with_output_format('jpeg') or 'webp' (output_format: ${request.output_format ?? 'not set'})`, {
        model: modelId,
        param: 'output_compression',
      })
    }
    if (caps.outputCompression === true && outputFormat !== undefined) outputCompression = request.output_compression
    else unsupported('output_compression', request.output_compression, 'has no output compression setting')
  }

  let background: 'transparent' | 'opaque' | 'auto' | undefined
  if (request.background !== undefined) {
    const choices = caps.backgrounds ?? []
    if (request.background === 'transparent' && request.output_format === 'jpeg') {
      throw new InvalidRequestError(`a transparent background needs png or webp output, not jpeg; change output_format or background`, { model: modelId, param: 'background' })
    }
    if (choices.includes(request.background)) background = request.background
    else unsupported('background', request.background, choices.length ? `does not take background "${request.background}" (backgrounds: ${choices.join(', ')})` : 'has no background setting')
  }

  const providerOptions: Record<string, unknown> = {}
  const known = caps.providerOptions ?? {}
  const knownNames = Object.keys(known)
  for (const [key, value] of Object.entries(request.provider_options ?? {})) {
    // hasOwn: `constructor` or `toString` must not find Object.prototype's members.
    const type = Object.hasOwn(known, key) ? known[key] : undefined
    if (type === undefined) {
      unsupported(`provider_options.${key}`, value, `does not know provider option "${key}"${knownNames.length ? ` (known: ${knownNames.join(', ')})` : ''}`)
      continue
    }
    if (!hasOptionType(value, type)) {
      throw new InvalidRequestError(`${who}: provider option "${key}" must be ${OPTION_TYPE_NAMES[type]}, got ${describeJson(value)}`, {
        model: modelId,
        param: `provider_options.${key}`,
      })
    }
    // defineProperty: an option named like an Object.prototype member stays plain data.
    Object.defineProperty(providerOptions, key, { value, enumerable: true, writable: true, configurable: true })
  }
  for (const key of caps.requiredProviderOptions ?? []) {
    if (providerOptions[key] === undefined) {
      throw new InvalidRequestError(`${who} needs provider option "${key}"; add it with .with_provider_options({ ${key}: ... })`, {
        model: modelId,
        param: `provider_options.${key}`,
      })
    }
  }

  const wantedFormat = request.format ?? 'url'
  const format = caps.formats.includes(wantedFormat) ? wantedFormat : caps.formats[0]!

  return {
    request: Object.freeze({
      modelId,
      wireModel: caps.wireId,
      capabilities: caps,
      prompt: imageRequest.sendPrompt ? request.prompt : '',
      n: request.n ?? 1,
      size,
      aspectRatio,
      quality,
      style,
      format,
      negativePrompt,
      seed,
      outputFormat,
      outputCompression,
      background,
      providerOptions: Object.freeze(providerOptions),
      operation: imageRequest.operation,
      images: imageRequest.operation === 'generate' ? Object.freeze([]) : (inputs?.images ?? Object.freeze([])),
      mask: imageRequest.operation === 'generate' ? undefined : inputs?.mask,
      strength: imageRequest.strength,
    }),
    warnings,
  }
}
