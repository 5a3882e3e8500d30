import { LLMKitClient, type LLMKitClientOptions } from '../../client.js'
import type { Clock, Logger } from '../../logger.js'
import type { ModelCapabilities } from '../../registry/capabilities.js'
import type { CallOptions, NormalizedRequest, ProviderPlugin, ProviderResult } from '../../registry/plugin.js'

/** A fake clock: sleeps advance `now` at once and are recorded, unless `hold` keeps them pending until aborted or released. */
export class FakeClock implements Clock {
  current = 1_700_000_000_000
  readonly sleeps: number[] = []
  hold = false
  readonly #held: (() => void)[] = []

  now(): number {
    return this.current
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(ms)
    if (signal?.aborted) return Promise.reject(signal.reason)
    if (!this.hold) {
      this.current += ms
      return Promise.resolve()
    }
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(signal?.reason)
      signal?.addEventListener('abort', onAbort, { once: true })
      this.#held.push(() => {
        signal?.removeEventListener('abort', onAbort)
        this.current += ms
        resolve()
      })
    })
  }

  /** Ends every held sleep. */
  release(): void {
    for (const done of this.#held.splice(0)) done()
  }
}

/** A logger that records events. */
export function recordingLogger(): Logger & { events: { level: string; obj: Record<string, unknown>; msg: string | undefined }[] } {
  const events: { level: string; obj: Record<string, unknown>; msg: string | undefined }[] = []
  const at = (level: string) => (obj: Record<string, unknown>, msg?: string) => {
    events.push({ level, obj, msg })
  }
  return { events, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }
}

const base = {
  mode: 'sync',
  sizes: { kind: 'list', values: ['1024x1024'] },
  qualities: [],
  styles: [],
  negativePrompt: false,
  seed: { min: 0, max: 1_000_000 },
  formats: ['url', 'b64_json'],
} as const

/** Two fake models: `one` (1 image per call) and `many` (4 per call). */
export const fakeModels = [
  { ...base, id: 'one', wireId: 'one' },
  { ...base, id: 'many', wireId: 'many', maxImagesPerCall: 4 },
  { ...base, id: 'backup', wireId: 'backup' },
].map((m) => ({ maxImagesPerCall: 1, ...m })) as ModelCapabilities[]

/** What the fake provider's `generate` does; default: n tiny URL images that expire in an hour. */
export type FakeGenerate = (req: NormalizedRequest, options: CallOptions, call: number) => Promise<ProviderResult>

/** A fake plugin whose calls are recorded. */
export function fakePlugin(generate?: FakeGenerate, extra: Partial<ProviderPlugin> = {}): ProviderPlugin & { calls: NormalizedRequest[] } {
  const calls: NormalizedRequest[] = []
  return {
    id: 'fake',
    envKeys: ['FAKE_API_KEY'],
    defaultBaseUrl: 'https://fake.invalid',
    models: fakeModels,
    calls,
    create: (ctx) => ({
      generate: async (req, options) => {
        calls.push(req)
        if (generate) return generate(req, options, calls.length)
        return {
          images: Array.from({ length: req.n }, (_, i) => ({ url: `https://img.fake/${calls.length}-${i}.png`, seed: req.seed, expiresAt: new Date(ctx.clock.now() + 3_600_000) })),
          usage: { credits: req.n },
          requestId: `req-${calls.length}`,
        }
      },
    }),
    ...extra,
  }
}

/** What a fake remote job service saw: submitted prompts, status polls, cancelled job ids. */
export function remoteJobs() {
  return { submits: [] as string[], polls: 0, cancelled: [] as string[] }
}

/**
 * A fake async plugin whose generations go through the core's job runner (submit, poll, cancel),
 * recorded in `remote`: submit `k` is job `job-k`, and every `pollsPerJob`-th poll reports the
 * job succeeded with one image at `https://img.fake/<job id>.png` (expiring in an hour).
 */
export function fakeAsyncPlugin(
  remote: ReturnType<typeof remoteJobs>,
  options: { pollsPerJob?: number; firstPollAfterMs?: number; extra?: Partial<ProviderPlugin> } = {},
): ProviderPlugin & { calls: NormalizedRequest[] } {
  const pollsPerJob = options.pollsPerJob ?? 2
  return fakePlugin(undefined, {
    ...options.extra,
    create: (ctx) => ({
      generate: (req, callOptions) =>
        ctx.jobs.run(
          {
            provider: 'fake',
            model: req.modelId,
            pollIntervalMs: 5,
            firstPollAfterMs: options.firstPollAfterMs,
            submit: () => {
              remote.submits.push(req.prompt)
              return Promise.resolve({ id: `job-${remote.submits.length}` })
            },
            poll: (id) => {
              remote.polls++
              return Promise.resolve(
                remote.polls % pollsPerJob === 0 ? { state: 'succeeded', result: { images: [{ url: `https://img.fake/${id}.png`, expiresAt: new Date(ctx.clock.now() + 3_600_000) }] } } : { state: 'running' },
              )
            },
            cancel: (id) => {
              remote.cancelled.push(id)
              return Promise.resolve()
            },
          },
          callOptions,
        ),
    }),
  })
}

/** A client over the given plugins with a fake clock and a recording logger. */
export function fakeClient(plugins: ProviderPlugin[], options: LLMKitClientOptions = {}) {
  const clock = new FakeClock()
  const logger = recordingLogger()
  const client = new LLMKitClient({
    providers: plugins,
    apiKeys: Object.fromEntries(plugins.map((p) => [p.id, `sk-secret-${p.id}-0123456789`])),
    env: {},
    clock,
    logger,
    retry: { random: () => 0.5 },
    ...options,
  })
  return { client, clock, logger }
}
