/** Nearest-rank percentile of unsorted samples; NaN for none. */
export function percentile(samples: ArrayLike<number>, p: number): number {
  if (samples.length === 0) return Number.NaN
  const sorted = Float64Array.from(samples).sort()
  const rank = Math.ceil((p / 100) * sorted.length) - 1
  return sorted[Math.min(Math.max(rank, 0), sorted.length - 1)]!
}

/** What every table cell reports: rounds on a noisy shared machine, never one run. */
export interface Spread {
  readonly min: number
  readonly median: number
  readonly max: number
  readonly rounds: number
}

export function spread(values: readonly number[]): Spread {
  const finite = values.filter(Number.isFinite)
  return {
    min: finite.length ? Math.min(...finite) : Number.NaN,
    median: percentile(finite, 50),
    max: finite.length ? Math.max(...finite) : Number.NaN,
    rounds: finite.length,
  }
}

/** The median of per-round ratios: each ratio compares two runs made back to back. */
export function ratioSpread(numerators: readonly number[], denominators: readonly number[]): Spread {
  return spread(numerators.map((value, i) => value / (denominators[i] ?? Number.NaN)))
}

/** Adds one round's value to a named series. */
export function record(series: Record<string, number[]>, name: string, value: number): void {
  const values = series[name] ?? []
  values.push(value)
  series[name] = values
}
