/**
 * Recraft's style families and the substyles known to belong to each (Recraft appendix, "List of
 * styles"; https://www.recraft.ai/docs/api-reference/appendix). The lists change often, so they
 * are used only to catch a substyle given with the wrong family: an unknown substyle is sent
 * as-is and Recraft judges it.
 */
export const RECRAFT_SUBSTYLES = {
  realistic_image: [
    'b_and_w', 'enterprise', 'evening_light', 'faded_nostalgia', 'forest_life', 'hard_flash', 'hdr', 'motion_blur', 'mystic_naturalism',
    'natural_light', 'natural_tones', 'organic_calm', 'real_life_glow', 'retro_realism', 'retro_snapshot', 'studio_portrait', 'urban_drama',
    'village_realism', 'warm_folk',
  ],
  digital_illustration: [
    '2d_art_poster', '2d_art_poster_2', 'antiquarian', 'bold_fantasy', 'child_book', 'child_books', 'cover', 'crosshatch', 'digital_engraving',
    'engraving_color', 'expressionism', 'freehand_details', 'grain', 'grain_20', 'graphic_intensity', 'hand_drawn', 'hand_drawn_outline',
    'handmade_3d', 'hard_comics', 'infantile_sketch', 'long_shadow', 'modern_folk', 'multicolor', 'neon_calm', 'noir', 'nostalgic_pastel',
    'outline_details', 'pastel_gradient', 'pastel_sketch', 'pixel_art', 'plastic', 'pop_art', 'pop_renaissance', 'seamless', 'street_art',
    'tablet_sketch', 'urban_glow', 'urban_sketching', 'vanilla_dreams', 'young_adult_book', 'young_adult_book_2',
  ],
  vector_illustration: [
    'bold_stroke', 'chemistry', 'colored_stencil', 'contour_pop_art', 'cosmics', 'cutout', 'depressive', 'editorial', 'emotional_flat',
    'engraving', 'infographical', 'line_art', 'line_circuit', 'linocut', 'marker_outline', 'mosaic', 'naivector', 'roundish_flat',
    'segmented_colors', 'sharp_contrast', 'thin', 'vector_photo', 'vivid_shapes',
  ],
  icon: ['broken_line', 'colored_outline', 'colored_shapes', 'colored_shapes_gradient', 'doodle_fill', 'doodle_offset_fill', 'offset_fill', 'outline', 'outline_gradient', 'uneven_fill'],
  logo_raster: ['emblem_graffiti', 'emblem_pop_art', 'emblem_punk', 'emblem_stamp', 'emblem_vintage'],
} as const satisfies Record<string, readonly string[]>

/** A base style family. */
export type RecraftStyleFamily = keyof typeof RECRAFT_SUBSTYLES

/**
 * Base styles each wire model takes. `icon` is V2 only and `logo_raster` V3 only; the V4 family
 * takes no style at all (https://www.recraft.ai/docs/api-reference/styles), so it is absent.
 */
export const RECRAFT_STYLES_BY_MODEL: Readonly<Record<string, readonly string[]>> = {
  recraftv2: ['any', 'realistic_image', 'digital_illustration', 'vector_illustration', 'icon'],
  recraftv2_vector: ['any', 'realistic_image', 'digital_illustration', 'vector_illustration', 'icon'],
  recraftv3: ['any', 'realistic_image', 'digital_illustration', 'vector_illustration', 'logo_raster'],
  recraftv3_vector: ['any', 'realistic_image', 'digital_illustration', 'vector_illustration', 'logo_raster'],
}

const FAMILIES = Object.keys(RECRAFT_SUBSTYLES) as RecraftStyleFamily[]

/** Families a substyle is known to belong to: by name, or by a `<family>_` prefix (`digital_illustration_pixel_art`). */
export function substyleFamilies(substyle: string): RecraftStyleFamily[] {
  return FAMILIES.filter((family) => (RECRAFT_SUBSTYLES[family] as readonly string[]).includes(substyle) || substyle.startsWith(`${family}_`))
}

/** What {@link checkRecraftStyle} found wrong: a message and the blamed option. */
export interface StyleProblem {
  /** Why Recraft would reject the combination. */
  message: string
  /** The provider option at fault. */
  param: 'style' | 'substyle' | 'style_id'
}

/**
 * Checks style, substyle and style_id against the model before a paid call, because Recraft
 * answers these mistakes with a bare 400. Returns undefined when the combination may be sent.
 */
export function checkRecraftStyle(wireModel: string, options: { style?: string | undefined; substyle?: string | undefined; style_id?: string | undefined }): StyleProblem | undefined {
  const { style, substyle, style_id: styleId } = options
  // V4 Styles models render only in a custom style: style_id is theirs, style/substyle are not.
  if (wireModel.startsWith('recraftv4_styles')) {
    if (style !== undefined) return { param: 'style', message: `${wireModel} takes only a style_id (a custom style from POST /styles), not style; remove style` }
    if (substyle !== undefined) return { param: 'substyle', message: `${wireModel} takes only a style_id (a custom style from POST /styles), not substyle; remove substyle` }
    if (styleId === undefined) return { param: 'style_id', message: `${wireModel} needs provider_options.style_id (a custom style UUID from POST /styles)` }
    return undefined
  }
  const allowed = RECRAFT_STYLES_BY_MODEL[wireModel]
  if (allowed === undefined) {
    const given = style !== undefined ? 'style' : styleId !== undefined ? 'style_id' : substyle !== undefined ? 'substyle' : undefined
    if (given !== undefined) return { param: given, message: `${wireModel} takes no styles (${given} is for recraftv2/recraftv3 models${given === 'style_id' ? ' and the recraftv4_styles models' : ''} only); remove ${given}` }
    return undefined
  }
  if (style !== undefined && styleId !== undefined) return { param: 'style_id', message: 'style and style_id exclude each other; give one' }
  if (style !== undefined && FAMILIES.includes(style as RecraftStyleFamily) && !allowed.includes(style)) {
    return { param: 'style', message: `${wireModel} does not take style "${style}" (styles: ${allowed.join(', ')})` }
  }
  if (substyle !== undefined) {
    if (style === undefined) return { param: 'substyle', message: 'substyle needs style: a substyle refines one style family' }
    const families = substyleFamilies(substyle)
    if (families.length > 0 && !families.includes(style as RecraftStyleFamily)) {
      return { param: 'substyle', message: `substyle "${substyle}" belongs to ${families.join(', ')}, not to style "${style}"` }
    }
  }
  return undefined
}
