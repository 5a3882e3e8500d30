import { startEmulator, type RunningEmulator } from '@llmkit/emulator'
import { createGateway, type Gateway, type GatewayConfigInput, type GatewayOptions } from '../src/index.js'

/** Provider keys nobody would write by accident: the leak checks grep every output for them. */
export const PROVIDER_KEYS: Readonly<Record<string, string>> = Object.freeze({
  openai: 'sk-provider-secret-openai-3f9a1c7e5b2d4086',
  fal: 'provider-secret-fal-8c2e41d9a7b3f065',
  stability: 'sk-provider-secret-stability-51d0e9c3a8f7b246',
  recraft: 'provider-secret-recraft-c7a3092fe1d84b56',
  runway: 'key_provider_secret_runway_9e61b2d0c4a7f853',
  replicate: 'r8_provider_secret_replicate_2b7f4e9c1a0d6385',
})

/** Gateway keys of the tests. */
export const GATEWAY_KEY = 'gw-test-key-0123456789abcdef'
export const SECOND_KEY = 'gw-test-key-second-fedcba9876543210'

/** What a test saw leave the gateway: every response (status, headers, body) and every log line. */
export interface Capture {
  readonly logs: string[]
  readonly responses: string[]
}

/** An emulator (with {@link PROVIDER_KEYS}) and a gateway in front of it. */
export interface Stack {
  readonly emulator: RunningEmulator
  readonly gateway: Gateway
  /** The gateway's origin. */
  readonly url: string
  readonly capture: Capture
  /** fetch that records the response (status, headers, body text) in `capture.responses`. */
  readonly fetch: typeof fetch
  close(): Promise<void>
}

/** Starts an emulator and a gateway whose provider keys are {@link PROVIDER_KEYS}; logs at debug level are captured. */
export async function startStack(config: GatewayConfigInput = {}, options: { env?: Record<string, string>; gateway?: Partial<GatewayOptions>; jobTiming?: { queuedMs: number; runningMs: number } } = {}): Promise<Stack> {
  const emulator = await startEmulator({ keys: PROVIDER_KEYS, jobTiming: options.jobTiming ?? { queuedMs: 20, runningMs: 40 } })
  const capture: Capture = { logs: [], responses: [] }
  const gateway = await createGateway({
    config: { port: 0, logLevel: 'debug', ...config },
    env: { ...emulator.env, LLMKIT_GATEWAY_KEYS: `${GATEWAY_KEY},${SECOND_KEY}`, ...options.env },
    logDestination: { write: (line: string) => capture.logs.push(line) },
    ...options.gateway,
  })
  const url = await gateway.listen()
  const recordingFetch: typeof fetch = async (input, init) => {
    const res = await fetch(input, init)
    const body = Buffer.from(await res.arrayBuffer())
    capture.responses.push(`${res.status} ${JSON.stringify([...res.headers])} ${body.toString('latin1')}`)
    return new Response(body.length === 0 && (res.status === 204 || res.status === 304) ? null : body, { status: res.status, statusText: res.statusText, headers: res.headers })
  }
  return {
    emulator,
    gateway,
    url,
    capture,
    fetch: recordingFetch,
    async close() {
      await gateway.close()
      await emulator.close()
    },
  }
}

/** Every provider key (and its URL-encoded and base64 spellings) found in what the gateway sent or logged. */
export function leakedKeys(capture: Capture): string[] {
  const found: string[] = []
  const texts = [...capture.logs, ...capture.responses]
  for (const [provider, key] of Object.entries(PROVIDER_KEYS)) {
    const spellings = [key, encodeURIComponent(key), Buffer.from(key).toString('base64')]
    if (texts.some((t) => spellings.some((s) => t.includes(s)))) found.push(provider)
  }
  return found
}

/** A JSON POST with a gateway key. */
export function post(stack: Stack, path: string, body: unknown, key: string | null = GATEWAY_KEY): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (key !== null) headers['authorization'] = `Bearer ${key}`
  return stack.fetch(`${stack.url}${path}`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) })
}
