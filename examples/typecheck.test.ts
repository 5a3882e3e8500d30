import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const run = promisify(execFile)
const here = fileURLToPath(new URL('.', import.meta.url))

describe('examples', () => {
  it('type-check against the public API', { timeout: 120_000 }, async () => {
    // Typed like user code: `llmkit` and the plugins resolve through tsconfig paths to their sources.
    const tsc = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url))
    const result = await run(process.execPath, [tsc, '-p', `${here}tsconfig.json`, '--noEmit'], { cwd: here }).catch((error: { stdout?: string; code?: number }) => error)
    expect((result as { stdout?: string }).stdout ?? '').toBe('')
  })
})
