import type { EmulatorProvider } from '../types.js'
import { falEmulator } from './fal.js'
import { openaiEmulator } from './openai.js'
import { recraftEmulator } from './recraft.js'
import { replicateEmulator } from './replicate.js'
import { runwayEmulator } from './runway.js'
import { stabilityEmulator } from './stability.js'

/** Every emulated provider API. */
export const emulatedProviders: readonly EmulatorProvider[] = [openaiEmulator, falEmulator, stabilityEmulator, recraftEmulator, runwayEmulator, replicateEmulator]
