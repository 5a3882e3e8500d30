import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url))
/** The seed API page, verbatim (a test fixture, not documentation); the test also compares it with ../shared when that exists. */
export const SEED_IN_REPO = fileURLToPath(new URL('./image-generation-api.md', import.meta.url))
export const SEED_SHARED = `${repoRoot}../shared/seed/image-generation-api.md`

/** One ```typescript block of the seed, with the heading it stands under. */
export interface Snippet {
  heading: string
  code: string
}

/** Every TypeScript block of the seed, in order. */
export function seedSnippets(path = SEED_IN_REPO): Snippet[] {
  const text = readFileSync(path, 'utf8')
  const out: Snippet[] = []
  let heading = ''
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!
    if (line.startsWith('#')) heading = line.replace(/^#+\s*/, '')
    if (line.trim() === '```typescript') {
      const body: string[] = []
      for (i++; i < lines.length && lines[i]!.trim() !== '```'; i++) body.push(lines[i]!)
      out.push({ heading, code: body.join('\n') })
    }
  }
  return out
}

/** Signatures (not runnable code): they are checked as types instead. */
export function isSignature(code: string): boolean {
  return /new ImageGenerationRequest\(model: string/.test(code) || /^async generateImage\(/m.test(code)
}

const LLMKIT_NAMES = ['LLMKitClient', 'ImageGenerationRequest', 'ImageSize', 'ImageQuality', 'ImageStyle', 'ImageFormat']

/**
 * Writes the snippet unchanged into a module, preceded only by the imports it is missing:
 * llmkit names it uses without importing, and `client` when it uses one it never declares.
 */
export function materialize(snippet: Snippet, name: string): string {
  const imported = new Set([...snippet.code.matchAll(/import\s*\{([^}]*)\}\s*from\s*'llmkit'/g)].flatMap((m) => m[1]!.split(',').map((s) => s.trim())))
  const missing = LLMKIT_NAMES.filter((n) => !imported.has(n) && new RegExp(`\\b${n}\\b`).test(snippet.code))
  const header: string[] = []
  if (missing.length > 0) header.push(`import { ${missing.join(', ')} } from '@llmkit/core'`)
  const declaresClient = /\b(const|let|var)\s+client\b/.test(snippet.code)
  if (!declaresClient && /\bclient\./.test(snippet.code)) header.push(`import { client } from '../seed-client.js'`)
  const dir = fileURLToPath(new URL('./.generated/', import.meta.url))
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true })
  const file = `${dir}${name}.ts`
  writeFileSync(file, `${header.join('\n')}${header.length ? '\n' : ''}${snippet.code}\nexport {}\n`)
  return file
}
