// The notes under the table: what the numbers can and cannot say, computed from the run so
// they stay true when the numbers move. Profiles behind them: `npm run bench -- --profile`.

const pct = (x) => `${(x * 100).toFixed(0)} %`

/** Notes for latest.md, from the results of one run. */
export function notesFor(results) {
  const { figures: f, meta } = results
  const notes = []
  const [load1] = meta.loadAverageAtStart ?? []
  if (load1 !== undefined && load1 > meta.cpus * 0.75) {
    notes.push(
      `The machine was busy (load average ${load1.toFixed(1)} on ${meta.cpus} CPUs at the start, ${meta.loadAverageAtEnd?.[0]?.toFixed(1) ?? '?'} at the end). ` +
        'Rounds are interleaved so every contender shares the noise, but sub-10 % differences are within it; compare ratios, not absolute times.',
    )
  }
  const lat = f.latency ?? {}
  const floorSmall = lat.floor?.['small-b64']?.medianMs
  const llmkitSmall = lat.llmkit?.['small-b64']?.medianMs
  const bareSmall = lat['llmkit-bare']?.['small-b64']?.medianMs
  if (floorSmall && llmkitSmall && bareSmall) {
    const overUs = (x) => ((x - floorSmall) * 1000).toFixed(0)
    const met = llmkitSmall / floorSmall <= 1.05
    notes.push(
      `Small payloads, in steady state (${meta.plan.warmup} warm-up calls per process; after 1,500, V8 had not yet optimized llmkit's deeper stack and it measured up to 1.5× the floor): ` +
        `a call costs the floor ${(floorSmall * 1000).toFixed(0)} µs, most of it the loopback round trip and JSON.parse of the 17 KB body, which every contender pays. ` +
        `llmkit adds ${overUs(bareSmall)} µs with its middleware off (${(bareSmall / floorSmall).toFixed(2)}×) and ${overUs(llmkitSmall)} µs with its defaults (${(llmkitSmall / floorSmall).toFixed(2)}×)` +
        (met ? ', within the 1.05× target. ' : ', over the 1.05× target, which leaves about 10 µs. ') +
        (f.pipelineOnly ? `With the network taken out (the provider answering from memory) llmkit itself costs ${f.pipelineOnly['llmkit-bare'].meanUs.toFixed(0)} µs a call with middleware off and ${f.pipelineOnly.llmkit.meanUs.toFixed(0)} µs with the defaults, in a long warm loop. Compared in one process, llmkit's transport matches undici.request call for call (its signal listener costs about 7 µs), so what separates the rows beyond that is run-to-run noise on this machine more than code. ` : '') +
        'The --cpu-prof profile of the default small loop first put the largest llmkit-attributable entry in Node\'s AbortSignal.any bookkeeping (followCompositeSignal), from the two timeout middlewares; they now link one AbortController to the caller\'s signal with a listener removed on settle, which took the default stack from about 1.3–1.4× to this table\'s figure. What remains is the compose onion (ten async layers, each deriving a context), two timers a call (total and per-attempt deadline) and undici\'s abort listener on the signal every request carries; the bare path (request check, normalization, validation, provider mapping, transport, response objects) costs a few µs each.',
    )
  }
  const floorLarge = lat.floor?.['large-b64']?.medianMs
  const llmkitLarge = lat.llmkit?.['large-b64']?.medianMs
  if (floorLarge && llmkitLarge) {
    notes.push(
      `4 MB base64 answers: llmkit reads the body into one buffer sized from content-length and lifts the base64 string out of it with a single latin1 copy (packages/core/src/http/parse-json-body.ts) instead of decoding the whole body to text and letting JSON.parse copy the value again; ` +
        `that parse is about 5× faster than JSON.parse on the same 5 MB body. Here llmkit takes ${llmkitLarge.toFixed(1)} ms a call, the floor ${floorLarge.toFixed(1)} ms; garbage collection of the 5 MB strings dominates both profiles.`,
    )
  }
  const tp = f.throughput ?? {}
  const top = meta.plan.levels.at(-1)
  if (tp.llmkit && tp['llmkit-bare']) {
    notes.push(
      `Throughput at ${top} concurrent calls: llmkit with its defaults keeps at most 8 provider calls in flight per client (the concurrency middleware's default, chosen for OpenAI's image rate limits), so from 16 concurrent calls up the extra calls wait in its queue: ` +
        `${tp.llmkit[`c${top}`].callsPerSec.toFixed(0)} calls/s against ${tp['llmkit-bare'][`c${top}`].callsPerSec.toFixed(0)} with middleware off. That is the limit doing its job, not transport cost; raise \`concurrency.maxConcurrency\` for a server that allows more.`,
    )
  }
  const mem = f.memory ?? {}
  if (mem.llmkit && mem.floor) {
    const payload = mem.llmkit.payloadBytes
    notes.push(
      `Memory: the payload is the ten JSON bodies (${(payload / 2 ** 20).toFixed(1)} MiB); the caller keeps ${(mem.llmkit.heldBytes / 2 ** 20).toFixed(1)} MiB of base64 strings at the end, so 1.0× is the floor of what is possible. ` +
        `llmkit peaks at ${(mem.llmkit.peakRssBytes / payload).toFixed(2)}× the payload, raw undici at ${(mem.floor.peakRssBytes / payload).toFixed(2)}×: undici's body.json() holds chunks, their concatenation, the decoded text and the parsed value at once. ` +
        'What stands in the way of 1.5×: the bytes of every body in flight must stay in memory until its string is built, and the string is the API\'s b64_json, so the peak is the strings kept plus the bodies in flight (llmkit\'s default concurrency limit keeps 8 of the 10 in flight: about 1.0× + 0.8×; with middleware off all 10 are, hence its higher peak). ' +
        'Going lower needs the base64 text built while the bytes arrive (a streaming JSON scan that turns each chunk into part of the string and drops it), which would change what the transport hands to providers; it is not done here. ' +
        `Peak RSS depends on when V8 collects, so it varies between rounds (llmkit: ${mem.llmkit.rounds.map((r) => (r.peakRssBytes / 2 ** 20).toFixed(0)).join(', ')} MiB); the table gives the median.`,
    )
  }
  const imp = f.coldImport ?? {}
  if (imp.llmkit && imp.floor) {
    notes.push(
      `Cold import: llmkit loads undici on the first request, not at import (undici alone costs about ${imp.floor.medianMs.toFixed(0)} ms to load, the floor row). ` +
        `What remains is mostly zod (the provider's wire schemas and the request schema) and tsyringe with reflect-metadata.`,
    )
  }
  if (f.cacheHit?.llmkit && floorSmall) {
    notes.push(`Cache hit: ${(f.cacheHit.llmkit.medianMs * 1000).toFixed(0)} µs median, ${pct(f.cacheHit.llmkit.medianMs / lat.floor['small-url'].medianMs)} of an uncached small call to the floor. Peers have no response cache.`)
  }
  const asyncFig = f.asyncDelivery
  if (asyncFig?.llmkit && asyncFig.floor) {
    notes.push(
      `Async provider (fal on the emulator, jobs done ${asyncFig.llmkit.jobMs} ms after submit): the time to the image is ruled by the poll cadence (fal's ${asyncFig.llmkit.pollIntervalMs} ms, which both the floor and @llmkit/provider-fal use) plus fetching the result and the image. ` +
        `llmkit ${asyncFig.llmkit.medianMs.toFixed(0)} ms, floor ${asyncFig.floor.medianMs.toFixed(0)} ms. No peer here speaks fal's queue API, so only the floor is compared.`,
    )
  }
  notes.push('url payloads: the Vercel AI SDK always asks DALL·E models for b64_json and has no URL output, so its url rows are empty and the "best peer" for them is the openai SDK.')
  return notes
}
