import { json } from '../http-util.js'
import type { EmulatorProvider } from '../types.js'

/** Placeholder until the recraft API is emulated (its provider issue). */
export const recraftEmulator: EmulatorProvider = {
  id: 'recraft',
  prefix: '/recraft',
  env: (origin, key) => ({ RECRAFT_BASE_URL: `${origin}/recraft`, RECRAFT_API_KEY: key }),
  handle: () => json(501, { error: 'recraft is not emulated yet' }),
}
