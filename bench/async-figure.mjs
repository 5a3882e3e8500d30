// The async-provider figure: how long after a job completes on the server does the caller hold
// the image? Runs against fal's queue API on the emulator, whose jobs complete exactly
// `queuedMs + runningMs` after they are created. The job is created while the submit request
// is served, after the call starts, so `end - (start + queuedMs + runningMs)` is the delivery
// time plus the submit round trip (under a millisecond on loopback): a slight overestimate,
// the same for every contender.
import { performance } from 'node:perf_hooks'
import { summarize } from './stats.mjs'

const MODEL = 'fal-ai/flux/schnell'
/** fal's documented poll cadence, which @llmkit/provider-fal also declares. */
const POLL_INTERVAL_MS = 500
const PROMPT = 'bench async image'
const SEED = 42

/** Raw undici against fal's queue: submit, poll the status URL at a fixed interval, fetch the result and the image. */
async function floorCall(server) {
  const { request } = await import('undici')
  const env = server.emulator.env
  const headers = { authorization: `Key ${env.FAL_KEY}`, 'content-type': 'application/json', accept: 'application/json' }
  return async () => {
    const submit = await request(`${env.FAL_BASE_URL}/${MODEL}`, { method: 'POST', headers, body: JSON.stringify({ prompt: PROMPT, image_size: { width: 512, height: 512 }, num_images: 1, seed: SEED }) })
    const queued = await submit.body.json()
    for (;;) {
      await new Promise((r) => setTimeout(r, POLL_INTERVAL_MS))
      const status = await request(queued.status_url, { headers })
      const s = await status.body.json()
      if (s.status === 'COMPLETED') break
    }
    const result = await (await request(queued.response_url, { headers })).body.json()
    const image = await request(result.images[0].url)
    return Buffer.from(await image.body.arrayBuffer()).toString('base64')
  }
}

async function llmkitCall(server) {
  const { LLMKitClient } = await import('llmkit')
  const { fal } = await import('@llmkit/provider-fal')
  const client = new LLMKitClient({ providers: [fal()], env: { ...server.emulator.env } })
  return async () => {
    const res = await client.generateImage({ model: MODEL, prompt: PROMPT, size: '512x512', seed: SEED, format: 'b64_json' })
    return res.images[0].b64_json
  }
}

/** Median and p99 of the delivery time for one contender ('floor' or 'llmkit'). */
export async function asyncLatency(contender, server, params) {
  const call = contender === 'floor' ? await floorCall(server) : await llmkitCall(server)
  const { queuedMs, runningMs } = server.jobTiming
  await call() // renders and caches the image on the server, warms the client
  const samples = []
  for (let i = 0; i < params.runs; i++) {
    const start = performance.now()
    const image = await call()
    const end = performance.now()
    if (typeof image !== 'string' || image.length === 0) throw new Error(`${contender}: no image from the async provider`)
    samples.push(end - (start + queuedMs + runningMs))
  }
  return { ...summarize(samples), model: MODEL, pollIntervalMs: POLL_INTERVAL_MS, jobMs: queuedMs + runningMs }
}
