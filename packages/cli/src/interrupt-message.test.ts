import { AbortError } from '@llmkit/core'
import { describe, expect, it } from 'vitest'
import { interruptMessage } from './generate-command.js'

describe('interruptMessage', () => {
  it('names the jobs whose cancel was requested', () => {
    expect(interruptMessage([{ provider: 'fal', jobId: 'j-1' }], new AbortError('aborted', { mayHaveBeenCharged: true }))).toBe(
      'Interrupted: asked the provider to cancel 1 remote job(s) (fal j-1); one may still finish and be billed if the cancel came too late.',
    )
  })

  it('says nothing was cancelled when no job id existed, and that a request already sent may be billed', () => {
    // Replicate inside the Prefer: wait window: the create was sent, no prediction id came back.
    expect(interruptMessage([], new AbortError('aborted', { mayHaveBeenCharged: true }))).toBe(
      'Interrupted: no remote job id was known, so nothing was cancelled; a request had already been sent and the provider may still complete and bill it.',
    )
  })

  it('says nothing needed cancelling when nothing was sent', () => {
    expect(interruptMessage([], new AbortError('aborted'))).toBe('Interrupted: no remote job had been created, so nothing needed cancelling.')
  })
})
