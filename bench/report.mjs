// Turns the raw results into the published table: every figure, every contender, its ratio to
// the floor (raw undici) and to the best peer, then the targets of issue 8 with pass/fail.

const MiB = 2 ** 20

/** Every figure of the table: where to read it, its unit, and which direction is better. */
function figureList(results) {
  const f = results.figures
  const list = []
  for (const [key, title] of [
    ['small-url', 'small image, url'],
    ['small-b64', 'small image, b64_json'],
    ['large-url', '4 MB image, url'],
    ['large-b64', '4 MB image, b64_json'],
  ]) {
    list.push({ id: `latency.${key}.median`, title: `Latency per call, median: ${title}`, unit: 'ms', better: 'lower', get: (c) => f.latency?.[c]?.[key]?.medianMs })
    list.push({ id: `latency.${key}.p99`, title: `Latency per call, p99: ${title}`, unit: 'ms', better: 'lower', get: (c) => f.latency?.[c]?.[key]?.p99Ms })
  }
  for (const level of results.meta.plan.levels) {
    list.push({ id: `throughput.c${level}`, title: `Throughput at ${level} concurrent call(s), small b64_json`, unit: 'calls/s', better: 'higher', get: (c) => f.throughput?.[c]?.[`c${level}`]?.callsPerSec })
  }
  list.push({ id: 'memory.peakRss', title: `Peak RSS above baseline, batch of ${results.meta.plan.batch} × 4 MB b64_json`, unit: 'MiB', scale: 1 / MiB, better: 'lower', get: (c) => f.memory?.[c]?.peakRssBytes })
  list.push({ id: 'memory.peakHeap', title: `Peak heap (V8 heap + external) above baseline, same batch`, unit: 'MiB', scale: 1 / MiB, better: 'lower', get: (c) => f.memory?.[c]?.peakHeapBytes })
  list.push({ id: 'coldImport.median', title: 'Cold import, fresh process (median of runs)', unit: 'ms', better: 'lower', get: (c) => f.coldImport?.[c]?.medianMs })
  list.push({ id: 'coldImport.min', title: 'Cold import, fresh process (fastest run: least disturbed by other load)', unit: 'ms', better: 'lower', get: (c) => f.coldImport?.[c]?.minMs })
  list.push({ id: 'pipelineOnly.mean', title: "llmkit's own cost per call with the network taken out (provider answering from memory), mean of a warm loop", unit: 'µs', better: 'lower', get: (c) => f.pipelineOnly?.[c]?.meanUs })
  list.push({ id: 'cacheHit.median', title: 'Cache hit latency, median (only llmkit has a cache; floor column = an uncached small url call)', unit: 'ms', better: 'lower', get: (c) => (c === 'floor' ? f.latency?.floor?.['small-url']?.medianMs : f.cacheHit?.[c]?.medianMs) })
  list.push({ id: 'asyncDelivery.median', title: 'Async job: server-side completion to image in hand, median', unit: 'ms', better: 'lower', get: (c) => f.asyncDelivery?.[c]?.medianMs })
  return list
}

const fmt = (v, unit) => {
  if (v === undefined || Number.isNaN(v)) return '–'
  if (unit === 'calls/s') return v.toFixed(0)
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toFixed(3)
}
const ratio = (a, b) => (a === undefined || b === undefined || !b ? undefined : a / b)
const fmtRatio = (r) => (r === undefined ? '–' : `${r.toFixed(2)}×`)

function bestPeer(results, fig) {
  let best
  for (const peer of results.meta.peers) {
    const v = fig.get(peer)
    if (v === undefined) continue
    if (best === undefined || (fig.better === 'lower' ? v < best.value : v > best.value)) best = { peer, value: v }
  }
  return best
}

function targets(results) {
  const lat = results.figures.latency ?? {}
  const out = []
  for (const key of ['small-url', 'small-b64']) {
    const floor = lat.floor?.[key]?.medianMs
    for (const c of ['llmkit', 'llmkit-bare']) {
      const v = lat[c]?.[key]?.medianMs
      const r = ratio(v, floor)
      out.push({ id: `median-within-1.05x-floor.${c}.${key}`, text: `${c} median, ${key}: within 1.05× of the floor`, value: r, display: fmtRatio(r), pass: r !== undefined && r <= 1.05 })
      const overhead = v - floor
      const peerOverheads = results.meta.peers.map((p) => lat[p]?.[key]?.medianMs).filter((x) => x !== undefined).map((x) => x - floor)
      const bestOverhead = Math.min(...peerOverheads)
      out.push({
        id: `overhead-half-of-best-peer.${c}.${key}`,
        text: `${c} added overhead, ${key}: at most half of the best peer's`,
        value: overhead / bestOverhead,
        display: `${(overhead * 1000).toFixed(0)} µs vs ${(bestOverhead * 1000).toFixed(0)} µs (${(overhead / bestOverhead).toFixed(2)}×)`,
        pass: peerOverheads.length > 0 && overhead <= bestOverhead / 2,
      })
    }
  }
  const mem = results.figures.memory?.llmkit
  if (mem) {
    const r = mem.peakRssBytes / mem.payloadBytes
    out.push({ id: 'memory-within-1.5x-payload', text: `llmkit peak RSS for the batch: at most 1.5× the payload (${(mem.payloadBytes / MiB).toFixed(1)} MiB of JSON)`, value: r, display: `${(mem.peakRssBytes / MiB).toFixed(1)} MiB = ${r.toFixed(2)}×`, pass: r <= 1.5 })
  }
  const imp = results.figures.coldImport
  if (imp?.llmkit) {
    const peerBest = Math.min(...results.meta.peers.map((p) => imp[p]?.medianMs ?? Infinity))
    out.push({ id: 'cold-import-faster-than-peers', text: 'llmkit + @llmkit/provider-openai cold import faster than every peer', value: imp.llmkit.medianMs / peerBest, display: `${imp.llmkit.medianMs.toFixed(1)} ms vs ${peerBest.toFixed(1)} ms`, pass: imp.llmkit.medianMs < peerBest })
  }
  return out
}

/** Renders latest.md and the machine-readable summary (ratios and targets). */
export function renderMarkdown(results) {
  const { meta } = results
  const lines = []
  const summary = { figures: {}, targets: targets(results) }
  lines.push('# llmkit benchmark: latest run', '')
  lines.push(`${meta.date} · Node ${meta.node} · ${meta.platform} · ${meta.cpus} CPU(s) (${meta.cpuModel ?? 'unknown'})${meta.quick ? ' · **--quick smoke run: the numbers mean nothing**' : ''} · wall time ${(meta.wallMs / 1000).toFixed(0)} s`, '')
  lines.push(`Versions: ${Object.entries(meta.versions).map(([k, v]) => `${k} ${v ?? '?'}`).join(', ')}.`, '')
  lines.push(`Payloads: small = ${meta.payload.small.pngBytes} B PNG (${meta.payload.small.b64Bytes} B b64_json body); large = ${(meta.payload.large.pngBytes / MiB).toFixed(2)} MiB PNG (${(meta.payload.large.b64Bytes / MiB).toFixed(2)} MiB b64_json body). How to read this: [bench/README.md](../README.md).`, '')
  lines.push('Contenders: ' + meta.contenders.map((c) => `**${c}** = ${meta.labels[c]}`).join('; ') + '.', '')
  lines.push('## Targets', '', '| target | result | met |', '|---|---|---|')
  for (const t of summary.targets) lines.push(`| ${t.text} | ${t.display} | ${t.pass ? 'yes' : '**no**'} |`)
  for (const [fig, reason] of Object.entries(results.missing)) lines.push(`| figure ${fig} | missing: ${reason} | – |`)
  lines.push('', '## Figures', '', 'Ratios: value ÷ floor, and value ÷ best peer (the better of the openai SDK and the AI SDK for that figure). For calls/s higher is better; for everything else lower is better.', '')
  for (const fig of figureList(results)) {
    const floor = fig.get('floor')
    const best = bestPeer(results, fig)
    const anyValue = meta.contenders.some((c) => fig.get(c) !== undefined)
    lines.push(`### ${fig.title} (${fig.unit})`, '')
    if (!anyValue) {
      lines.push(`Missing: ${results.missing[fig.id.split('.')[0]] ?? 'not measured'}.`, '')
      continue
    }
    lines.push(`| contender | ${fig.unit} | × floor | × best peer${best ? ` (${best.peer})` : ''} |`, '|---|---:|---:|---:|')
    summary.figures[fig.id] = {}
    for (const c of meta.contenders) {
      const raw = fig.get(c)
      const v = raw === undefined ? undefined : raw * (fig.scale ?? 1)
      const rf = ratio(raw, floor)
      const rp = ratio(raw, best?.value)
      summary.figures[fig.id][c] = raw === undefined ? null : { value: raw, vsFloor: rf ?? null, vsBestPeer: rp ?? null }
      lines.push(`| ${c} | ${fmt(v, fig.unit)} | ${fmtRatio(rf)} | ${fmtRatio(rp)} |`)
    }
    lines.push('')
  }
  if (results.notes?.length) lines.push('## Notes', '', ...results.notes.map((n) => `- ${n}`), '')
  return { markdown: `${lines.join('\n')}\n`, summary }
}
