import type { GatewayKind } from './gateway'
import type { BaselineKind } from './launch'
import { BASELINE_NAMES, PROXY_BASELINE_NAMES, PROXY_BASELINE_OF } from './launch'
import type { BenchResults } from './results'
import { DIRECT } from './scenarios/http-load'
import type { Spread } from './stats'
import { PROXY_LABELS } from './targets'

/** Issue 17's targets. Ratios compare runs made back to back in the same round. */
export const TARGETS = {
  /** Cold start over the bare program of the same kind (node:http server, Lambda handler). */
  coldStartOverBare: 1.1,
  /** The same for the artifacts a bash script starts (SCF, FC), over a bash script exec'ing a bare server. */
  coldStartBashOverBare: 1.15,
  ssePeakRssMb: 80,
  sseAddedP99Ms: 3,
  gatewayOverPlain: 0.9,
  limitsOverPlain: 0.9,
  throughputOverNginx: 0.65,
  addedP50Us: 60,
} as const

export const n = (value: number, digits = 0) => (Number.isFinite(value) ? value.toFixed(digits) : '–')
/** User plus system µs per request, from the medians of each, as the tables print it. */
export const cpuTotalUs = (cpu: { readonly user: Spread; readonly system: Spread }): string =>
  (cpu.user.median + cpu.system.median).toFixed(1)

/** median (min–max) */
export const cell = (s: Spread | undefined, digits = 0, unit = '') =>
  s ? `${n(s.median, digits)}${unit} (${n(s.min, digits)}–${n(s.max, digits)})` : '–'

/**
 * The limits: the node bundle and the Lambda handler, and the bash-started SCF and FC.
 * Deno, Vercel and Netlify run under stand-in hosts here and are reported against a bare handler
 * under the same host, without a limit.
 */
export function coldStartLimit(kind: BaselineKind): number | undefined {
  if (kind === 'server' || kind === 'handler') return TARGETS.coldStartOverBare
  if (kind === 'bash') return TARGETS.coldStartBashOverBare
  return undefined
}

type Verdict = boolean | 'reported' | string | undefined
const verdict = (met: Verdict) => {
  if (met === undefined) return 'not measured'
  if (met === true) return '**met**'
  if (met === false) return '**missed**'
  return met
}

/** The targets table: each of issue 17's targets with the run's median and spread, or why not measured. */
export function renderTargets(r: BenchResults): string {
  const T = TARGETS
  const rows: [string, string, Verdict][] = []
  for (const row of r.coldStart?.rows ?? []) {
    const limit = coldStartLimit(row.baseline)
    const ratio = cell(row.ratio, 2, '×')
    const over = BASELINE_NAMES[row.baseline]
    if (limit === undefined) rows.push([`1. cold start, ${row.name}, over ${over}`, ratio, 'reported'])
    else rows.push([`1. cold start, ${row.name} ≤ ${limit}× ${over}`, ratio, row.ratio.median <= limit])
  }
  // Context for target 1, never judged: the bare programs made proxies of their one request, so
  // the ratio above splits into what the upstream call costs any Node program and what oxy adds.
  for (const [kind, bare] of Object.entries(r.coldStart?.proxyBaselines ?? {})) {
    const proxy = kind as keyof typeof PROXY_BASELINE_NAMES
    const over = BASELINE_NAMES[PROXY_BASELINE_OF[proxy]]
    rows.push([`1. context: ${PROXY_BASELINE_NAMES[proxy]} ÷ ${over}`, cell(bare.ratio, 2, '×'), 'reported'])
  }
  if (r.coldStart?.esModuleCost) {
    rows.push([
      `1. context: ${BASELINE_NAMES['server-esm']} ÷ ${BASELINE_NAMES.server}`,
      cell(r.coldStart.esModuleCost, 2, '×'),
      'reported',
    ])
  }
  for (const row of r.coldStart?.rows ?? []) {
    if (!row.proxyBaseline || !row.proxyRatio || coldStartLimit(row.baseline) === undefined) continue
    rows.push([
      `1. context: cold start, ${row.name} ÷ ${PROXY_BASELINE_NAMES[row.proxyBaseline]}`,
      cell(row.proxyRatio, 2, '×'),
      'reported',
    ])
  }
  for (const name of Object.keys(r.sse?.peakRssMb ?? {})) {
    if (!name.startsWith('oxy')) continue
    const peak = r.sse!.peakRssMb[name]
    rows.push([
      `2. 1,000 SSE, ${name}: peak RSS ≤ ${T.ssePeakRssMb} MB`,
      cell(peak, 1, ' MB'),
      peak && peak.median <= T.ssePeakRssMb,
    ])
    const added = r.sse!.addedP99Ms[name]
    rows.push([
      `2. 1,000 SSE, ${name}: added p99 ≤ ${T.sseAddedP99Ms} ms`,
      cell(added, 2, ' ms'),
      added && added.median <= T.sseAddedP99Ms,
    ])
  }
  const ratios = r.throughput?.ratios ?? {}
  const skipped = r.throughput?.skipped ?? {}
  const gatewayRow = (
    kind: 'oxy-gateway' | 'oxy-limits' | 'oxy-limits-redis',
    label: string,
    limit?: number,
  ) => {
    const ratio = ratios[`${PROXY_LABELS[kind]} / oxy`]
    const met: Verdict = ratio ? (limit === undefined ? 'reported' : ratio.median >= limit) : skipped[kind]
    rows.push([`3. ${label}`, cell(ratio, 2, '× plain'), r.throughput ? met : undefined])
  }
  gatewayRow(
    'oxy-gateway',
    `gateway mode ≥ ${T.gatewayOverPlain}× plain pass-through req/s`,
    T.gatewayOverPlain,
  )
  gatewayRow('oxy-limits', `per-key limits, in memory ≥ ${T.limitsOverPlain}× plain req/s`, T.limitsOverPlain)
  gatewayRow('oxy-limits-redis', 'per-key limits, local Redis: reported')
  const overLogged = (kind: GatewayKind) => ratios[`${PROXY_LABELS[kind]} / ${PROXY_LABELS['oxy-log']}`]
  for (const [kind, label] of [
    ['oxy-gateway', 'gateway mode'],
    ['oxy-limits', 'per-key limits, in memory'],
  ] as const) {
    const ratio = overLogged(kind)
    if (ratio)
      rows.push([
        `3. ${label} ÷ plain writing the same JSON log: reported`,
        cell(ratio, 2, '× logged'),
        'reported',
      ])
  }
  const logCost = ratios[`${PROXY_LABELS['oxy-log']} / oxy`]
  if (logCost)
    rows.push([
      '3. plain with the JSON log to a file ÷ plain, log off: reported',
      cell(logCost, 2, '× plain'),
      'reported',
    ])
  const overNginx = ratios[`oxy / ${PROXY_LABELS.nginx}`]
  rows.push([
    `4. small JSON, 64 conns: ≥ ${T.throughputOverNginx}× nginx (1 worker), one process`,
    cell(overNginx, 2, '×'),
    overNginx && overNginx.median >= T.throughputOverNginx,
  ])
  const added = r.latency?.addedP50Us[PROXY_LABELS.oxy]
  rows.push([
    `4. added p50 ≤ ${T.addedP50Us} µs`,
    cell(added, 0, ' µs'),
    added && added.median <= T.addedP50Us,
  ])
  // Context for target 4, never judged: the node:http reference (REFERENCE_PEERS) in the same
  // rounds, so the distance to nginx can be split into being a Node proxy and being oxy.
  const reference = PROXY_LABELS['node-http']
  const referenceOverNginx = ratios[`${reference} / ${PROXY_LABELS.nginx}`]
  if (referenceOverNginx)
    rows.push([`4. context: ${reference} ÷ nginx (1 worker)`, cell(referenceOverNginx, 2, '×'), 'reported'])
  const overReference = ratios[`oxy / ${reference}`]
  if (overReference) rows.push([`4. context: oxy ÷ ${reference}`, cell(overReference, 2, '×'), 'reported'])
  const referenceAdded = r.latency?.addedP50Us[reference]
  if (referenceAdded)
    rows.push([`4. context: added p50 of ${reference}`, cell(referenceAdded, 0, ' µs'), 'reported'])
  // What 0.65x nginx asks of one process: its CPU per request beside nginx's and beside a
  // node:http server that only answers (the upstream, `direct`), measured in the same rounds.
  const cpu = r.throughput?.cpuUsPerRequest
  const total = (name: string) => {
    const c = cpu?.[name]
    return c ? `${cpuTotalUs(c)} µs` : undefined
  }
  const cpuCells = [
    ['oxy', total(PROXY_LABELS.oxy)],
    ['nginx', total(PROXY_LABELS.nginx)],
    ['a node:http server only answering', total(DIRECT)],
  ].filter(([, value]) => value !== undefined)
  if (cpuCells.length > 0)
    rows.push([
      '4. context: CPU per request, user + system (the process measured only)',
      cpuCells.map(([name, value]) => `${name} ${value}`).join('; '),
      'reported',
    ])
  const fastify = ratios[`oxy / ${PROXY_LABELS['fastify-proxy']}`]
  rows.push([
    '5. @fastify/http-proxy in the same runs (oxy ÷ it, req/s)',
    cell(fastify, 2, '×'),
    fastify && 'reported',
  ])
  const lines = ['### Targets (issue 17)\n', '| Target | Measured | |', '| --- | ---: | --- |']
  for (const [name, measured, met] of rows) lines.push(`| ${name} | ${measured} | ${verdict(met)} |`)
  return `${lines.join('\n')}\n`
}
