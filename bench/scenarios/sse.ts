import type { BenchContext } from '../context'
import { LAUNCHERS } from '../launch'
import { peakRssMb, rssMb, spawnTracked } from '../processes'
import { rotate } from '../settings'
import type { Spread } from '../stats'
import { record, spread } from '../stats'
import type { Endpoint } from '../targets'
import { PEERS, PROXY_LABELS, startArtifact, startProxy, startTcpRelay, TCP_RELAY_LABEL } from '../targets'
import { mapValues } from './http-load'
import type { SseScaling } from './sse-scaling'
import { benchSseScaling } from './sse-scaling'

export interface SseResult {
  readonly streams: number
  readonly seconds: number
  readonly everyMs: number
  /** Per proxy: the kernel's RSS high-water mark over the run, MB. */
  readonly peakRssMb: Record<string, Spread>
  /** Per endpoint (direct included): p50 / p99 of upstream-write -> client-read, ms. */
  readonly p50Ms: Record<string, Spread>
  readonly p99Ms: Record<string, Spread>
  /** Per proxy: p99 minus the direct run's p99 in the same round, ms. */
  readonly addedP99Ms: Record<string, Spread>
  readonly failedStreams: Record<string, number>
  /** Peak RSS at other concurrencies, for the scaling table. */
  readonly scaling?: SseScaling
}

export interface ClientResult {
  readonly completed: number
  readonly failed: number
  /** Failed streams by why (bench/sse-client.ts). */
  readonly failures: Record<string, number>
  readonly chunks: number
  readonly p50Us: number
  readonly p99Us: number
}

/** One thing the streams go through: started fresh for each run, so its peak RSS is that run's. */
export interface SseCandidate {
  readonly name: string
  /** undefined: the upstream itself, no proxy. */
  start(): Promise<Endpoint | undefined>
}

export const DIRECT = 'direct (no proxy)'
/** The oxy artifacts that run as long-lived servers, each started as its platform starts it. */
const SERVER_ZIPS = ['node-server.zip', 'tencent-scf.zip', 'aliyun-fc.zip']

/** oxy's node bundle as `node oxy.cjs` (the label the targets and the scaling table use). */
export const oxyLabel = () => `oxy: ${LAUNCHERS['node-server.zip']!.name}`

/** Every oxy server artifact as its platform starts it, then the peers. */
export function sseCandidates(ctx: BenchContext, withDirect: boolean): SseCandidate[] {
  const candidates: SseCandidate[] = withDirect ? [{ name: DIRECT, start: async () => undefined }] : []
  for (const zip of SERVER_ZIPS) {
    const artifact = ctx.artifacts.artifacts.find((a) => a.zip === zip)
    const launcher = LAUNCHERS[zip]!
    if (artifact)
      candidates.push({
        name: `oxy: ${launcher.name}`,
        start: () => startArtifact(launcher, artifact, ctx.upstream.port),
      })
  }
  for (const kind of PEERS.filter((k) => ctx.proxies.includes(k)))
    candidates.push({
      name: PROXY_LABELS[kind],
      start: () => startProxy(kind, ctx.bundles, ctx.upstream.port, ctx.workDir),
    })
  // Beside the direct baseline: what a Node process adds that only copies bytes, in the same
  // rounds, so a reader can tell the proxies' share of the tail from the machine's.
  if (withDirect)
    candidates.push({ name: TCP_RELAY_LABEL, start: () => startTcpRelay(ctx.bundles, ctx.upstream.port) })
  return candidates
}

/**
 * Scenario 3: many slow streams, the shape of chat completions, through each oxy artifact as its
 * platform starts it (no extra flags for `node oxy.cjs`) and each peer. Every run starts its
 * proxy fresh so that its RSS high-water mark belongs to that run alone.
 */
export async function benchSse(ctx: BenchContext): Promise<SseResult> {
  const { rounds, streams, seconds, everyMs } = ctx.settings.sse
  const candidates = sseCandidates(ctx, true)
  const peak: Record<string, number[]> = {}
  const p50: Record<string, number[]> = {}
  const p99: Record<string, number[]> = {}
  const failed: Record<string, number> = {}
  // The upstream's SSE path is cold before the first run; a short direct run warms it, so the
  // first round's baseline is not the slowest for reasons unrelated to any proxy.
  await runSseClient(ctx, ctx.upstream.port, Math.min(streams, 200), 2, everyMs)
  for (let round = 0; round < rounds; round++) {
    for (const candidate of rotate(candidates, round)) {
      const { name } = candidate
      const proxy = await candidate.start()
      try {
        const idle = proxy ? rssMb(proxy.pid) : 0
        const result = await runSseClient(ctx, proxy?.port ?? ctx.upstream.port, streams, seconds, everyMs)
        if (proxy) record(peak, name, peakRssMb(proxy.pid))
        record(p50, name, result.p50Us / 1000)
        record(p99, name, result.p99Us / 1000)
        failed[name] = (failed[name] ?? 0) + result.failed
        ctx.log(
          `  [3] round ${round + 1} ${name}: ${result.completed}/${streams} streams${failedBy(result)}, ${result.chunks} chunks, ` +
            `p99 ${(result.p99Us / 1000).toFixed(2)} ms` +
            (proxy ? `, RSS idle ${idle.toFixed(1)} MB, peak ${peak[name]!.at(-1)!.toFixed(1)} MB` : ''),
        )
      } finally {
        await proxy?.stop()
      }
    }
  }
  const direct = p99[DIRECT] ?? []
  const added: Record<string, Spread> = {}
  for (const [name, series] of Object.entries(p99)) {
    if (name !== DIRECT) added[name] = spread(series.map((value, i) => value - (direct[i] ?? Number.NaN)))
  }
  const scaling = await benchSseScaling(ctx, mapValues(peak, spread))
  return {
    streams,
    seconds,
    everyMs,
    peakRssMb: mapValues(peak, spread),
    p50Ms: mapValues(p50, spread),
    p99Ms: mapValues(p99, spread),
    addedP99Ms: added,
    failedStreams: failed,
    scaling,
  }
}

/** ` (failed: 3 noResponse, 1 unfinished)`, or nothing when every stream completed. */
export function failedBy(result: ClientResult): string {
  const kinds = Object.entries(result.failures).filter(([, count]) => count > 0)
  return kinds.length === 0 ? '' : ` (failed: ${kinds.map(([kind, count]) => `${count} ${kind}`).join(', ')})`
}

export async function runSseClient(
  ctx: BenchContext,
  port: number,
  streams: number,
  seconds: number,
  everyMs: number,
): Promise<ClientResult> {
  const chunks = Math.round((seconds * 1000) / everyMs)
  // Real users do not all press enter in the same millisecond; 5,000 connections in one second
  // would also only measure the listen backlog.
  const rampMs = Math.max(1000, streams)
  const child = spawnTracked(process.execPath, [ctx.bundles.sseClient], {
    env: {
      URL: `http://127.0.0.1:${port}/v1/sse?n=${chunks}&every=${everyMs}`,
      STREAMS: String(streams),
      RAMP_MS: String(rampMs),
      // Bounded: the run's own length, the ramp, and generous slack for a loaded machine.
      DEADLINE_MS: String(seconds * 1000 + rampMs + 20_000),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let stdout = ''
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk
  })
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
  const line = stdout.split('\n').find((l) => l.startsWith('{'))
  if (code !== 0 || !line) throw new Error(`the SSE client exited with ${code}: ${stdout.trim()}`)
  return JSON.parse(line) as ClientResult
}
