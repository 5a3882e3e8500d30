// Figures of the call-based phases: every outcome is recorded here, per phase, with a few
// examples of anything that misses a target so a failing run says where to look.
import { errorTexts, findLeaks, imageBytes, safeStringify, sniff } from './harness.mjs'

const EXAMPLES = 8

function emptyFigures() {
  return {
    calls: 0,
    successes: 0,
    typed: 0,
    typedByClass: {},
    untyped: 0,
    hung: 0,
    ambiguousFlagged: 0,
    retriedSuccesses: 0,
    wrongImageCounts: 0,
    nonImageSuccesses: 0,
    callerBlamed: 0,
    keyLeaks: 0,
    examples: { untyped: [], hung: [], wrongImageCounts: [], nonImageSuccesses: [], keyLeaks: [], callerBlamed: [] },
  }
}

/** Outcomes of the calls of each phase. */
export class Recorder {
  constructor(keys, emulatorUrl) {
    this.keys = keys
    this.emulatorUrl = emulatorUrl
    this.phases = {}
  }

  phase(name) {
    this.phases[name] ??= emptyFigures()
    return this.phases[name]
  }

  #example(f, kind, text) {
    if (f.examples[kind].length < EXAMPLES) f.examples[kind].push(text.slice(0, 400))
  }

  /**
   * Records one call. `meta` describes it ({ label, n, validRequest }); `result` is what
   * {@link boundedCall} resolved to.
   */
  async record(phaseName, meta, result) {
    const f = this.phase(phaseName)
    f.calls++
    const label = meta.label ?? ''
    if (meta.kind !== undefined) {
      const outcome =
        result.outcome === 'typed' ? `${result.error.name}${result.error.mayHaveBeenCharged ? '*' : ''}` : result.outcome === 'success' && result.response.mayHaveBeenCharged ? 'success*' : result.outcome
      const byKind = (f.byKind ??= {})
      const row = (byKind[meta.kind] ??= {})
      row[outcome] = (row[outcome] ?? 0) + 1
    }
    if (result.outcome === 'hung') {
      f.hung++
      this.#example(f, 'hung', `${label}: not settled after ${Math.round(result.ms)} ms`)
      return
    }
    if (result.outcome === 'untyped') {
      f.untyped++
      const e = result.error
      this.#example(f, 'untyped', `${label}: ${e?.constructor?.name ?? typeof e}: ${String(e?.message ?? e)} ${String(e?.stack ?? '').split('\n').slice(1, 3).join(' ').trim()}`)
      this.#leaks(f, label, errorTexts(e), 'an untyped error')
      return
    }
    if (result.outcome === 'typed') {
      const e = result.error
      f.typed++
      f.typedByClass[e.name] = (f.typedByClass[e.name] ?? 0) + 1
      if (e.mayHaveBeenCharged) f.ambiguousFlagged++
      if (meta.validRequest && e.name === 'InvalidRequestError') {
        f.callerBlamed++
        this.#example(f, 'callerBlamed', `${label}: ${e.message}`)
      }
      this.#leaks(f, label, errorTexts(e), `a ${e.name}`)
      return
    }
    const response = result.response
    f.successes++
    if (response.mayHaveBeenCharged) f.ambiguousFlagged++
    if ((response.attempts ?? 1) > 1) f.retriedSuccesses++
    const images = response.images ?? []
    if (meta.n !== undefined && images.length !== meta.n) {
      f.wrongImageCounts++
      this.#example(f, 'wrongImageCounts', `${label}: asked ${meta.n}, got ${images.length}`)
    }
    for (const image of images) {
      const { bytes, note, foreign } = await imageBytes(image, this.emulatorUrl).catch((e) => ({ bytes: undefined, note: String(e) }))
      if (foreign) continue
      if (bytes === undefined || sniff(bytes) === undefined) {
        f.nonImageSuccesses++
        this.#example(f, 'nonImageSuccesses', `${label}: ${note ?? `bytes start ${JSON.stringify(bytes?.subarray(0, 24).toString('latin1'))}`}`)
        break
      }
    }
    const summary = images.map((i) => ({ url: typeof i.url === 'string' && !i.url.startsWith('data:') ? i.url : undefined, revised: i.revised_prompt }))
    this.#leaks(f, label, [safeStringify({ warnings: response.warnings, provider: response.provider, usage: response.usage, images: summary })], 'a response')
  }

  #leaks(f, label, texts, where) {
    const leaks = findLeaks(texts, this.keys, where)
    f.keyLeaks += leaks.length
    for (const leak of leaks) this.#example(f, 'keyLeaks', `${label}: ${leak}`)
  }

  /** Adds key leaks found outside a call (log lines). */
  addLeaks(phaseName, leaks) {
    const f = this.phase(phaseName)
    f.keyLeaks += leaks.length
    for (const leak of leaks) this.#example(f, 'keyLeaks', leak)
  }
}

/** The tag of a call in a prompt. */
export const TAG_PATTERN = /rel[a-z0-9]+-\d+/

/**
 * Submissions per logical call, from the emulator's request log: a submission after one the
 * client received complete with a 2xx is a second submission of an accepted job; one after a
 * handled but unanswered (or cut) submission is a resubmission after an ambiguous outcome.
 */
export function analyseSubmissions(entries, phaseOfTag) {
  const byTag = new Map()
  for (const e of entries) {
    const tag = typeof e.prompt === 'string' ? TAG_PATTERN.exec(e.prompt)?.[0] : undefined
    if (tag === undefined) continue
    let list = byTag.get(tag)
    if (!list) byTag.set(tag, (list = []))
    list.push(e)
  }
  const out = {}
  for (const [tag, list] of byTag) {
    const phase = phaseOfTag(tag) ?? 'unknown'
    const f = (out[phase] ??= { submissions: 0, calls: 0, duplicateSubmissions: 0, resubmitsAfterAmbiguous: 0, examples: [] })
    f.calls++
    f.submissions += list.length
    list.sort((a, b) => a.seq - b.seq)
    let accepted = false
    let ambiguous = false
    for (const e of list) {
      if (accepted) {
        f.duplicateSubmissions++
        if (f.examples.length < EXAMPLES) f.examples.push(`${tag} ${e.path}: submitted again; its submissions: ${list.map((x) => `+${x.at - list[0].at}ms ${x.status ?? '-'}${x.complete ? '' : '(cut)'}${x.fault ? `[${x.fault}]` : ''}`).join(', ')}`)
      } else if (ambiguous) f.resubmitsAfterAmbiguous++
      if (e.handled && e.complete && e.status >= 200 && e.status < 300) accepted = true
      else if (e.handled && !e.complete) ambiguous = true
    }
  }
  return out
}
