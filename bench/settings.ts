/**
 * How long each scenario runs. Full: several rounds per scenario for medians (~16 minutes on 2
 * cores). Quick (`--quick`): fewer, shorter rounds (~4 minutes), to check that the bench works,
 * not to publish.
 */
export interface Settings {
  readonly mode: 'full' | 'quick'
  readonly throughput: { readonly rounds: number; readonly seconds: number; readonly connections: number }
  readonly latency: { readonly rounds: number; readonly seconds: number }
  readonly sse: {
    readonly rounds: number
    readonly streams: number
    readonly seconds: number
    readonly everyMs: number
  }
  /** Extra stream counts for the scaling table (the main count is reused), fresh process each. */
  readonly sseScaling: {
    readonly rounds: number
    readonly levels: readonly number[]
    readonly seconds: number
  }
  readonly upload: { readonly rounds: number; readonly bytes: number; readonly upstreamBytesPerSec: number }
  readonly coldStart: { readonly runs: number }
}

const MB = 1024 * 1024

export const FULL: Settings = {
  mode: 'full',
  throughput: { rounds: 5, seconds: 5, connections: 64 },
  latency: { rounds: 5, seconds: 4 },
  sse: { rounds: 3, streams: 1000, seconds: 10, everyMs: 50 },
  sseScaling: { rounds: 2, levels: [100, 5000], seconds: 10 },
  upload: { rounds: 3, bytes: 25 * MB, upstreamBytesPerSec: 25 * MB },
  coldStart: { runs: 10 },
}

export const QUICK: Settings = {
  mode: 'quick',
  throughput: { rounds: 2, seconds: 2, connections: 64 },
  latency: { rounds: 2, seconds: 2 },
  sse: { rounds: 1, streams: 1000, seconds: 10, everyMs: 50 },
  sseScaling: { rounds: 1, levels: [100, 5000], seconds: 5 },
  upload: { rounds: 1, bytes: 25 * MB, upstreamBytesPerSec: 25 * MB },
  coldStart: { runs: 5 },
}

/** Round r visits the candidates in a rotated order, so no one always runs first (or last). */
export function rotate<T>(items: readonly T[], round: number): T[] {
  const shift = round % Math.max(items.length, 1)
  return [...items.slice(shift), ...items.slice(0, shift)]
}
