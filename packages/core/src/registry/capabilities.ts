import { z } from 'zod'

const sizeString = z.string().regex(/^\d+x\d+$/, "sizes are 'WxH' strings")
const ratioString = z.string().regex(/^\d+(\.\d+)?:\d+(\.\d+)?$/, "aspect ratios are 'W:H' strings")

/** How a model takes its output size. */
export const sizeSpecSchema = z.discriminatedUnion('kind', [
  /** Only these exact pixel sizes. */
  z.object({ kind: z.literal('list'), values: z.array(sizeString).min(1) }),
  /** Any width/height in a range, on a step grid. */
  z.object({
    kind: z.literal('range'),
    minWidth: z.number().int().positive(),
    maxWidth: z.number().int().positive(),
    minHeight: z.number().int().positive(),
    maxHeight: z.number().int().positive(),
    step: z.number().int().positive(),
    /** Largest width × height, when the provider caps the area. */
    maxPixels: z.number().int().positive().optional(),
    /** Largest long-edge / short-edge ratio (3 for gpt-image-2's 1:3 to 3:1), when the provider bounds it. */
    maxAspectRatio: z.number().min(1).optional(),
  }),
  /** Only aspect ratios; the service picks the pixels (about one megapixel). */
  z.object({ kind: z.literal('aspect'), values: z.array(ratioString).min(1) }),
])
/** Limits of one operation a model offers on input images. */
export const imageOperationSpecSchema = z.strictObject({
  /** Fewest input images. @defaultValue 1 */
  minImages: z.number().int().min(1).optional(),
  /** Most input images. */
  maxImages: z.number().int().min(1),
  /** `required`: the operation needs a mask; `optional`: it takes one; absent: a mask is refused. */
  mask: z.enum(['required', 'optional']).optional(),
  /**
   * Whether `strength` is honored (`'required'`: the API needs one, so a request without it fails
   * before the network); otherwise a strength follows the `unsupported` policy.
   */
  strength: z.union([z.boolean(), z.literal('required')]).optional(),
  /** `required` (default), `optional`, or `none`: no prompt is sent (a variation). */
  prompt: z.enum(['required', 'optional', 'none']).optional(),
})

/**
 * What a model does with input images, as data: the operations it offers with their limits, the
 * input types and sizes it takes, and its mask rules. The core checks requests against it before
 * any call and `llmkit models` lists it; a row without it is text-only.
 */
export const imageInputsSchema = z.strictObject({
  /** Operations the model (endpoint) offers, with their limits. */
  operations: z.partialRecord(z.enum(['edit', 'inpaint', 'outpaint', 'image-to-image', 'variation', 'reference']), imageOperationSpecSchema),
  /** `false`: the model needs an input image (FLUX Kontext); a text-only request fails before the network. @defaultValue true */
  textToImage: z.boolean().optional(),
  /** Input types accepted, sniffed from the bytes. */
  mimeTypes: z.array(z.enum(['image/png', 'image/jpeg', 'image/webp'])).min(1),
  /** Largest input in bytes (each image and the mask). */
  maxBytes: z.number().int().positive(),
  /** Shortest side in pixels. */
  minSide: z.number().int().positive().optional(),
  /** Longest side in pixels. */
  maxSide: z.number().int().positive().optional(),
  /** Largest width × height. */
  maxPixels: z.number().int().positive().optional(),
  /** Inputs must be square (dall-e-2). */
  square: z.boolean().optional(),
  /**
   * Mask rules. `sameSize`: the mask has the first image's pixel size. `kind`: `alpha` marks the
   * area with transparent pixels (the mask needs an alpha channel: OpenAI); `luminance` marks it
   * in white on black (Stability, Recraft, fal, Replicate).
   */
  mask: z.strictObject({ sameSize: z.boolean(), kind: z.enum(['alpha', 'luminance']) }).optional(),
})

/** See {@link sizeSpecSchema}. */
export type SizeSpec = ModelCapabilities['sizes']

/**
 * JSON types a provider option may take, as written in the provider's API docs. `integer` is a
 * safe integer, `number` any finite number, `object` a plain JSON object, `json` any JSON value.
 * Ranges and enums are left to the provider (its 422 names the field), so a new enum value
 * never needs a table change.
 */
export const PROVIDER_OPTION_TYPES = ['string', 'integer', 'number', 'boolean', 'array', 'object', 'json'] as const
/** One of {@link PROVIDER_OPTION_TYPES}. */
export type ProviderOptionType = (typeof PROVIDER_OPTION_TYPES)[number]

/**
 * One model's capabilities, as data. The core turns this table into validation, warnings,
 * `n` splitting, size mapping and the `llmkit models` listing; providers never branch on it.
 */
export const modelCapabilitiesSchema = z.strictObject({
  /** Public id, e.g. `dall-e-3`. Unique across installed plugins. */
  id: z.string().min(1),
  /** Other ids that resolve to this model. */
  aliases: z.array(z.string().min(1)).optional(),
  /** Id sent on the wire (`recraftv3` for `recraft-v3`). */
  wireId: z.string().min(1),
  /** Human name for listings. */
  displayName: z.string().optional(),
  /** `sync`: one HTTP call returns images. `async`: a remote job is submitted and polled. */
  mode: z.enum(['sync', 'async']),
  /** Most images one provider call returns; above it the core splits `n` into parallel calls. */
  maxImagesPerCall: z.number().int().min(1),
  /** Sizes the model takes. */
  sizes: sizeSpecSchema,
  /** Size used when the request gives none, `'WxH'` (or `'W:H'` for aspect models). */
  defaultSize: z.string().optional(),
  /** Quality tiers the model takes; empty when it has none. */
  qualities: z.array(z.string()),
  /** Request qualities mapped onto this model's tiers, e.g. `{ hd: 'high' }`; each use is a warning. */
  qualityMap: z.record(z.string(), z.string()).optional(),
  /** Styles the model takes; empty when it has none. */
  styles: z.array(z.string()),
  /** Whether a negative prompt is honored. */
  negativePrompt: z.boolean(),
  /**
   * Seed range (inclusive, from the provider's docs), or null when the model has no seed. A seed
   * outside it is an InvalidRequestError before any call; a split request's part seeds wrap inside
   * it (see {@link seedForPart}). `zeroIsRandom`: the provider reads 0 as "pick a random seed"
   * (Stability), so a seeded split never sends 0.
   */
  seed: z
    .object({ min: z.number().int(), max: z.number().int(), zeroIsRandom: z.boolean().optional() })
    .refine((s) => s.min <= s.max, 'seed.min must not be above seed.max')
    .nullable(),
  /** Formats the provider returns natively; the core converts to the other one. */
  formats: z.array(z.enum(['url', 'b64_json'])).min(1),
  /** MIME types the model can produce, first is the default. */
  outputMimeTypes: z.array(z.string()).optional(),
  /**
   * Output formats the request can choose (`output_format`), sent on the wire by the provider.
   * Absent or empty: the model cannot choose, and a requested format is honored only when
   * `outputMimeTypes` says the model always produces it.
   */
  outputFormats: z.array(z.enum(['png', 'jpeg', 'webp'])).optional(),
  /** Whether `output_compression` (0-100, jpeg/webp) is honored. */
  outputCompression: z.boolean().optional(),
  /** `background` values the model takes; absent or empty when it has no background setting. */
  backgrounds: z.array(z.enum(['transparent', 'opaque', 'auto'])).optional(),
  /**
   * Longest prompt in characters (UTF-16 code units, JavaScript's `length`), from the provider's
   * docs; checked before any call. A model without one gets {@link DEFAULT_MAX_PROMPT_LENGTH}.
   */
  maxPromptLength: z.number().int().positive().optional(),
  /**
   * `provider_options` the provider understands, by name, with the JSON type its API docs give.
   * An unknown name follows the `unsupported` policy; a value of the wrong type is an
   * InvalidRequestError naming `provider_options.<name>`.
   */
  providerOptions: z.record(z.string().min(1), z.enum(PROVIDER_OPTION_TYPES)).optional(),
  /** `provider_options` keys without which the model cannot run (e.g. reference images). */
  requiredProviderOptions: z.array(z.string()).optional(),
  /** Input images the model takes (editing, image-to-image, variations, references); absent: text only. */
  imageInputs: imageInputsSchema.optional(),
  /** Documentation link for the row. */
  source: z.string().optional(),
  /**
   * Set on a row made up for an id outside the provider's table (`openai:gpt-image-2-2026-04-21`):
   * a sentence saying what it was guessed from. Every response of such a model carries it as a
   * warning (see {@link guessedWarning}).
   */
  guessed: z.string().min(1).optional(),
})

/**
 * Prompt limit of a model whose row declares none (third-party plugins): no provider llmkit knows
 * takes more than 32000 characters (OpenAI's GPT image models), so a longer prompt is a mistake,
 * not a request worth paying for.
 */
export const DEFAULT_MAX_PROMPT_LENGTH = 32_000

/** Deeply readonly, so `as const` capability tables satisfy the type. */
type ReadonlyDeep<T> = T extends readonly (infer U)[] ? readonly ReadonlyDeep<U>[] : T extends object ? { readonly [K in keyof T]: ReadonlyDeep<T[K]> } : T

/** See {@link modelCapabilitiesSchema}. Capability tables are `as const satisfies readonly ModelCapabilities[]`. */
export type ModelCapabilities = ReadonlyDeep<z.input<typeof modelCapabilitiesSchema>>

/** See {@link imageInputsSchema}. */
export type ImageInputSpec = NonNullable<ModelCapabilities['imageInputs']>
/** See {@link imageOperationSpecSchema}. */
export type ImageOperationSpec = ReadonlyDeep<z.input<typeof imageOperationSpecSchema>>

/** Parses a capability row, throwing a TypeError that names the model and the field. */
export function parseModelCapabilities(row: unknown): ModelCapabilities {
  // Rows are returned as given (not the parsed copy) so identity checks on tables keep working.
  const parsed = modelCapabilitiesSchema.safeParse(row)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const id = (row as { id?: unknown } | null)?.id
    throw new TypeError(`Invalid capabilities for model ${String(id)}: ${issue?.path.join('.')}: ${issue?.message}`)
  }
  return row as ModelCapabilities
}

/**
 * The seed of part `part` of a request split by `n` with seed `seed`: `seed + part`, wrapped into
 * the model's range so no part leaves it (Runway's `4294967295` is followed by `0`). On a
 * `zeroIsRandom` model the wrap skips 0, which would make that part unseeded (Stability's
 * `4294967294` is followed by `1`); a request seed of 0 there already asks for random images, so
 * every part keeps 0.
 */
export function seedForPart(seed: number, part: number, range: NonNullable<ModelCapabilities['seed']>): number {
  if (part === 0) return seed
  // 0 asks such a model for random images: each part stays random.
  const skipZero = range.zeroIsRandom === true && range.min <= 0 && range.max >= 0
  if (skipZero && seed === 0) return 0
  if (range.max - range.min + 1 - (skipZero ? 1 : 0) <= 0) return seed
  // Position of the seed among the range's seeds (0 left out), moved by `part`, wrapped.
  const count = range.max - range.min + 1 - (skipZero ? 1 : 0)
  const position = seed - range.min - (skipZero && seed > 0 ? 1 : 0)
  // Counts reach 2^32, well inside safe integers, so the sum and remainder are exact.
  const wrapped = (((position + part) % count) + count) % count
  const value = range.min + wrapped
  return skipZero && value >= 0 ? value + 1 : value
}

/** The warning every response of a model with a guessed capability row carries; undefined for a table row. */
export function guessedWarning(modelId: string, capabilities: ModelCapabilities): { type: 'other'; setting: 'model'; message: string; requested: string } | undefined {
  if (capabilities.guessed === undefined) return undefined
  return { type: 'other', setting: 'model', message: capabilities.guessed, requested: modelId }
}
