import { json } from '../http-util.js'
import type { EmulatorProvider } from '../types.js'

/** Placeholder until the fal API is emulated (its provider issue). */
export const falEmulator: EmulatorProvider = {
  id: 'fal',
  prefix: '/fal',
  env: (origin, key) => ({ FAL_BASE_URL: `${origin}/fal`, FAL_KEY: key }),
  handle: () => json(501, { error: 'fal is not emulated yet' }),
}
