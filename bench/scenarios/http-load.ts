import type { BenchContext } from '../context'
import { GATEWAY_TOKEN, type GatewayKind } from '../gateway'
import { cpuUs } from '../processes'
import { rotate } from '../settings'
import type { Spread } from '../stats'
import { ratioSpread, record, spread } from '../stats'
import type { Endpoint, ProxyKind } from '../targets'
import { PEERS, PROXY_LABELS, REFERENCE_PEERS, startProxy } from '../targets'
import { runWrk, writeWrkScript } from '../wrk'

export interface ThroughputResult {
  readonly connections: number
  /** req/s per endpoint label, `direct` being the upstream without a proxy. */
  readonly rps: Record<string, Spread>
  /**
   * oxy (and the cluster) over each peer, and gateway modes over plain oxy (log off) and over
   * plain oxy writing the same JSON log, per round. oxy over the node:http reference, and the
   * reference over nginx: how far below nginx a Node proxy starts (REFERENCE_PEERS).
   */
  readonly ratios: Record<string, Spread>
  /** Gateway modes this build cannot run, and why. */
  readonly skipped: Partial<Record<GatewayKind, string>>
  /**
   * CPU the endpoint's own processes spent per request during the round, µs, user and system
   * (the kernel's share: sockets, epoll). Not the upstream's or wrk's, except for `direct`,
   * whose process is the upstream. Absent from results written before it was measured.
   */
  readonly cpuUsPerRequest?: Record<string, { readonly user: Spread; readonly system: Spread }>
}

export interface LatencyResult {
  /** Absolute p50/p99 per endpoint, µs. */
  readonly p50Us: Record<string, Spread>
  readonly p99Us: Record<string, Spread>
  /** What the proxy adds over calling the upstream directly in the same round, µs. */
  readonly addedP50Us: Record<string, Spread>
  readonly addedP99Us: Record<string, Spread>
}

export const DIRECT = 'direct (no proxy)'

/**
 * Scenarios 1 and 2 share long-lived proxies: each is started once, warmed up, then measured
 * round by round in rotating order, so drift on the shared machine hits every proxy alike.
 */
export async function benchHttpLoad(ctx: BenchContext): Promise<{
  throughput: ThroughputResult
  latency: LatencyResult
}> {
  const plainScript = await writeWrkScript(ctx.workDir)
  const gatewayScript = await writeWrkScript(ctx.workDir, GATEWAY_TOKEN)
  const gatewayKinds = Object.keys(ctx.gateway.runnable) as GatewayKind[]
  const kinds: ProxyKind[] = [
    'oxy',
    'oxy-cluster',
    ...(gatewayKinds.length > 0 ? (['oxy-log'] as const) : []),
    ...gatewayKinds,
    ...PEERS.filter((k) => ctx.proxies.includes(k)),
    ...REFERENCE_PEERS.filter((k) => ctx.proxies.includes(k)),
  ]
  const endpoints: Endpoint[] = [{ ...ctx.upstream, name: DIRECT }]
  const gatewayNames = new Set(gatewayKinds.map((kind) => PROXY_LABELS[kind]))
  const scriptFor = (endpoint: Endpoint) => (gatewayNames.has(endpoint.name) ? gatewayScript : plainScript)
  try {
    for (const kind of kinds) {
      const extraEnv = ctx.gateway.runnable[kind as GatewayKind] ?? {}
      endpoints.push(await startProxy(kind, ctx.bundles, ctx.upstream.port, ctx.workDir, extraEnv))
    }
    const { connections, rounds, seconds } = ctx.settings.throughput
    for (const endpoint of endpoints)
      await runWrk({ script: scriptFor(endpoint), port: endpoint.port, connections, seconds: 1 })

    const rps: Record<string, number[]> = {}
    const userUs: Record<string, number[]> = {}
    const systemUs: Record<string, number[]> = {}
    for (let round = 0; round < rounds; round++) {
      for (const endpoint of rotate(endpoints, round)) {
        const before = cpuUs(endpoint.pid)
        const result = await runWrk({
          script: scriptFor(endpoint),
          port: endpoint.port,
          connections,
          seconds,
        })
        const after = cpuUs(endpoint.pid)
        if (result.requests > 0) {
          record(userUs, endpoint.name, (after.user - before.user) / result.requests)
          record(systemUs, endpoint.name, (after.system - before.system) / result.requests)
        }
        if (result.errors > 0 || result.non2xx > 0)
          ctx.log(`  ${endpoint.name}: ${result.errors} errors, ${result.non2xx} non-2xx`)
        record(rps, endpoint.name, result.requestsPerSec)
        ctx.log(
          `  [1] round ${round + 1}/${rounds} ${endpoint.name}: ${Math.round(result.requestsPerSec)} req/s`,
        )
      }
    }

    const latencyEndpoints = endpoints.filter(
      (endpoint) =>
        endpoint.name !== PROXY_LABELS['oxy-cluster'] &&
        endpoint.name !== PROXY_LABELS['oxy-log'] &&
        !gatewayNames.has(endpoint.name),
    )
    const p50: Record<string, number[]> = {}
    const p99: Record<string, number[]> = {}
    for (let round = 0; round < ctx.settings.latency.rounds; round++) {
      for (const endpoint of rotate(latencyEndpoints, round)) {
        const result = await runWrk({
          script: plainScript,
          port: endpoint.port,
          connections: 1,
          seconds: ctx.settings.latency.seconds,
        })
        record(p50, endpoint.name, result.p50Us)
        record(p99, endpoint.name, result.p99Us)
        ctx.log(`  [2] round ${round + 1} ${endpoint.name}: p50 ${result.p50Us} µs, p99 ${result.p99Us} µs`)
      }
    }

    return {
      throughput: {
        connections,
        rps: mapValues(rps, spread),
        ratios: throughputRatios(rps),
        skipped: ctx.gateway.skipped,
        cpuUsPerRequest: mapValues(userUs, (user, name) => ({
          user: spread(user),
          system: spread(systemUs[name] ?? []),
        })),
      },
      latency: {
        p50Us: mapValues(p50, spread),
        p99Us: mapValues(p99, spread),
        addedP50Us: addedOverDirect(p50),
        addedP99Us: addedOverDirect(p99),
      },
    }
  } finally {
    for (const endpoint of endpoints.slice(1)) await endpoint.stop()
  }
}

function throughputRatios(rps: Record<string, number[]>): Record<string, Spread> {
  const ratios: Record<string, Spread> = {}
  const oxy = rps[PROXY_LABELS.oxy] ?? []
  const cluster = rps[PROXY_LABELS['oxy-cluster']] ?? []
  for (const peer of PEERS) {
    const peerRps = rps[PROXY_LABELS[peer]]
    if (!peerRps) continue
    ratios[`oxy / ${PROXY_LABELS[peer]}`] = ratioSpread(oxy, peerRps)
    ratios[`oxy cluster / ${PROXY_LABELS[peer]}`] = ratioSpread(cluster, peerRps)
  }
  // The reference gets no cluster ratio: it is one process, and the question it answers is what
  // one Node process pays for being a proxy at all.
  const ng = rps[PROXY_LABELS.nginx]
  for (const reference of REFERENCE_PEERS) {
    const refRps = rps[PROXY_LABELS[reference]]
    if (!refRps) continue
    ratios[`oxy / ${PROXY_LABELS[reference]}`] = ratioSpread(oxy, refRps)
    if (ng) ratios[`${PROXY_LABELS[reference]} / ${PROXY_LABELS.nginx}`] = ratioSpread(refRps, ng)
  }
  ratios['oxy cluster / oxy'] = ratioSpread(cluster, oxy)
  const logged = rps[PROXY_LABELS['oxy-log']]
  for (const kind of ['oxy-gateway', 'oxy-limits', 'oxy-limits-redis'] as const) {
    const series = rps[PROXY_LABELS[kind]]
    if (!series) continue
    ratios[`${PROXY_LABELS[kind]} / oxy`] = ratioSpread(series, oxy)
    if (logged) ratios[`${PROXY_LABELS[kind]} / ${PROXY_LABELS['oxy-log']}`] = ratioSpread(series, logged)
  }
  if (logged) ratios[`${PROXY_LABELS['oxy-log']} / oxy`] = ratioSpread(logged, oxy)
  return ratios
}

function addedOverDirect(values: Record<string, number[]>): Record<string, Spread> {
  const direct = values[DIRECT] ?? []
  const added: Record<string, Spread> = {}
  for (const [name, series] of Object.entries(values)) {
    if (name !== DIRECT) added[name] = spread(series.map((value, i) => value - (direct[i] ?? Number.NaN)))
  }
  return added
}

export function mapValues<T, U>(
  record: Record<string, T>,
  map: (value: T, key: string) => U,
): Record<string, U> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, map(value, key)]))
}
