import { json } from '../http-util.js'
import type { EmulatorProvider } from '../types.js'

/** Placeholder until the replicate API is emulated (its provider issue). */
export const replicateEmulator: EmulatorProvider = {
  id: 'replicate',
  prefix: '/replicate',
  env: (origin, key) => ({ REPLICATE_BASE_URL: `${origin}/replicate`, REPLICATE_API_TOKEN: key }),
  handle: () => json(501, { error: 'replicate is not emulated yet' }),
}
