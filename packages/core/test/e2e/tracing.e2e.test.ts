// OpenTelemetry spans of real generations against the emulator, read from the SDK's in-memory
// exporter: one span per generation with GenAI attributes, child spans per attempt, poll and
// download, prompts only when asked, keys never.
import { InMemorySpanExporter, type ReadableSpan, BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { runway } from '@llmkit/provider-runway'
import { openai } from '@llmkit/provider-openai'
import { LLMKitClient } from 'llmkit'
import { afterEach, describe, expect, inject, it } from 'vitest'

const env = inject('emulatorEnv')
const exporter = new InMemorySpanExporter()
const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).getTracer('llmkit-test')

afterEach(() => exporter.reset())

const client = (tracing: { recordPrompts?: boolean } | false = {}) =>
  new LLMKitClient({ providers: [openai(), runway()], env, ...(tracing === false ? {} : { tracing: { tracer, ...tracing } }) })

const named = (name: string) => exporter.getFinishedSpans().filter((s) => s.name === name)
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId

describe('tracing', () => {
  it('one span per generation with GenAI attributes, and attempt, poll and download children', async () => {
    // Runway answers with URLs after a job: b64_json makes llmkit download them.
    const res = await client().generateImage({ model: 'gen4_image', prompt: 'A traced fox', n: 2, seed: 11, aspect_ratio: '16:9', format: 'b64_json' })
    expect(res.count).toBe(2)
    const [generation] = named('generate_content gen4_image')
    expect(generation).toBeDefined()
    expect(generation!.attributes).toMatchObject({
      'gen_ai.operation.name': 'generate_content',
      'gen_ai.output.type': 'image',
      'gen_ai.provider.name': 'runway',
      'gen_ai.request.model': 'gen4_image',
      'gen_ai.request.choice.count': 2,
      'gen_ai.request.seed': 11,
      'llmkit.request.aspect_ratio': '16:9',
      'gen_ai.response.model': 'gen4_image',
      'llmkit.images.count': 2,
      'llmkit.attempts': 1,
      'llmkit.cached': false,
      'llmkit.outcome': 'success',
    })
    expect(typeof generation!.attributes['llmkit.cost.usd']).toBe('number')
    expect(generation!.status.code).toBe(1)
    const id = generation!.spanContext().spanId
    // gen4_image makes one image per call: n=2 is two parts, one attempt span each.
    const attempts = named('llmkit.attempt')
    expect(attempts.map((a) => a.attributes['llmkit.part']).sort()).toEqual([0, 1])
    for (const attempt of attempts) expect(parentOf(attempt)).toBe(id)
    const attemptIds = attempts.map((a) => a.spanContext().spanId)
    const polls = named('llmkit.poll')
    expect(polls.length).toBeGreaterThanOrEqual(2)
    for (const poll of polls) expect(attemptIds).toContain(parentOf(poll))
    const downloads = named('llmkit.download')
    expect(downloads).toHaveLength(2)
    for (const download of downloads) expect(parentOf(download)).toBe(id)
    // Every span belongs to the one trace.
    expect(new Set(exporter.getFinishedSpans().map((s) => s.spanContext().traceId)).size).toBe(1)
  })

  it('records prompts only when asked, and never a key', async () => {
    await client().generateImage({ model: 'dall-e-2', prompt: 'A private prompt' })
    await client({ recordPrompts: true }).generateImage({ model: 'dall-e-2', prompt: 'A shared prompt' })
    const [first, second] = named('generate_content dall-e-2')
    expect(first!.attributes['gen_ai.input.messages']).toBeUndefined()
    expect(JSON.stringify(first!.attributes)).not.toContain('A private prompt')
    expect(JSON.parse(String(second!.attributes['gen_ai.input.messages']))).toEqual([{ role: 'user', parts: [{ type: 'text', content: 'A shared prompt' }] }])
    const everything = JSON.stringify(exporter.getFinishedSpans().map((s) => [s.name, s.attributes, s.events, s.status]))
    for (const [name, value] of Object.entries(env)) if (/KEY|TOKEN|SECRET/.test(name)) expect(everything).not.toContain(value)
  })

  it('marks a failed generation with its error code', async () => {
    await expect(client().generateImage({ model: 'dall-e-3', prompt: 'emulator:content-policy' })).rejects.toThrow()
    const [generation] = named('generate_content dall-e-3')
    expect(generation!.status.code).toBe(2)
    expect(generation!.attributes['error.type']).toBe('LLMKIT_CONTENT_POLICY')
    expect(generation!.attributes['llmkit.outcome']).toBe('error')
    expect(named('llmkit.attempt')[0]!.status.code).toBe(2)
  })

  it('makes no spans without the tracing option', async () => {
    await client(false).generateImage({ model: 'dall-e-2', prompt: 'Untraced' })
    expect(exporter.getFinishedSpans()).toEqual([])
  })
})
