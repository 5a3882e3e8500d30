import type { BatchStatus } from '@llmkit/batch'

/** Width of the bar in characters. */
const BAR_WIDTH = 30

/** `45s`, `4m12s`, `2h05m`: an ETA at a glance. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000))
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
}

/** `$1.23`, `$0.0025`: dollars without float noise. */
export function formatUsd(usd: number): string {
  return `$${(Math.round(usd * 1e4) / 1e4).toString()}`
}

/** The counters of a status, as one plain line (logs, pipes). */
export function statusLine(status: BatchStatus): string {
  const parts = [
    `batch ${status.batchId}: ${status.state}`,
    `${status.done + status.failed}/${status.total}`,
    `done ${status.done}`,
    `failed ${status.failed}`,
    `in flight ${status.inFlight}`,
    `cost ${formatUsd(status.costUsd)}`,
  ]
  if (status.etaMs !== undefined) parts.push(`ETA ${formatDuration(status.etaMs)}`)
  const why = status.reason === undefined ? '' : ` (${status.reason})`
  return `${parts.join(', ')}${why}`
}

/** The status as a progress bar line for a terminal. */
export function statusBar(status: BatchStatus): string {
  const finished = status.done + status.failed
  const ratio = status.total === 0 ? 1 : finished / status.total
  const filled = Math.round(ratio * BAR_WIDTH)
  const bar = `${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}`
  const eta = status.etaMs === undefined ? '' : ` ETA ${formatDuration(status.etaMs)}`
  const why = status.reason === undefined ? '' : ` (${status.reason})`
  return `${status.batchId} ${bar} ${Math.floor(ratio * 100)}% ${finished}/${status.total} | ok ${status.done} failed ${status.failed} in flight ${status.inFlight} | ${formatUsd(status.costUsd)}${eta} [${status.state}]${why}`
}
