import type { ChildProcess } from 'node:child_process'
import { chmod, mkdir, writeFile } from 'node:fs/promises'
import http from 'node:http'
import path from 'node:path'
import type { Artifact } from '../artifacts'
import type { BenchContext } from '../context'
import type { BaselineKind, Launcher, LaunchSpec, ProxyBaselineKind } from '../launch'
import {
  BASELINE_FILES,
  BASELINE_NAMES,
  launchBaseline,
  launchersOf,
  PROXY_BASELINE_NAMES,
  PROXY_BASELINE_OF,
} from '../launch'
import { freePort, spawnTracked, stop } from '../processes'
import { rotate } from '../settings'
import type { Spread } from '../stats'
import { ratioSpread, record, spread } from '../stats'

export interface ColdStartRow {
  readonly name: string
  /** Spawn to first proxied 200, ms. */
  readonly ms: Spread
  /** The bare program this artifact is compared with. */
  readonly baseline: BaselineKind
  /** Over that bare program measured in the same round. */
  readonly ratio: Spread
  /** The bare program of its kind that proxies its one request instead (never judged). */
  readonly proxyBaseline?: ProxyBaselineKind
  /** Over that bare proxy measured in the same round. */
  readonly proxyRatio?: Spread
}

/** A bare program that proxies its one request, against the bare program it stands in for. */
export interface ProxyBaselineRow {
  /** Spawn to first proxied 200, ms. */
  readonly ms: Spread
  /** Over the bare program of PROXY_BASELINE_OF measured in the same round: what the call costs. */
  readonly ratio: Spread
}

export interface SizeRow {
  readonly zip: string
  readonly zipBytes: number
  readonly bundle: string | undefined
  readonly bundleBytes: number | undefined
}

export interface ColdStartResult {
  /** Spawn to first 200 of each bare program, by kind; only the kinds some artifact needs. */
  readonly baselines: Partial<Record<BaselineKind, Spread>>
  /** The same, for the bare programs that proxy their one request; only the kinds some artifact names. */
  readonly proxyBaselines: Partial<Record<ProxyBaselineKind, ProxyBaselineRow>>
  /**
   * The bare server as an ES module over the same server as CommonJS, measured in the same
   * rounds: what the module format alone costs a start (bench/launch.ts). Absent from older results.
   */
  readonly esModuleCost?: Spread
  readonly rows: ColdStartRow[]
  readonly sizes: SizeRow[]
  /** Where the artifacts came from: a fresh `npm run build`, or the bench's own node bundle. */
  readonly source: string
}

const BOOT_TIMEOUT_MS = 15_000

/** One way an artifact is started: most zips have one, Lambda's two (its two handlers). */
interface Boot {
  readonly artifact: Artifact
  readonly launcher: Launcher
}

type Candidate = { readonly baseline: BaselineKind | ProxyBaselineKind } | { readonly boot: Boot }

/**
 * Scenario 5: spawn to the first proxied 200, for each artifact as its platform starts it,
 * against the bare program of its kind started and timed the same way in the same round (a bare
 * node:http server, a bash script exec'ing it, a bare Lambda handler). Rounds rotate the order.
 * The same bare programs made proxies of their one request run in the same rotation: a second
 * ratio, reported beside the first, that says how much of it being a proxy at all costs.
 */
export async function benchColdStart(ctx: BenchContext): Promise<ColdStartResult> {
  const { artifacts, source } = ctx.artifacts
  const upstream = `http://127.0.0.1:${ctx.upstream.port}`
  const bareDir = await writeBaselines(ctx.workDir)
  const boots: Boot[] = artifacts.flatMap((artifact) =>
    launchersOf(artifact.zip).map((launcher) => ({ artifact, launcher })),
  )
  const kinds = [...new Set(boots.map(({ launcher }) => launcher.baseline))]
  // Context: the same bare server as an ES module, what the module loader costs a start.
  if (kinds.includes('server')) kinds.push('server-esm')
  const proxyKinds = [...new Set(boots.flatMap(({ launcher }) => launcher.proxyBaseline ?? []))]
  const candidates: Candidate[] = [
    ...kinds.map((baseline) => ({ baseline })),
    ...proxyKinds.map((baseline) => ({ baseline })),
    ...boots.map((boot) => ({ boot })),
  ]
  const bare: Record<string, number[]> = {}
  const times: Record<string, number[]> = {}
  const timeOne = async (item: Candidate) => {
    const port = await freePort()
    if ('baseline' in item)
      return timeBoot(launchBaseline(item.baseline, bareDir, port, upstream), bareDir, port)
    const { artifact, launcher } = item.boot
    return timeBoot(launcher.launch(artifact, port, upstream), artifact.dir, port)
  }
  // A first unmeasured start of each warms the OS page cache, as a platform's warm host would be.
  for (const item of candidates) await timeOne(item)

  for (let round = 0; round < ctx.settings.coldStart.runs; round++) {
    for (const item of rotate(candidates, round)) {
      const ms = await timeOne(item)
      if ('baseline' in item) record(bare, item.baseline, ms)
      else record(times, item.boot.launcher.name, ms)
    }
  }
  const baselines: Partial<Record<BaselineKind, Spread>> = {}
  for (const kind of kinds) {
    baselines[kind] = spread(bare[kind] ?? [])
    ctx.log(`  [5] ${BASELINE_NAMES[kind]}: median ${baselines[kind]!.median.toFixed(1)} ms`)
  }
  const proxyBaselines: Partial<Record<ProxyBaselineKind, ProxyBaselineRow>> = {}
  for (const kind of proxyKinds) {
    const of = PROXY_BASELINE_OF[kind]
    const row = { ms: spread(bare[kind] ?? []), ratio: ratioSpread(bare[kind] ?? [], bare[of] ?? []) }
    proxyBaselines[kind] = row
    ctx.log(
      `  [5] ${PROXY_BASELINE_NAMES[kind]}: median ${row.ms.median.toFixed(1)} ms, ${row.ratio.median.toFixed(2)}x ` +
        `(${row.ratio.min.toFixed(2)}-${row.ratio.max.toFixed(2)}) ${BASELINE_NAMES[of]}`,
    )
  }
  const rows = boots.map(({ launcher }) => {
    const series = times[launcher.name] ?? []
    const proxy = launcher.proxyBaseline
    const row: ColdStartRow = {
      name: launcher.name,
      ms: spread(series),
      baseline: launcher.baseline,
      ratio: ratioSpread(series, bare[launcher.baseline] ?? []),
      ...(proxy && { proxyBaseline: proxy, proxyRatio: ratioSpread(series, bare[proxy] ?? []) }),
    }
    ctx.log(
      `  [5] ${row.name}: median ${row.ms.median.toFixed(1)} ms, ${row.ratio.median.toFixed(2)}x ` +
        `(${row.ratio.min.toFixed(2)}-${row.ratio.max.toFixed(2)}) its bare baseline` +
        (row.proxyRatio
          ? `, ${row.proxyRatio.median.toFixed(2)}x (${row.proxyRatio.min.toFixed(2)}-${row.proxyRatio.max.toFixed(2)}) the bare proxy of its kind`
          : ''),
    )
    return row
  })
  const sizes = artifacts.map((a) => ({
    zip: a.zip,
    zipBytes: a.zipBytes,
    bundle: a.bundle?.name,
    bundleBytes: a.bundle?.bytes,
  }))
  const esModuleCost = bare['server-esm'] && ratioSpread(bare['server-esm'], bare.server ?? [])
  return { baselines, proxyBaselines, ...(esModuleCost && { esModuleCost }), rows, sizes, source }
}

async function writeBaselines(workDir: string): Promise<string> {
  const dir = path.join(workDir, 'bare')
  await mkdir(dir, { recursive: true })
  for (const [name, text] of Object.entries(BASELINE_FILES)) {
    const file = path.join(dir, name)
    await writeFile(file, text)
    if (name.endsWith('.sh')) await chmod(file, 0o755)
  }
  return dir
}

/** ms from spawn to the first 200: a GET after the `listening` line, or the handler's one invoke. */
async function timeBoot(spec: LaunchSpec, cwd: string, port: number): Promise<number> {
  const startedAt = performance.now()
  const child = spawnTracked(spec.command, spec.args, {
    cwd,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...spec.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  try {
    if (spec.lambda) {
      const line = await waitForLine(child, (l) => l.startsWith('STATUS '))
      if (line !== 'STATUS 200') throw new Error(`${spec.command}: ${line}`)
    } else {
      await waitForLine(child, spec.ready ?? ((l) => l.includes('"listening"')))
      const status = await get(port)
      if (status !== 200) throw new Error(`${spec.command}: first request answered ${status}`)
    }
    return performance.now() - startedAt
  } finally {
    await stop(child)
  }
}

function waitForLine(child: ChildProcess, match: (line: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = ''
    let stderr = ''
    const timer = setTimeout(() => done(new Error(`no start within ${BOOT_TIMEOUT_MS} ms`)), BOOT_TIMEOUT_MS)
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString()
      const line = buffered.split('\n').find(match)
      if (line !== undefined) done(undefined, line)
    }
    const onExit = (code: number | null) =>
      done(new Error(`exited with ${code} before answering: ${stderr.trim()}`))
    // deno serve says it listens on stderr.
    const onStderr = (chunk: Buffer) => {
      stderr += chunk.toString()
      const line = stderr.split('\n').find(match)
      if (line !== undefined) done(undefined, line)
    }
    function done(error: Error | undefined, line?: string) {
      clearTimeout(timer)
      child.stdout!.off('data', onData)
      child.stderr!.off('data', onStderr)
      child.off('exit', onExit)
      if (error) reject(error)
      else resolve(line!)
    }
    child.stderr!.on('data', onStderr)
    child.stdout!.on('data', onData)
    child.once('exit', onExit)
  })
}

function get(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      { host: '127.0.0.1', port, path: '/v1/small', agent: false, timeout: BOOT_TIMEOUT_MS },
      (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode ?? 0))
      },
    )
    req.on('timeout', () => req.destroy(new Error('first request timed out')))
    req.on('error', reject)
  })
}
