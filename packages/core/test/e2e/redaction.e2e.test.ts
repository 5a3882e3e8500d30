import { openai } from '@llmkit/provider-openai'
import { InvalidRequestError, LLMKitClient, type Logger } from 'llmkit'
import { describe, expect, inject, it } from 'vitest'

const emulator = inject('emulatorUrl')
const IMAGES = '/openai/v1/images/generations'
/** The emulator's placeholder key, set in the environment for this project. */
const KEY = 'emulator-openai-key'

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = []
  const at = (level: string) => (obj: Record<string, unknown>, msg?: string) => void lines.push(JSON.stringify({ level, obj, msg }))
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }
}

describe('key redaction against the emulator', () => {
  it("redacts the emulator's placeholder key when the server echoes it into the request id, message, code, param and body", async () => {
    expect(process.env['OPENAI_API_KEY']).toBe(KEY)
    const res = await fetch(`${emulator}/__emulator/faults`, {
      method: 'POST',
      body: JSON.stringify({
        pathPrefix: IMAGES,
        status: 400,
        headers: { 'x-request-id': `req_${KEY}`, 'content-type': 'application/json' },
        body: { error: { message: `Incorrect API key provided: ${KEY}`, type: 'invalid_request_error', code: KEY, param: KEY } },
      }),
    })
    expect(res.status).toBe(200)
    const logger = recordingLogger()
    const client = new LLMKitClient({ providers: [openai()], logger, retry: false })
    const error = await client.generateImage({ model: 'dall-e-2', prompt: 'a red fox' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidRequestError)
    const e = error as InvalidRequestError
    expect(e.status).toBe(400)
    expect(e.requestId).toBe('req_[redacted]')
    const exposed = [e.message, e.body, e.requestId, e.providerCode, e.param, e.stack, JSON.stringify(e), String(e)].join('\n')
    expect(exposed).toContain('[redacted]')
    expect(exposed).not.toContain(KEY)
    expect(logger.lines.join('\n')).not.toContain(KEY)
  })
})
