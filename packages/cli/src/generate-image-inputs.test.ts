import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ModelListing } from '@llmkit/core'
import { derivedInputs, inputDigest, startEmulator, type RunningEmulator } from '@llmkit/emulator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { png } from '../../core/src/inputs/__fixtures__/images.js'
import { cliContext } from './__fixtures__/cli-context.js'
import { describeImageInputs } from './capability-summary.js'
import { run } from './program.js'

let emulator: RunningEmulator
let cwd: string
/** Input files in the working folder, and their bytes. */
const files = { source: png(128, 128), mask: png(128, 128, { alpha: true }), wide: png(96, 64), small: png(32, 32, { alpha: true }) }

beforeAll(async () => {
  emulator = await startEmulator()
  cwd = mkdtempSync(join(tmpdir(), 'llmkit-cli-inputs-'))
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(cwd, `${name}.png`), bytes)
})
afterAll(async () => {
  await emulator?.close()
  rmSync(cwd, { recursive: true, force: true })
})

const context = () => cliContext({ env: emulator.env, cwd })
/** Requests the emulator has seen at `path` (the log records every request, with its path). */
const seenAt = (path: string) => emulator.log.entries.filter((r) => r.path.endsWith(path)).length

describe('llmkit generate --image / --mask / --operation', () => {
  it('edits with a mask: the saved image is derived from the image and mask files', async () => {
    const c = context()
    const code = await run(['node', 'llmkit', 'generate', 'Add a red hat', '-m', 'gpt-image-1', '--image', 'source.png', '--mask', 'mask.png', '-o', 'edit', '--json'], c.ctx)
    expect(code, c.stderr()).toBe(0)
    const result = JSON.parse(c.stdout()) as { images: { path: string }[]; warnings: unknown[] }
    expect(result.warnings).toStrictEqual([])
    const saved = readFileSync(join(cwd, result.images[0]!.path))
    expect(derivedInputs(saved)).toStrictEqual([inputDigest(files.source), inputDigest(files.mask)])
  })

  it('sends repeated --image files in order', async () => {
    const c = context()
    expect(await run(['node', 'llmkit', 'generate', 'Combine them', '-m', 'gpt-image-1', '--image', 'wide.png', '--image', 'source.png', '-o', 'multi', '--json'], c.ctx)).toBe(0)
    const result = JSON.parse(c.stdout()) as { images: { path: string }[] }
    expect(derivedInputs(readFileSync(join(cwd, result.images[0]!.path)))).toStrictEqual([inputDigest(files.wide), inputDigest(files.source)])
  })

  it('makes a variation without a prompt and names the files after the operation', async () => {
    const c = context()
    expect(await run(['node', 'llmkit', 'generate', '-m', 'dall-e-2', '--image', 'source.png', '--operation', 'variation', '-n', '2', '--size', '256x256', '-o', 'variation', '--json'], c.ctx)).toBe(0)
    const result = JSON.parse(c.stdout()) as { images: { path: string }[] }
    expect(result.images.map((i) => i.path)).toStrictEqual([join('variation', 'dall-e-2-variation-1.png'), join('variation', 'dall-e-2-variation-2.png')])
    for (const image of result.images) expect(derivedInputs(readFileSync(join(cwd, image.path)))).toStrictEqual([inputDigest(files.source)])
  })
})

describe('bad image inputs are refused before any request', () => {
  it.each([
    ['a prompt missing without --operation variation', ['-m', 'gpt-image-1', '--image', 'source.png'], /missing required argument 'prompt'/],
    ['a strength outside 0-1', ['x', '-m', 'gpt-image-1', '--image', 'source.png', '--strength', '1.5'], /--strength must be a number from 0 to 1/],
    ['an unknown operation', ['x', '-m', 'gpt-image-1', '--image', 'source.png', '--operation', 'remix'], /--operation/],
    ['an image file that does not exist', ['x', '-m', 'gpt-image-1', '--image', 'nope.png'], /Cannot read image file ".*nope\.png": ENOENT/],
    ['a mask of another size', ['x', '-m', 'gpt-image-1', '--image', 'source.png', '--mask', 'small.png'], /mask is 32x32 but the image is 128x128/],
    ['a non-square image for dall-e-2', ['-m', 'dall-e-2', '--image', 'wide.png', '--operation', 'variation'], /square images only/],
    ['an image for a text-only model', ['x', '-m', 'dall-e-3', '--image', 'source.png'], /takes no input images/],
    ['a variation on a model without one', ['-m', 'gpt-image-1', '--image', 'source.png', '--operation', 'variation'], /does not offer operation "variation"/],
  ])('%s (exit 2)', async (_name, args, message) => {
    const before = seenAt('/images/edits') + seenAt('/images/variations') + seenAt('/images/generations')
    const c = context()
    expect(await run(['node', 'llmkit', 'generate', ...args], c.ctx)).toBe(2)
    expect(c.stderr()).toMatch(message)
    expect(seenAt('/images/edits') + seenAt('/images/variations') + seenAt('/images/generations')).toBe(before)
  })
})

describe('llmkit models: the IMAGES column', () => {
  const caps = (imageInputs?: ModelListing['capabilities']['imageInputs']) => ({ imageInputs }) as ModelListing['capabilities']

  it('describes operations, counts, mask and strength compactly, from the rows', () => {
    expect(describeImageInputs(caps())).toBe('-')
    expect(describeImageInputs(caps({ operations: { edit: { maxImages: 16, mask: 'optional' } }, mimeTypes: ['image/png'], maxBytes: 1 }))).toBe('edit 1-16 +mask?')
    expect(describeImageInputs(caps({ operations: { edit: { maxImages: 1, mask: 'optional' }, variation: { maxImages: 1, prompt: 'none' } }, mimeTypes: ['image/png'], maxBytes: 1 }))).toBe('edit +mask?, variation')
    expect(describeImageInputs(caps({ operations: { inpaint: { maxImages: 1, mask: 'required' } }, textToImage: false, mimeTypes: ['image/png'], maxBytes: 1 }))).toBe('inpaint +mask (needs image)')
    expect(describeImageInputs(caps({ operations: { 'image-to-image': { maxImages: 1, strength: true }, reference: { minImages: 2, maxImages: 3 } }, mimeTypes: ['image/png'], maxBytes: 1 }))).toBe(
      'image-to-image +strength?, reference 2-3',
    )
    expect(describeImageInputs(caps({ operations: { 'image-to-image': { maxImages: 1, strength: 'required' } }, mimeTypes: ['image/png'], maxBytes: 1 }))).toBe('image-to-image +strength')
  })

  it('shows which OpenAI models take images in the table', async () => {
    const c = context()
    expect(await run(['node', 'llmkit', 'models', '--provider', 'openai'], c.ctx)).toBe(0)
    const rows = c.stdout().split('\n')
    expect(rows.find((r) => r.startsWith('dall-e-2 '))).toMatch(/\sedit \+mask\?, variation\s+sync\s/)
    expect(rows.find((r) => r.startsWith('dall-e-3 '))).toMatch(/\s-\s+-\s+sync\s/)
  })
})
