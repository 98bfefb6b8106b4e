import { coldStartLimit, TARGETS } from './report-targets'
import type { BenchResults } from './results'
import { oxyLabel } from './scenarios/sse'
import { PROXY_LABELS } from './targets'

/** One bar: oxy's number divided by a peer's (or by bare node's), and which way is better. */
export interface ChartRow {
  readonly group: string
  readonly label: string
  readonly ratio: number
  readonly higherIsBetter: boolean
  /** The issue's target as a ratio, when it is one (0.65x nginx, 1.10x the bare baseline). */
  readonly target?: number
}

export function chartRows(results: BenchResults): ChartRow[] {
  const rows: ChartRow[] = []
  const { throughput, latency, sse, upload, coldStart } = results
  const hp = PROXY_LABELS['http-proxy']
  const fp = PROXY_LABELS['fastify-proxy']
  const ng = PROXY_LABELS.nginx
  if (throughput) {
    const r = throughput.ratios
    push(rows, 'req/s, 64 conns', 'oxy ÷ http-proxy', r[`oxy / ${hp}`]?.median, true)
    push(rows, 'req/s, 64 conns', 'oxy ÷ @fastify/http-proxy', r[`oxy / ${fp}`]?.median, true)
    push(rows, 'req/s, 64 conns', 'oxy ÷ nginx', r[`oxy / ${ng}`]?.median, true, TARGETS.throughputOverNginx)
    const gateway = r[`${PROXY_LABELS['oxy-gateway']} / oxy`]?.median
    push(rows, 'req/s, 64 conns', 'oxy gateway ÷ oxy', gateway, true, TARGETS.gatewayOverPlain)
  }
  if (latency) {
    const oxy = latency.addedP50Us[PROXY_LABELS.oxy]?.median
    for (const peer of [hp, fp, ng]) {
      const other = latency.addedP50Us[peer]?.median
      if (oxy !== undefined && other !== undefined)
        push(rows, 'added p50, 1 conn', `oxy ÷ ${peer}`, oxy / other, false)
    }
  }
  if (sse) {
    const oxy = sse.peakRssMb[oxyLabel()]?.median
    for (const peer of [hp, fp, ng]) {
      const other = sse.peakRssMb[peer]?.median
      if (oxy !== undefined && other !== undefined)
        push(rows, 'peak RSS, 1k SSE', `oxy ÷ ${peer}`, oxy / other, false)
    }
  }
  if (upload) {
    const oxy = upload.growthMb[PROXY_LABELS.oxy]?.median
    for (const peer of [hp, fp, ng]) {
      const other = upload.growthMb[peer]?.median
      // Growth can be ~0 MB: a ratio of two near-zeros says nothing, so those are left out.
      if (oxy !== undefined && other !== undefined && other > 0.5 && oxy > 0.5)
        push(rows, 'RSS growth, 25 MB upload', `oxy ÷ ${peer}`, oxy / other, false)
    }
  }
  if (coldStart) {
    for (const row of coldStart.rows) {
      const target = coldStartLimit(row.baseline)
      push(
        rows,
        'cold start',
        `${row.name.split(' (')[0]} ÷ bare ${row.baseline}`,
        row.ratio.median,
        false,
        target,
      )
    }
  }
  return rows
}

function push(
  rows: ChartRow[],
  group: string,
  label: string,
  ratio: number | undefined,
  higherIsBetter: boolean,
  target?: number,
): void {
  if (ratio !== undefined && Number.isFinite(ratio) && ratio > 0)
    rows.push({ group, label, ratio, higherIsBetter, target })
}

const WIDTH = 760
const ROW = 26
const TOP = 56
const LEFT = 330
const PLOT = 380
/** Log scale from 1/16 to 16: ratios are multiplicative, and nginx's RSS is an order below Node's. */
const SPAN = 4

function x(ratio: number): number {
  const clamped = Math.min(Math.max(Math.log2(ratio), -SPAN), SPAN)
  return Math.round((LEFT + ((clamped + SPAN) / (2 * SPAN)) * PLOT) * 10) / 10
}

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

/** A self-contained SVG (no fonts, scripts or links to fetch). */
export function renderChart(rows: readonly ChartRow[], subtitle: string): string {
  const height = TOP + rows.length * ROW + 50
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12" role="img">`,
    '<title>oxy against http-proxy, @fastify/http-proxy and nginx: median ratios per scenario</title>',
    `<rect width="${WIDTH}" height="${height}" fill="#fff"/>`,
    `<text x="12" y="22" font-size="15" font-weight="bold">oxy against its peers (median ratio, log scale)</text>`,
    `<text x="12" y="40" fill="#555">${escapeXml(subtitle)} · green: oxy better · dashed: target</text>`,
  ]
  for (const tick of [1 / 16, 1 / 4, 1, 4, 16]) {
    const tx = x(tick)
    parts.push(
      `<line x1="${tx}" y1="${TOP - 6}" x2="${tx}" y2="${TOP + rows.length * ROW}" stroke="${tick === 1 ? '#333' : '#ddd'}"/>`,
    )
    parts.push(
      `<text x="${tx}" y="${TOP + rows.length * ROW + 16}" text-anchor="middle" fill="#555">${tick < 1 ? `1/${1 / tick}` : tick}×</text>`,
    )
  }
  let lastGroup = ''
  rows.forEach((row, i) => {
    const y = TOP + i * ROW
    const better = row.higherIsBetter ? row.ratio >= 1 : row.ratio <= 1
    const x0 = x(1)
    const x1 = x(row.ratio)
    if (row.group !== lastGroup) {
      parts.push(`<text x="12" y="${y + 16}" font-weight="bold">${escapeXml(row.group)}</text>`)
      lastGroup = row.group
    }
    const arrow = row.higherIsBetter ? '↑' : '↓'
    parts.push(
      `<text x="${LEFT - 8}" y="${y + 16}" text-anchor="end">${escapeXml(row.label)} ${arrow}</text>`,
    )
    parts.push(
      `<rect x="${Math.min(x0, x1)}" y="${y + 5}" width="${Math.max(Math.abs(x1 - x0), 1)}" height="${ROW - 10}" fill="${better ? '#3a9d5d' : '#e08a2e'}"/>`,
    )
    if (row.target !== undefined) {
      const tx = x(row.target)
      parts.push(
        `<line x1="${tx}" y1="${y + 2}" x2="${tx}" y2="${y + ROW - 2}" stroke="#c00" stroke-dasharray="3,2" stroke-width="2"/>`,
      )
    }
    const labelX = x1 >= x0 ? Math.max(x1, x0) + 4 : Math.min(x1, x0) - 4
    parts.push(
      `<text x="${labelX}" y="${y + 16}" text-anchor="${x1 >= x0 ? 'start' : 'end'}">${row.ratio.toFixed(2)}×</text>`,
    )
  })
  parts.push(
    `<text x="12" y="${height - 10}" fill="#555">↑ higher is better, ↓ lower is better. Generated by npm run bench.</text>`,
  )
  parts.push('</svg>')
  return `${parts.join('\n')}\n`
}
