import { json } from '../http-util.js'
import type { EmulatorProvider } from '../types.js'

/** Placeholder until the runway API is emulated (its provider issue). */
export const runwayEmulator: EmulatorProvider = {
  id: 'runway',
  prefix: '/runway',
  env: (origin, key) => ({ RUNWAYML_BASE_URL: `${origin}/runway`, RUNWAYML_API_SECRET: key }),
  handle: () => json(501, { error: 'runway is not emulated yet' }),
}
