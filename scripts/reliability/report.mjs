// The results file: targets first, then every figure, then examples of whatever missed.

const MB = 1024 * 1024
const mb = (bytes) => (typeof bytes === 'number' ? `${(bytes / MB).toFixed(0)} MB` : '-')

function table(header, rows) {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n')
}

const PHASES = {
  matrix: 'Fault matrix: one fault per call on the submit, every fault kind, every provider and format; failed and stuck jobs; a server echoing the key',
  lanes: 'Faults on job polls (fal, Runway, Replicate without Prefer: wait) and image downloads',
  random: 'Random faults on every request (seeded)',
  abort: 'Abort in every phase',
  soak: 'Soak (no faults)',
  hostile: 'Hostile server (OpenAI API shape)',
  logs: 'Log lines captured through the logger',
}

export function renderMarkdown(results) {
  const { meta, plan, figures: f, targets } = results
  const out = []
  out.push('# Reliability')
  out.push('')
  out.push(`Written by \`npm run reliability\`${meta.mode === 'quick' ? ' -- --quick' : ''} (scripts/reliability/). The suite drives the built packages through their public API against the emulator, in a child process, and a hostile server; the definitions are those of issue 11.`)
  out.push('')
  if (results.error) {
    out.push('**The suite itself failed:**')
    out.push('')
    out.push('```')
    out.push(results.error)
    out.push('```')
    return `${out.join('\n')}\n`
  }
  out.push(`Mode **${meta.mode}**, ${meta.date}, Node ${meta.node}, ${meta.cpus} CPUs, ${meta.memoryGiB} GiB, ${meta.seconds} s. Seed ${plan.seed}. Random-fault run: ${plan.calls} calls at ${plan.probability * 100} % faults, ${plan.concurrency} in flight (the client's \`concurrency.maxConcurrency\` too); fuzz: ${plan.fuzz} cases. Client deadlines: attempt ${plan.timeouts.attemptMs} ms, headers ${plan.timeouts.headersMs} ms, job ${plan.timeouts.jobMs} ms, total ${plan.timeouts.totalMs} ms; harness deadline per call ${plan.deadlineMs} ms (a call not settled by then is hung).`)
  out.push('')
  if (meta.phaseSeconds) out.push(`Seconds per phase: ${Object.entries(meta.phaseSeconds).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}.`, '')
  out.push('## Targets')
  out.push('')
  out.push(table(['Target', 'Figure', 'Met'], targets.map((t) => [t.name, String(t.value), t.met ? 'yes' : '**no**'])))
  out.push('')
  out.push('## Calls')
  out.push('')
  const phases = Object.entries(f.phases).filter(([name]) => name !== 'logs')
  out.push(
    table(
      ['Phase', 'Calls', 'Successes', 'Typed errors', 'Untyped', 'Hung', 'Submissions', 'Submissions of an accepted job', 'Resubmits after an ambiguous outcome', 'mayHaveBeenCharged', 'Wrong counts', 'Non-image successes', 'Caller blamed (InvalidRequestError)', 'Key leaks'],
      phases.map(([name, p]) => {
        const s = f.submissions[name] ?? {}
        return [name, p.calls, p.successes, p.typed, p.untyped, p.hung, s.submissions ?? '-', s.duplicateSubmissions ?? '-', s.resubmitsAfterAmbiguous ?? '-', p.ambiguousFlagged, p.wrongImageCounts, p.nonImageSuccesses, p.callerBlamed, p.keyLeaks]
      }),
    ),
  )
  out.push('')
  for (const [name, text] of Object.entries(PHASES)) if (f.phases[name] || name === 'logs') out.push(`- **${name}**: ${text}`)
  out.push(`- Key leaks in log lines: ${f.phases.logs?.keyLeaks ?? 0} (of ${meta.logLines} lines).`)
  out.push('')
  out.push('Typed errors by class:')
  out.push('')
  const classes = [...new Set(phases.flatMap(([, p]) => Object.keys(p.typedByClass)))].sort()
  out.push(table(['Phase', ...classes], phases.map(([name, p]) => [name, ...classes.map((c) => p.typedByClass[c] ?? 0)])))
  out.push('')
  for (const name of ['matrix', 'lanes']) {
    const byKind = f.phases[name]?.byKind
    if (!byKind) continue
    out.push(`Outcomes by fault in the ${name === 'matrix' ? 'matrix (every provider and format)' : 'lanes'} (\\* = \`mayHaveBeenCharged\`):`)
    out.push('')
    out.push(table(['Fault', 'Outcomes'], Object.entries(byKind).map(([kind, row]) => [kind, Object.entries(row).sort((a, b) => b[1] - a[1]).map(([o, n]) => `${o} ${n}`).join(', ')])))
    out.push('')
  }
  out.push(`Random-fault run: ${f.random.seconds.toFixed(1)} s, peak RSS ${mb(f.random.peakRssBytes)}. Peak RSS of the whole run (client process): ${mb(f.peakRssBytes)}. Requests sent by the main client: ${meta.requestsSent}.`)
  out.push('')
  out.push('## Abort')
  out.push('')
  out.push(`Time from \`abort()\` to the rejection, max over ${f.abort.samples} aborts: **${f.abort.maxMs === undefined ? '-' : `${f.abort.maxMs.toFixed(1)} ms`}**. Cancel endpoints hang in the polling scenarios.`)
  out.push('')
  out.push(table(['Phase aborted', 'Max ms'], Object.entries(f.abort.byScenarioMaxMs).map(([k, v]) => [k, v.toFixed(1)])))
  out.push('')
  out.push('## Fuzz')
  out.push('')
  out.push(`${f.fuzz.cases} hostile requests (fast-check; plain objects, \`ImageGenerationRequest.from\` and builder chains; each with at least one mutation no model accepts; client with \`unsupported: 'error'\`): ${f.fuzz.typed} typed errors, **${f.fuzz.untyped} untyped**, ${f.fuzz.accepted} accepted, ${f.fuzz.hung} hung, **${f.fuzz.networkRequests} network requests** (counting dispatcher).`)
  out.push('')
  out.push(table(['Error class', 'Cases'], Object.entries(f.fuzz.typedByClass).sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, v])))
  const worst = (o) => Object.entries(o).sort((a, b) => b[1] - a[1]).slice(0, 12)
  if (f.fuzz.untyped > 0) {
    out.push('')
    out.push('Mutations in untyped cases:')
    out.push('')
    out.push(table(['Mutation', 'Cases'], worst(f.fuzz.untypedByMutation)))
  }
  if (f.fuzz.networkRequests > 0) {
    out.push('')
    out.push('Mutations in cases that reached the network:')
    out.push('')
    out.push(table(['Mutation', 'Cases'], worst(f.fuzz.networkByMutation)))
  }
  out.push('')
  out.push('## Hostile server')
  out.push('')
  const h = f.hostile
  out.push(`${h.cases} calls: huge (512 MB), endless and lying bodies, base64 that is HTML or not base64, two images for one, a server echoing the key, image URLs on loopback (9 spellings) and private, link-local, CGNAT and ULA addresses, redirects to loopback, huge, endless, lying and HTML images. Then \`image.bytes()\` on every URL returned (${h.bytes.calls}: ${h.bytes.refused} refused, ${h.bytes.returnedBytes} returned bytes, ${h.bytes.untyped} untyped).`)
  out.push('')
  out.push(`- TCP connections received by the loopback canary: **${h.canaryConnections}**`)
  out.push(`- Requests dispatched to loopback or private origins: **${h.privateDispatches}**${h.privateOrigins.length ? ` (${h.privateOrigins.join('; ')})` : ''}`)
  out.push(`- Image fetches from the hostile origin: ${JSON.stringify(h.imageFetches)}; over-cap image downloaded again: ${h.hugeDownloadsRepeated}`)
  out.push(`- RSS growth during the hostile cases: ${mb(h.rssGrowthBytes)}`)
  out.push('')
  out.push('## Soak')
  out.push('')
  const s = f.soak
  out.push(`${s.calls} calls in ${s.seconds} s (${s.callsPerSecond.toFixed(0)}/s) without faults; RSS ${mb(s.rssStartBytes)} → ${mb(s.rssEndBytes)} (peak ${mb(s.rssPeakBytes)}), heap ${mb(s.heapStartBytes)} → ${mb(s.heapEndBytes)}.`)
  out.push('')
  const examples = []
  for (const [name, p] of Object.entries(f.phases)) for (const [kind, list] of Object.entries(p.examples)) for (const e of list) examples.push(`- ${name} / ${kind}: ${e}`)
  for (const [name, s] of Object.entries(f.submissions)) for (const e of s.examples) examples.push(`- ${name} / submission of an accepted job: ${e}`)
  for (const e of f.fuzz.examples.untyped) examples.push(`- fuzz / untyped: ${e}`)
  for (const e of f.fuzz.examples.network) examples.push(`- fuzz / network: ${e}`)
  for (const e of f.fuzz.examples.hung) examples.push(`- fuzz / hung: ${e}`)
  for (const e of h.bytes.examples) examples.push(`- hostile / bytes(): ${e}`)
  if (examples.length) {
    out.push('## Examples of misses')
    out.push('')
    out.push(...examples.map((e) => e.replace(/\|/g, '\\|').replace(/\n/g, ' ')))
    out.push('')
  }
  return `${out.join('\n')}\n`
}
