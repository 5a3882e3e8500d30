// The README's main job: one image per seed model across all six providers, on the local
// emulator (no network, no keys), saved under ./out, with a table of what happened.
// Uses only what a user could: the built packages' public API.
import { mkdir, readFile, rm } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { performance } from 'node:perf_hooks'
import { runBatch } from '@llmkit/batch'
import { startEmulator } from '@llmkit/emulator'
import { ImageGenerationRequest, LLMKitClient } from 'llmkit'

/** The seed's models, by provider; `vector: true` picks that provider's SVG model at run time. */
const SEED_MODELS = [
  { provider: 'openai', model: 'dall-e-3', prompt: 'A serene mountain landscape at dawn' },
  { provider: 'openai', model: 'dall-e-2', prompt: 'A lighthouse on a rocky coast' },
  { provider: 'fal', model: 'fal-ai/flux/dev', prompt: 'A futuristic city at night, neon reflections' },
  { provider: 'fal', model: 'fal-ai/flux/schnell', prompt: 'A red fox in fresh snow' },
  { provider: 'fal', model: 'fal-ai/stable-diffusion-3', prompt: 'A peaceful forest with sunlight' },
  { provider: 'stability', model: 'stability-ai/stable-diffusion-xl', prompt: 'A Renaissance painting style portrait' },
  { provider: 'stability', model: 'stability-ai/stable-diffusion-3', prompt: 'A Japanese zen garden with a koi pond' },
  { provider: 'recraft', model: 'recraft-v3', prompt: 'A minimalist poster of a hot air balloon' },
  { provider: 'recraft', vector: true, prompt: 'A flat vector icon of a paper plane' },
  { provider: 'runway', model: 'gen4_image', prompt: 'A cinematic still of a desert caravan' },
  { provider: 'replicate', model: 'replicate:black-forest-labs/flux-schnell', prompt: 'A cat astronaut floating in space' },
]

const outDir = join(process.cwd(), 'out')

/** Width x height from a PNG header, for providers that do not report the size. */
function pngSize(bytes) {
  if (bytes.length < 24 || bytes.readUInt32BE(0) !== 0x89504e47) return undefined
  return `${bytes.readUInt32BE(16)}x${bytes.readUInt32BE(20)}`
}

function fileBase(provider, model) {
  const name = model.replace(/^[a-z]+:/, '').replace(/[^a-zA-Z0-9._-]+/g, '-')
  return join(outDir, `${provider}-${name}`)
}

function table(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)))
  const line = (cells) => cells.map((c, i) => String(c)[i >= 3 && i <= 4 ? 'padStart' : 'padEnd'](widths[i])).join('  ').trimEnd()
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')
}

const emulator = await startEmulator()
Object.assign(process.env, emulator.env)
const client = LLMKitClient.fromEnv()

try {
  const listings = await client.models()
  const installed = new Set(listings.map((l) => l.provider))
  const jobs = []
  const notes = []
  for (const seed of SEED_MODELS) {
    if (!installed.has(seed.provider)) {
      // A provider package that is missing or still a placeholder has no models: say so, go on.
      notes.push(`skipped ${seed.model ?? `${seed.provider} vector model`}: @llmkit/provider-${seed.provider} has no models yet (placeholder or not installed)`)
      continue
    }
    let model = seed.model
    if (seed.vector) {
      const vectors = listings.filter((l) => l.provider === seed.provider && (l.capabilities.outputMimeTypes ?? []).includes('image/svg+xml'))
      model = (vectors.find((l) => l.capabilities.id === 'recraft-v3-vector') ?? vectors[0])?.capabilities.id
      if (model === undefined) {
        notes.push(`skipped ${seed.provider} vector model: none listed`)
        continue
      }
    }
    jobs.push({ ...seed, model })
  }

  await mkdir(outDir, { recursive: true })
  const results = await Promise.all(
    jobs.map(async ({ provider, model, prompt }) => {
      const started = performance.now()
      try {
        const response = await client.generateImage(new ImageGenerationRequest(model, prompt))
        const image = response.first()
        if (!image) throw new Error('no image in the response')
        const bytes = await image.bytes()
        const path = await image.save(fileBase(response.provider ?? provider, model))
        const size = image.width && image.height ? `${image.width}x${image.height}` : (pngSize(bytes) ?? (image.mimeType === 'image/svg+xml' ? 'vector' : '?'))
        return { ok: true, model, provider: response.provider ?? provider, size, bytes: bytes.length, ms: performance.now() - started, path, warnings: response.warnings }
      } catch (error) {
        return { ok: false, model, provider, size: '-', bytes: 0, ms: performance.now() - started, path: '-', error }
      }
    }),
  )

  const rows = results.map((r) => [r.model, r.provider, r.size, r.bytes.toLocaleString('en-US'), `${Math.round(r.ms)} ms`, r.ok ? relative(process.cwd(), r.path) : `FAILED: ${r.error?.message ?? r.error}`])
  console.log(table(['MODEL', 'PROVIDER', 'SIZE', 'BYTES', 'TIME', 'FILE'], rows))
  for (const note of notes) console.log(`note: ${note}`)
  const failed = results.filter((r) => !r.ok)
  const providers = [...new Set(results.filter((r) => r.ok).map((r) => r.provider))]
  console.log(`\n${results.length - failed.length} image(s) from ${providers.length} provider(s) (${providers.join(', ')}) written to ${relative(process.cwd(), outDir) || outDir}/ via the emulator at ${emulator.url}`)
  if (failed.length > 0) {
    for (const f of failed) console.error(`error: ${f.model}: ${f.error?.name ?? 'Error'}: ${f.error?.message ?? f.error}`)
    process.exitCode = 1
  }
  await demoBatch()
} finally {
  await emulator.close()
}

/**
 * A small durable batch (what `llmkit batch run` does): images written as they arrive, one
 * manifest line per item, then the same batch again, which resumes from the manifest and pays
 * for nothing twice.
 */
async function demoBatch() {
  const batchDir = join(outDir, 'batch')
  await rm(batchDir, { recursive: true, force: true })
  const subjects = ['a heron', 'a lantern', 'a sailboat', 'a cactus', 'a violin', 'a teapot']
  const requests = subjects.flatMap((subject) => [
    { model: 'dall-e-2', prompt: `${subject}, ink drawing`, size: '256x256' },
    { model: 'fal-ai/flux/schnell', prompt: `${subject}, watercolor`, seed: 7 },
  ])
  const submits = () => [...emulator.requests].reduce((sum, [key, count]) => (key.startsWith('POST ') ? sum + count : sum), 0)
  const before = submits()
  const first = await runBatch({ requests, outDir: batchDir, concurrency: 4 })
  const afterFirst = submits()
  const again = await runBatch({ requests, outDir: batchDir, concurrency: 4 })
  const lines = (await readFile(join(batchDir, 'manifest.jsonl'), 'utf8')).trim().split('\n').length
  console.log(
    `\nbatch: ${first.done} of ${first.total} items done (${first.failed} failed), ~$${first.costUsd.toFixed(3)}, ${lines} manifest lines in ${relative(process.cwd(), batchDir)}/; ` +
      `run again: ${again.resumed} resumed, ${submits() - afterFirst} new provider submissions (first run: ${afterFirst - before})`,
  )
  if (first.state !== 'done' || first.failed > 0 || lines !== requests.length || submits() !== afterFirst) process.exitCode = 1
}
