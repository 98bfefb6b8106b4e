import type { BenchContext } from '../context'
import { peakRssMb } from '../processes'
import { rotate } from '../settings'
import type { Spread } from '../stats'
import { record, spread } from '../stats'
import { failedBy, oxyLabel, runSseClient, sseCandidates } from './sse'

export interface SseScaling {
  /** Streams per level, ascending; the main scenario's count is one of them. */
  readonly levels: readonly number[]
  /** Chunks per second over all streams, the same at every level. */
  readonly chunksPerSec: number
  readonly seconds: number
  /** Per proxy, per level (same order as `levels`): peak RSS in MB. */
  readonly peakRssMb: Record<string, (Spread | undefined)[]>
  /** Per proxy: (peak at the highest level − peak at the lowest) ÷ the streams between, KB. */
  readonly kbPerStream: Record<string, number>
}

/**
 * How memory grows with concurrency: peak RSS of a fresh `node oxy.cjs` and of each peer at a
 * few stream counts. The total chunk rate is held where the main scenario has it (1,000 streams,
 * one chunk each every 50 ms: 20,000 chunks/s), so the streams get slower as they get more and
 * what grows is what each open stream holds, not the work per second. The main scenario's
 * peaks stand in for its own level.
 */
export async function benchSseScaling(
  ctx: BenchContext,
  mainPeaks: Record<string, Spread>,
): Promise<SseScaling | undefined> {
  const { streams, everyMs } = ctx.settings.sse
  const { levels: extra, rounds, seconds } = ctx.settings.sseScaling
  if (extra.length === 0 || rounds === 0) return undefined
  const chunksPerSec = Math.round((streams * 1000) / everyMs)
  const levels = [...new Set([...extra, streams])].sort((a, b) => a - b)
  const candidates = sseCandidates(ctx, false).filter(
    (c) => c.name === oxyLabel() || !c.name.startsWith('oxy'),
  )
  const peaks: Record<string, number[]> = {}
  for (let round = 0; round < rounds; round++) {
    for (const candidate of rotate(candidates, round)) {
      for (const level of extra) {
        const proxy = await candidate.start()
        if (!proxy) continue
        try {
          const every = Math.max(1, Math.round((level * 1000) / chunksPerSec))
          const result = await runSseClient(ctx, proxy.port, level, seconds, every)
          const peak = peakRssMb(proxy.pid)
          record(peaks, `${candidate.name}@${level}`, peak)
          ctx.log(
            `  [3] scaling round ${round + 1} ${candidate.name}, ${level} streams every ${every} ms: ` +
              `${result.completed}/${level} completed${failedBy(result)}, peak ${peak.toFixed(1)} MB`,
          )
        } finally {
          await proxy.stop()
        }
      }
    }
  }
  const peakRss: Record<string, (Spread | undefined)[]> = {}
  const kbPerStream: Record<string, number> = {}
  for (const { name } of candidates) {
    const row = levels.map((level) =>
      level === streams ? mainPeaks[name] : peaks[`${name}@${level}`] && spread(peaks[`${name}@${level}`]!),
    )
    peakRss[name] = row
    const low = row[0]?.median
    const high = row.at(-1)?.median
    const span = levels.at(-1)! - levels[0]!
    if (low !== undefined && high !== undefined && span > 0) kbPerStream[name] = ((high - low) * 1024) / span
  }
  return { levels, chunksPerSec, seconds, peakRssMb: peakRss, kbPerStream }
}
