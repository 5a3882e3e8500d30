import { ImageSize } from '@llmkit/core'
import { UsageError } from './exit-codes.js'

/** Size presets `--size` takes besides `WxH`, lower-case; the seed's `ImageSize` names are accepted too. */
export const SIZE_PRESETS: Readonly<Record<string, string>> = Object.freeze({
  square: ImageSize.Square1024,
  portrait: ImageSize.Portrait1024x1792,
  landscape: ImageSize.Landscape1792x1024,
  ...Object.fromEntries(Object.entries(ImageSize).map(([name, value]) => [name.toLowerCase(), value])),
})

/**
 * Turns `--size` into a `'WxH'` string: a preset (`square`, `landscape`, `Square512`...) or `WxH`.
 * Range checks stay in the core, which knows each model's sizes.
 * @throws {@link UsageError} for anything else.
 */
export function parseSize(value: string): string {
  const preset = SIZE_PRESETS[value.trim().toLowerCase()]
  if (preset !== undefined) return preset
  const match = /^(\d+)\s*[xX×]\s*(\d+)$/.exec(value.trim())
  if (match) return `${Number(match[1])}x${Number(match[2])}`
  throw new UsageError(`--size must be WxH (e.g. 1024x1024) or a preset (${Object.keys(SIZE_PRESETS).join(', ')}), got "${value}"`)
}
