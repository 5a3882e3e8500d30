// One application process of the multi-process tests: a real Node process (child_process.fork)
// running the BUILT packages (llmkit, the providers, @llmkit/redis from dist/, as an app would),
// sharing state with its siblings through one Redis. Driven by a JSON config in argv[2]; reports
// to the parent over IPC.
import { LLMKitClient } from '@llmkit/core'
import { openai } from '@llmkit/provider-openai'
import { fal } from '@llmkit/provider-fal'
import { runway } from '@llmkit/provider-runway'
import { createRedisState } from '@llmkit/redis'

const config = JSON.parse(process.argv[2])
const send = (message) => new Promise((resolve) => process.send(message, resolve))
const events = []
const logger = {
  debug: () => {},
  info: () => {},
  warn: (obj) => events.push(obj),
  error: (obj) => events.push(obj),
}

const state = createRedisState({ url: config.redisUrl, prefix: config.prefix, logger, connectTimeoutMs: config.connectTimeoutMs, commandTimeoutMs: config.commandTimeoutMs })
const client = new LLMKitClient({
  providers: [openai(), runway(), fal()],
  env: config.env,
  logger,
  cache: config.cache ? { store: state.cacheStore } : undefined,
  rateLimit: { store: state.rateLimitStore, limits: config.limits ?? {}, marginMs: config.marginMs },
  jobJournal: state.jobJournal,
  budget: config.budget ? { store: state.budgetStore, limitUsd: config.budget.limitUsd, name: config.budget.name } : undefined,
  jobTimeoutMs: 60_000,
})

const summary = (response) => ({
  images: response.images.map((image) => ({ url: image.url, b64: image.b64_json })),
  warnings: response.warnings,
  requestIds: response.requestIds,
})

try {
  if (config.waitForGo) {
    await state.ready()
    // Warms this process's request path (modules, JIT, connection) outside the shared limit.
    const warm = new LLMKitClient({ providers: [openai()], env: config.env, rateLimit: false })
    await warm.generateImage({ model: 'dall-e-2', prompt: 'warm-up', size: '256x256' })
    const go = new Promise((resolve) => process.once('message', resolve))
    await send({ type: 'ready' })
    await go
  }
  if (config.mode === 'generate') {
    // Every call at once: the shared limiter, not this loop, decides when each one goes.
    const results = await Promise.all(
      config.calls.map(async (call) => {
        const response = await client.generateImage(call.request, {
          idempotencyKey: call.idempotencyKey,
          onProgress: (event) => {
            if (event.type === 'submitted') void send({ type: 'submitted', key: call.idempotencyKey, jobId: event.jobId, part: event.part })
          },
        })
        return { key: call.idempotencyKey, ...summary(response) }
      }),
    )
    await send({ type: 'done', results, events })
  } else if (config.mode === 'until-refused') {
    // `lanes` loops of one call after another, each until the budget refuses a call (or
    // `maxCalls` in all, so the loop is bounded even if the budget never refuses).
    let calls = 0
    const lanes = await Promise.all(
      Array.from({ length: config.lanes ?? 1 }, async () => {
        let images = 0
        while (calls < config.maxCalls) {
          calls++
          try {
            images += (await client.generateImage(config.request)).images.length
          } catch (error) {
            return { images, error: { name: error?.name, code: error?.code, reason: error?.reason, message: String(error?.message ?? error) } }
          }
        }
        return { images, error: undefined }
      }),
    )
    await send({ type: 'done', lanes, events })
  } else if (config.mode === 'resume') {
    const resumed = await client.resumeJobs({ action: config.action })
    await send({
      type: 'done',
      results: resumed.map((r) => ({ key: r.idempotencyKey, error: r.error === undefined ? undefined : String(r.error), ...(r.response ? summary(r.response) : {}) })),
      pending: (await state.jobJournal.pending()).length,
      events,
    })
  }
} catch (error) {
  await send({ type: 'error', error: String(error?.stack ?? error), events })
} finally {
  await state.close()
}
