import { Writable } from 'node:stream'
import type { ProgressEvent } from '@llmkit/core'
import { describe, expect, it } from 'vitest'
import { createProgressReporter, describeEvent } from './progress.js'

function sink(isTTY: boolean) {
  let text = ''
  const stream = Object.assign(
    new Writable({
      write(chunk: Buffer, _enc, done) {
        text += chunk.toString()
        done()
      },
    }),
    { isTTY, columns: 120 },
  )
  return { stream, text: () => text }
}

const event = (e: Partial<ProgressEvent> & Pick<ProgressEvent, 'type'>): ProgressEvent => ({ provider: 'fal', model: 'fal-ai/flux/dev', elapsedMs: 0, ...e })

describe('progress', () => {
  it.each([
    [event({ type: 'queued', position: 2 }), 'queued (#3 in line)'],
    [event({ type: 'running', progress: 0.4 }), 'running 40%'],
    [event({ type: 'running' }), 'running'],
    [event({ type: 'submitted', jobId: 'j1' }), 'submitted'],
  ])('describes %o as %s', (e, text) => {
    expect(describeEvent(e)).toBe(text)
  })

  it('writes one plain line per part and state change when not a TTY', () => {
    const out = sink(false)
    const reporter = createProgressReporter(out.stream)
    reporter.start('fal-ai/flux/dev', 2)
    reporter.event(event({ type: 'submitted', jobId: 'j1', part: 0 }))
    reporter.event(event({ type: 'running', part: 0 }))
    reporter.event(event({ type: 'running', part: 0 }))
    reporter.event(event({ type: 'running', part: 1 }))
    reporter.event(event({ type: 'completed', part: 0 }))
    reporter.saved(1, 'out/b.png')
    reporter.stop()
    expect(out.text().split('\n')).toEqual([
      'fal-ai/flux/dev: generating 2 image(s)...',
      'fal-ai/flux/dev: part 1 submitted (job j1)',
      'fal-ai/flux/dev: part 1 running',
      'fal-ai/flux/dev: part 2 running',
      'fal-ai/flux/dev: part 1 completed',
      'fal-ai/flux/dev: image 2/2 saved out/b.png',
      '',
    ])
  })

  it('writes one line per state of a job that makes several images, not one per image', () => {
    const out = sink(false)
    const reporter = createProgressReporter(out.stream)
    reporter.start('fal-ai/flux/dev', 4)
    reporter.event(event({ type: 'submitted', jobId: 'j9' }))
    reporter.event(event({ type: 'queued', position: 0 }))
    reporter.event(event({ type: 'completed' }))
    reporter.stop()
    expect(out.text().split('\n')).toEqual([
      'fal-ai/flux/dev: generating 4 image(s)...',
      'fal-ai/flux/dev: submitted (job j9)',
      'fal-ai/flux/dev: queued (#1 in line)',
      'fal-ai/flux/dev: completed',
      '',
    ])
  })

  it('draws one bar per job on a TTY: one for a single job however many images, one per part of a split', () => {
    const single = sink(true)
    const one = createProgressReporter(single.stream)
    one.start('gpt-image-1', 4)
    one.event(event({ type: 'running', progress: 0.5 }))
    one.stop()
    const oneText = single.text()
    expect(oneText).toContain('gpt-image-1 ×4')
    expect(oneText).toContain('running 50%')
    expect(oneText).not.toContain('part')

    const out = sink(true)
    const reporter = createProgressReporter(out.stream)
    reporter.start('fal-ai/flux/dev', 2)
    reporter.event(event({ type: 'queued', position: 0, part: 1 }))
    reporter.event(event({ type: 'running', progress: 0.5, part: 0 }))
    reporter.stop()
    const text = out.text()
    expect(text).toContain('fal-ai/flux/dev part 1')
    expect(text).toContain('fal-ai/flux/dev part 2')
    expect(text).toContain('running 50%')
    expect(text).toContain('queued (#1 in line)')
    // Cursor control sequences: this is a redrawn display, not a log.
    expect(text).toContain('\u001b[')
  })

  it('names a streamed preview by its number', () => {
    expect(describeEvent(event({ type: 'partial_image', partialImageIndex: 1 }))).toBe('preview 2 received')
  })

  it('prints nothing when quiet', () => {
    const out = sink(true)
    const reporter = createProgressReporter(out.stream, { quiet: true })
    reporter.start('m', 1)
    reporter.event(event({ type: 'running' }))
    reporter.stop()
    expect(out.text()).toBe('')
  })
})
