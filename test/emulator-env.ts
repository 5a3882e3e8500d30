import { inject } from 'vitest'

// Point every provider at the emulator before any test builds a client from the environment.
Object.assign(process.env, inject('emulatorEnv'))
