import { openai } from '@llmkit/provider-openai'
import { ImageGenerationRequest, LLMKitClient } from 'llmkit'
import { describe, expect, it, vi } from 'vitest'
import { main } from './index.js'
import { promptPrefix, type Timing, timing } from './middleware.js'

describe('custom middleware added with client.use()', () => {
  it('prefixes the prompt the provider receives and times the call, without touching the caller request', async () => {
    const timings: Timing[] = []
    const client = new LLMKitClient({ providers: [openai()] }).use(timing((t) => timings.push(t))).use(promptPrefix('Watercolor: '))
    const request = new ImageGenerationRequest('dall-e-3', 'a fox')
    const response = await client.generateImage(request)
    // The emulator's dall-e-3 echoes the prompt it received in revised_prompt.
    expect(response.first()?.revised_prompt).toBe('A detailed rendering of: Watercolor: a fox')
    expect(request.prompt).toBe('a fox')
    expect(timings).toEqual([{ model: 'dall-e-3', ms: expect.any(Number), images: 1, ok: true }])
  })

  it('reports failures too', async () => {
    const timings: Timing[] = []
    const client = new LLMKitClient({ providers: [openai()] }).use(timing((t) => timings.push(t)))
    await expect(client.generateImage({ model: 'dall-e-2', prompt: 'x'.repeat(1001) })).rejects.toThrow()
    expect(timings).toMatchObject([{ ok: false, images: 0 }])
  })

  it('runs as a script', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {})
    expect(await main()).toMatch(/^http/)
    expect(log).toHaveBeenCalledWith('A detailed rendering of: Watercolor, soft light: a lighthouse at dusk')
    log.mockRestore()
  })
})
