// Order statistics over samples in milliseconds.

/** Nearest-rank percentile of sorted samples. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]
}

/** Median, p99, mean and count of samples. */
export function summarize(samples) {
  const sorted = Float64Array.from(samples).sort()
  const mean = sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length)
  return { medianMs: percentile(sorted, 50), p99Ms: percentile(sorted, 99), meanMs: mean, n: sorted.length }
}

/** Median of plain numbers. */
export function median(values) {
  return percentile(Float64Array.from(values).sort(), 50)
}
