import { json } from '../http-util.js'
import type { EmulatorProvider } from '../types.js'

/** Placeholder until the stability API is emulated (its provider issue). */
export const stabilityEmulator: EmulatorProvider = {
  id: 'stability',
  prefix: '/stability',
  env: (origin, key) => ({ STABILITY_BASE_URL: `${origin}/stability`, STABILITY_API_KEY: key }),
  handle: () => json(501, { error: 'stability is not emulated yet' }),
}
