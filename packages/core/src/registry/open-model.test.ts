import { describe, expect, it } from 'vitest'
import { fakeClient, fakeModels, fakePlugin } from '../pipeline/__fixtures__/fake.js'
import type { ModelCapabilities } from './capabilities.js'
import { guessCapabilities } from './open-model.js'

const table = [
  { ...fakeModels[0]!, id: 'img-2', wireId: 'img-2', displayName: 'Img 2', aliases: ['img-two'] },
  { ...fakeModels[1]!, id: 'img-1', wireId: 'img_1_wire' },
] as ModelCapabilities[]
const { id: _id, wireId: _wireId, ...fallback } = fakeModels[0]!
const options = { provider: 'fake', table, families: [{ pattern: /^img-/, from: 'img-2' }], fallback }

describe('guessCapabilities', () => {
  it('gives a dated snapshot of a table id (or wire id) that row, under the id as given', () => {
    for (const id of ['img-2-2026-04-21', 'img-2_20260421']) {
      const row = guessCapabilities(id, options)!
      expect(row).toMatchObject({ id, wireId: id, maxImagesPerCall: 1, displayName: `Img 2 (guessed for ${id})` })
      expect(row.aliases).toBeUndefined()
      expect(row.guessed).toBe(`fake ${id} is not in llmkit's table; its capabilities are those of img-2, of which it looks like a dated snapshot`)
    }
    expect(guessCapabilities('img_1_wire-2026-01-01', options)).toMatchObject({ maxImagesPerCall: 4 })
  })

  it('gives a family id the family row, and anything else the fallback, both marked guessed', () => {
    expect(guessCapabilities('img-9', options)!.guessed).toMatch(/^fake img-9 is not in llmkit's table; its capabilities are guessed from img-2 \(same family\)/)
    const other = guessCapabilities('zzz/other.1', options)!
    expect(other).toMatchObject({ id: 'zzz/other.1', wireId: 'zzz/other.1', maxImagesPerCall: 1 })
    expect(other.guessed).toMatch(/minimal guessed capabilities/)
    expect(guessCapabilities('zzz', { ...options, fallback: undefined })).toBeUndefined()
  })

  it('refuses ids with characters no model id has, and a family naming a missing row', () => {
    for (const id of ['', ' img-2', 'img 2', '-img', 'img?x=1', 'img#2']) expect(guessCapabilities(id, options)).toBeUndefined()
    expect(() => guessCapabilities('img-3', { ...options, families: [{ pattern: /^img-/, from: 'nope' }] })).toThrow(TypeError)
  })

  it('puts the guess on every response as a warning, through a plugin openModel', async () => {
    const plugin = fakePlugin(undefined, { openModel: (id) => guessCapabilities(id, options) })
    const { client } = fakeClient([plugin])
    const res = await client.generateImage({ model: 'fake:img-7', prompt: 'cat', n: 2 })
    expect(res.warnings).toContainEqual({ type: 'other', setting: 'model', message: expect.stringMatching(/^fake img-7 is not in llmkit's table/), requested: 'img-7' })
    expect(plugin.calls.map((c) => c.wireModel)).toEqual(['img-7', 'img-7'])
    // A table model says nothing of the kind.
    const listed = await client.generateImage({ model: 'one', prompt: 'cat' })
    expect(listed.warnings).toEqual([])
  })
})
