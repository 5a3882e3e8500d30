import { describe, expect, it } from 'vitest'
import type { ModelCapabilities } from '../registry/capabilities.js'
import { fakeClient, fakeModels, fakePlugin } from './__fixtures__/fake.js'

/** The 8-byte PNG signature: output checks let only image bytes through. */
const b64 = (req: { n: number }) => ({ images: Array.from({ length: req.n }, () => ({ b64: 'iVBORw0KGgo=' })) })

describe('cache: output format, compression and background', () => {
  it('keys on each of them: a different output_format, output_compression or background misses, the same one hits', async () => {
    const models: ModelCapabilities[] = fakeModels.map((m) => ({ ...m, outputFormats: ['png', 'jpeg', 'webp'], outputCompression: true, backgrounds: ['transparent', 'opaque', 'auto'] }))
    const plugin = fakePlugin(async (req) => b64(req), { models })
    const { client } = fakeClient([plugin], { cache: true })
    await client.generateImage({ model: 'one', prompt: 'cat' })
    await client.generateImage({ model: 'one', prompt: 'cat', output_format: 'jpeg' })
    await client.generateImage({ model: 'one', prompt: 'cat', output_format: 'jpeg', output_compression: 50 })
    await client.generateImage({ model: 'one', prompt: 'cat', output_format: 'jpeg', output_compression: 60 })
    await client.generateImage({ model: 'one', prompt: 'cat', background: 'opaque' })
    await client.generateImage({ model: 'one', prompt: 'cat', background: 'transparent' })
    expect(plugin.calls).toHaveLength(6)
    await client.generateImage({ model: 'one', prompt: 'cat', output_format: 'jpeg', output_compression: 60 })
    expect(plugin.calls).toHaveLength(6)
    expect(plugin.calls.map((c) => [c.outputFormat, c.outputCompression, c.background])).toStrictEqual([
      [undefined, undefined, undefined],
      ['jpeg', undefined, undefined],
      ['jpeg', 50, undefined],
      ['jpeg', 60, undefined],
      [undefined, undefined, 'opaque'],
      [undefined, undefined, 'transparent'],
    ])
  })
})
