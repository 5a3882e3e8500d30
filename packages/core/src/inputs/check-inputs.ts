import { InvalidRequestError, UnsupportedCapabilityError } from '../errors.js'
import type { ImageInputSpec, ImageOperationSpec, ModelCapabilities } from '../registry/capabilities.js'
import { IMAGE_OPERATIONS, type ImageInput, type ImageOperation, type InputImage, type ResolvedInputs } from './image-input.js'

/** The operation of a request: `'generate'` from text alone, or one of {@link ImageOperation}. */
export type RequestOperation = 'generate' | ImageOperation

/** The image fields of a request, as the caller gave them. */
export interface ImageRequestFields {
  readonly prompt: string
  readonly images?: readonly ImageInput[] | undefined
  readonly mask?: ImageInput | undefined
  readonly strength?: number | undefined
  readonly operation?: ImageOperation | undefined
}

/** What {@link checkImageRequest} decided. */
export interface CheckedImageRequest {
  /** The operation the provider performs. */
  readonly operation: RequestOperation
  /** The operation's limits (undefined for `'generate'`). */
  readonly spec: ImageOperationSpec | undefined
  /** Strength to send, only when the operation honors it. */
  readonly strength: number | undefined
  /** Whether the prompt is sent (`false` for a variation). */
  readonly sendPrompt: boolean
}

/** Reports a setting the model cannot honor: a warning or an error, by the caller's policy. */
export type ReportUnsupported = (setting: string, requested: unknown, why: string) => void

/** Operations the core picks, in order, when a request with images names none (variation only when asked). */
const DEFAULT_ORDER: readonly ImageOperation[] = ['edit', 'image-to-image', 'reference', 'inpaint', 'outpaint']

function offered(spec: ImageInputSpec | undefined): ImageOperation[] {
  return spec === undefined ? [] : IMAGE_OPERATIONS.filter((op) => spec.operations[op] !== undefined)
}

/**
 * Checks the shape of a request's image fields against a model's row, with no bytes read: that
 * the model takes images at all, which operation runs, the image count, the mask, the strength
 * and the prompt rule. Runs before any input is fetched, so a wrong model costs nothing.
 *
 * @param imageModels ids of models that take images, named in the error of a text-only model.
 * @throws {@link UnsupportedCapabilityError} for images on a text-only model or an operation the
 * model does not offer; {@link InvalidRequestError} for counts, a missing mask, prompt rules.
 */
export function checkImageRequest(request: ImageRequestFields, modelId: string, caps: ModelCapabilities, report: ReportUnsupported, imageModels?: () => readonly string[]): CheckedImageRequest {
  const spec = caps.imageInputs
  const count = request.images?.length ?? 0
  const operations = offered(spec)
  if (count === 0) {
    if (request.mask !== undefined) throw new InvalidRequestError(`a mask needs an image to apply to; add .with_image(...) before .with_mask(...)`, { model: modelId, param: 'mask' })
    if (request.operation !== undefined) {
      throw new InvalidRequestError(`operation "${request.operation}" needs an input image; add .with_image(...)`, { model: modelId, param: 'images' })
    }
    if (spec !== undefined && spec.textToImage === false) {
      throw new InvalidRequestError(`${modelId} needs an input image (${operations.join(', ')}); add .with_image(...)`, { model: modelId, param: 'images' })
    }
    if (request.strength !== undefined) report('strength', request.strength, 'applies strength to an input image only, and the request has none')
    return { operation: 'generate', spec: undefined, strength: undefined, sendPrompt: true }
  }
  if (spec === undefined || operations.length === 0) {
    const ids = imageModels?.() ?? []
    const others = ids.length === 0 ? '' : ` Models that take images: ${ids.slice(0, 8).join(', ')}${ids.length > 8 ? ', …' : ''}.`
    throw new UnsupportedCapabilityError(`${modelId} takes no input images (it draws from text only). Remove the images, or use a model that takes them.${others}`, { model: modelId, param: 'images' })
  }
  let operation: ImageOperation
  if (request.operation !== undefined) {
    if (spec.operations[request.operation] === undefined) {
      throw new UnsupportedCapabilityError(`${modelId} does not offer operation "${request.operation}" (it offers: ${operations.join(', ')})`, { model: modelId, param: 'operation' })
    }
    operation = request.operation
  } else if (request.mask !== undefined) {
    // A mask says "repaint here": an inpaint if offered, else an edit that takes a mask.
    const withMask = (['inpaint', 'edit', 'outpaint'] as const).find((op) => spec.operations[op]?.mask !== undefined)
    if (withMask === undefined) throw new UnsupportedCapabilityError(`${modelId} takes no mask (it offers: ${operations.join(', ')}); remove the mask`, { model: modelId, param: 'mask' })
    operation = withMask
  } else {
    const first = DEFAULT_ORDER.find((op) => spec.operations[op] !== undefined)
    if (first === undefined) {
      throw new InvalidRequestError(`${modelId} offers only ${operations.join(', ')}; say so with .with_operation('${operations[0]}')`, { model: modelId, param: 'operation' })
    }
    operation = first
  }
  const op = spec.operations[operation]!
  const min = op.minImages ?? 1
  if (count < min || count > op.maxImages) {
    const range = min === op.maxImages ? `${min}` : `${min} to ${op.maxImages}`
    throw new InvalidRequestError(`${modelId} ${operation} takes ${range} input image${op.maxImages === 1 ? '' : 's'}; got ${count}`, { model: modelId, param: 'images' })
  }
  if (request.mask !== undefined && op.mask === undefined) {
    throw new UnsupportedCapabilityError(`${modelId} ${operation} takes no mask; remove it${operations.some((o) => spec.operations[o]?.mask !== undefined) ? ` or use operation ${operations.filter((o) => spec.operations[o]?.mask !== undefined).join(' / ')}` : ''}`, { model: modelId, param: 'mask' })
  }
  if (request.mask === undefined && op.mask === 'required') {
    throw new InvalidRequestError(`${modelId} ${operation} needs a mask marking the area to change; add .with_mask(...)`, { model: modelId, param: 'mask' })
  }
  let strength: number | undefined
  if (request.strength === undefined && op.strength === 'required') {
    throw new InvalidRequestError(`${modelId} ${operation} needs a strength (0 keeps the input, 1 ignores it); add .with_strength(0.6)`, { model: modelId, param: 'strength' })
  }
  if (request.strength !== undefined) {
    if (op.strength === true || op.strength === 'required') strength = request.strength
    else report('strength', request.strength, `has no strength setting for ${operation}`)
  }
  const promptRule = op.prompt ?? 'required'
  const hasPrompt = request.prompt.trim() !== ''
  if (promptRule === 'required' && !hasPrompt) {
    throw new InvalidRequestError(`${modelId} ${operation} needs a prompt saying what to make of the image`, { model: modelId, param: 'prompt' })
  }
  if (promptRule === 'none' && hasPrompt) report('prompt', request.prompt, `takes no prompt for ${operation}`)
  return { operation, spec: op, strength, sendPrompt: promptRule !== 'none' && hasPrompt }
}

function describeSize(image: InputImage): string {
  return `${image.width}x${image.height}`
}

/**
 * Checks read inputs against the model's limits: types, bytes, sides, pixels, squareness, and the
 * mask's size and kind. Everything here is known before the network.
 * @throws {@link InvalidRequestError} naming the input (`images.0`, `mask`) and the limit.
 */
export function checkInputLimits(inputs: ResolvedInputs, modelId: string, spec: ImageInputSpec): void {
  const all: [string, InputImage][] = inputs.images.map((image, i) => [`images.${i}`, image])
  if (inputs.mask !== undefined) all.push(['mask', inputs.mask])
  for (const [param, image] of all) {
    const fail = (why: string) => new InvalidRequestError(`${modelId}: ${param} ${why}`, { model: modelId, param })
    if (!spec.mimeTypes.includes(image.mimeType)) throw fail(`is ${image.mimeType}; this model takes ${spec.mimeTypes.join(', ')}`)
    if (image.bytes.byteLength > spec.maxBytes) throw fail(`is ${image.bytes.byteLength} bytes; this model takes at most ${spec.maxBytes}`)
    const longest = Math.max(image.width, image.height)
    const shortest = Math.min(image.width, image.height)
    if (spec.maxSide !== undefined && longest > spec.maxSide) throw fail(`is ${describeSize(image)}; sides must be at most ${spec.maxSide} px`)
    if (spec.minSide !== undefined && shortest < spec.minSide) throw fail(`is ${describeSize(image)}; sides must be at least ${spec.minSide} px`)
    if (spec.maxPixels !== undefined && image.width * image.height > spec.maxPixels) throw fail(`is ${describeSize(image)}; at most ${spec.maxPixels} pixels`)
    if (spec.square === true && image.width !== image.height) throw fail(`is ${describeSize(image)}; this model takes square images only`)
  }
  const mask = inputs.mask
  const first = inputs.images[0]
  if (mask !== undefined && first !== undefined && spec.mask !== undefined) {
    if (spec.mask.sameSize && (mask.width !== first.width || mask.height !== first.height)) {
      throw new InvalidRequestError(`${modelId}: the mask is ${describeSize(mask)} but the image is ${describeSize(first)}; they must be the same size`, { model: modelId, param: 'mask' })
    }
    if (spec.mask.kind === 'alpha' && !mask.hasAlpha) {
      throw new InvalidRequestError(`${modelId}: the mask has no alpha channel; transparent pixels mark the area to edit, so save it as a PNG with transparency (RGBA)`, { model: modelId, param: 'mask' })
    }
  }
}
