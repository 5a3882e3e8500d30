import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { KNOWN_PROVIDER_PACKAGES } from '@llmkit/core'

/** What a failure is, as far as a hint needs to know. */
interface HintedError {
  code?: unknown
  param?: unknown
  message?: unknown
}

/** Where this CLI runs from, to tell a global install from the project's own. */
const CLI_FILE = fileURLToPath(import.meta.url)

/**
 * The provider packages named in `message` that are installed in the project at `cwd` but that
 * this `llmkit` cannot see because it runs from elsewhere (a global install).
 */
function installedButUnseen(message: string, cwd: string): string[] {
  return KNOWN_PROVIDER_PACKAGES.map((k) => k.packageName).filter(
    (name) => message.includes(name) && existsSync(join(cwd, 'node_modules', name, 'package.json')) && !CLI_FILE.startsWith(join(cwd, 'node_modules')),
  )
}

/**
 * A hint for this error in particular, when there is one better than the exit code's general
 * advice: an empty prompt, a refused prompt, a provider package a global CLI cannot see.
 */
export function specificHint(error: unknown, cwd: string | undefined): string | undefined {
  const e = (error ?? {}) as HintedError
  const message = typeof e.message === 'string' ? e.message : ''
  if (e.code === 'LLMKIT_CONTENT_POLICY') {
    return "The provider's safety system refused the prompt or the image: rephrase the prompt; this is not retried, and refused prompts are usually not billed."
  }
  if (e.code === 'LLMKIT_INVALID_REQUEST' && e.param === 'prompt' && /empty|missing|required/i.test(message)) {
    return 'Give a prompt in quotes: llmkit generate "A red fox in snow" -m <model>, or - to read it from standard input.'
  }
  if (e.code === 'LLMKIT_MODEL_NOT_FOUND' && cwd !== undefined) {
    const unseen = installedButUnseen(message, cwd)
    if (unseen.length > 0) {
      return `${unseen.join(', ')} is installed in this project, but the llmkit you ran is installed elsewhere (globally) and cannot see it: run the project's own with npx llmkit, or install the provider next to it: npm i -g ${unseen.join(' ')}.`
    }
  }
  return undefined
}

/** `llmkit models --provider <id>` for an id that is not installed: install it, or fix the typo. */
export function unknownProviderMessage(id: string, installed: readonly string[]): string {
  const known = KNOWN_PROVIDER_PACKAGES.find((k) => k.id === id)
  const installedText = `Installed: ${installed.join(', ') || 'none'}.`
  if (known !== undefined) return `Provider "${id}" is not installed. ${installedText} Install it with npm i ${known.packageName}.`
  const ids = KNOWN_PROVIDER_PACKAGES.map((k) => k.id)
  const close = ids.find((k) => k.startsWith(id.slice(0, 2).toLowerCase()) || id.toLowerCase().includes(k))
  return `No provider "${id}": the provider ids are ${ids.join(', ')}${close !== undefined ? ` (did you mean ${close}?)` : ''}. ${installedText}`
}
