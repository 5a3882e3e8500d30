import { Agent, type Dispatcher } from 'undici'
import {
  ImageGenerationRequest,
  InvalidRequestError,
  LLMKitClient,
  LLMKitError,
  ModelNotFoundError,
  ProviderNotConfiguredError,
} from '@llmkit/core'
import { openai } from '@llmkit/provider-openai'
import { describe, expect, it } from 'vitest'

/** An agent that records every request it is asked to send. */
class RecordingAgent extends Agent {
  readonly calls: string[] = []
  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    this.calls.push(`${options.method} ${String(options.origin)}${options.path}`)
    return super.dispatch(options, handler)
  }
}

function recordingClient(env: Record<string, string | undefined> = process.env) {
  const dispatcher = new RecordingAgent()
  const client = new LLMKitClient({ providers: [openai()], env, transport: { dispatcher } })
  return { client, dispatcher }
}

describe('bad input fails with a typed, helpful error before any network call', () => {
  it('an unknown model id names close matches', async () => {
    const { client, dispatcher } = recordingClient()
    const error = await client.generateImage({ model: 'dall-e-4', prompt: 'p' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ModelNotFoundError)
    expect((error as Error).message).toMatch(/Unknown model "dall-e-4".*did you mean "dall-e-3"/)
    expect(dispatcher.calls).toStrictEqual([])
  })

  it('an id of a provider that is not installed names the package to install', async () => {
    const { client } = recordingClient()
    await expect(client.generateImage({ model: 'recraft-v9', prompt: 'p' })).rejects.toThrow(/npm i @llmkit\/provider-recraft/)
  })

  it('a missing key names the environment variable', async () => {
    const { client, dispatcher } = recordingClient({ OPENAI_BASE_URL: process.env['OPENAI_BASE_URL'] })
    const error = await client.generateImage({ model: 'dall-e-3', prompt: 'p' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ProviderNotConfiguredError)
    expect((error as LLMKitError).code).toBe('LLMKIT_PROVIDER_NOT_CONFIGURED')
    expect((error as Error).message).toContain('OPENAI_API_KEY')
    expect(dispatcher.calls).toStrictEqual([])
  })

  it.each([
    ['n=11', () => new ImageGenerationRequest('dall-e-3', 'p').with_n(11), /n must be at most 10/, 'n'],
    ['seed=-1', () => new ImageGenerationRequest('dall-e-3', 'p').with_seed(-1), /seed must be 0 or more/, 'seed'],
    ['an empty prompt', () => new ImageGenerationRequest('dall-e-3', ''), /prompt must not be empty/, 'prompt'],
    ['a blank model', () => new ImageGenerationRequest('  ', 'p'), /model must be a non-empty model id/, 'model'],
    ['a malformed size', () => new ImageGenerationRequest('dall-e-3', 'p').with_size('big'), /size must be an ImageSize or 'WxH'/, 'size'],
  ])('%s throws InvalidRequestError from the builder', (_name, build, message, param) => {
    let caught: unknown
    try {
      build()
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(InvalidRequestError)
    expect((caught as Error).message).toMatch(message)
    expect((caught as LLMKitError).param).toBe(param)
  })

  it.each([
    [{ model: 'dall-e-3', prompt: 'p', n: 11 }, /n must be at most 10/],
    [{ model: 'dall-e-3', prompt: 'p', seed: -1 }, /seed must be 0 or more/],
    [{ model: 'dall-e-3', prompt: '' }, /prompt must not be empty/],
    [{ model: 'dall-e-3', prompt: 'p', colour: 'red' }, /unknown field\(s\) colour; use provider_options/],
  ])('the plain-object form %j is rejected with the same messages', async (init, message) => {
    const { client, dispatcher } = recordingClient()
    await expect(client.generateImage(init as never)).rejects.toThrow(message)
    expect(dispatcher.calls).toStrictEqual([])
  })
})
