import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { loadArtifacts } from './artifacts'
import { bundleAll } from './bundle'
import type { BenchContext } from './context'
import { detectGateway } from './gateway'
import { describeMachine } from './machine'
import { installCleanup, stopAll } from './processes'
import { renderResults, writeReport } from './report'
import type { BenchResults } from './results'
import { benchColdStart } from './scenarios/cold-start'
import { benchHttpLoad } from './scenarios/http-load'
import { benchSse } from './scenarios/sse'
import { benchUpload } from './scenarios/upload'
import { FULL, QUICK } from './settings'
import type { ProxyKind } from './targets'
import { startUpstream } from './targets'
import { detectTools } from './tools'

/**
 * `npm run bench [-- --quick] [-- --only=1,3]`: oxy against its peers on this machine, in one
 * run, written to docs/benchmarks.md and docs/benchmarks.svg. Loopback only.
 */
async function main(): Promise<void> {
  installCleanup()
  const args = process.argv.slice(2)
  const settings = args.includes('--quick') ? QUICK : FULL
  const only = args
    .find((arg) => arg.startsWith('--only='))
    ?.slice('--only='.length)
    .split(',')
  const wanted = (scenario: string) => !only || only.includes(scenario)
  const log = (message: string) => process.stdout.write(`${message}\n`)

  const tools = detectTools()
  for (const note of tools.notes) log(`note: ${note}`)
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'oxy-bench-'))
  try {
    const bundles = await bundleAll(workDir)
    const upstream = await startUpstream(bundles)
    const proxies: ProxyKind[] = [
      'oxy',
      'oxy-cluster',
      'http-proxy',
      'fastify-proxy',
      'node-http',
      ...(tools.nginx ? (['nginx'] as const) : []),
    ]
    // Only the scenarios that boot artifacts pay for the build; only throughput for the probes.
    const artifacts =
      wanted('3') || wanted('5')
        ? await loadArtifacts(workDir, bundles.oxy, log)
        : { artifacts: [], source: 'not built' }
    const gateway =
      tools.wrk && wanted('1')
        ? await detectGateway(bundles, upstream.port, workDir, tools.redis)
        : { runnable: {}, skipped: {}, redis: undefined }
    for (const [kind, reason] of Object.entries(gateway.skipped)) log(`note: ${kind}: ${reason}`)
    const ctx: BenchContext = {
      settings,
      tools,
      bundles,
      artifacts,
      workDir,
      upstream,
      proxies,
      gateway,
      log,
    }
    const machine = describeMachine()
    log(`oxy bench (${settings.mode}) on ${machine.cores} x ${machine.cpuModel}, Node ${machine.node}`)
    const results: BenchResults = { machine, mode: settings.mode, notes: [...tools.notes] }

    if (tools.wrk && (wanted('1') || wanted('2'))) {
      log('scenarios 1 and 2: throughput (64 connections) and latency (1 connection)')
      const { throughput, latency } = await benchHttpLoad(ctx)
      if (wanted('1')) results.throughput = throughput
      if (wanted('2')) results.latency = latency
    }
    if (wanted('3')) {
      log(`scenario 3: ${settings.sse.streams} SSE streams for ${settings.sse.seconds} s`)
      results.sse = await benchSse(ctx)
    }
    if (wanted('4')) {
      log('scenario 4: 25 MB upload')
      results.upload = await benchUpload(ctx)
    }
    if (wanted('5')) {
      log('scenario 5: cold start of each built artifact')
      results.coldStart = await benchColdStart(ctx)
    }
    await upstream.stop()
    await gateway.redis?.stop()

    const rawFile = path.join(os.tmpdir(), `oxy-bench-${Date.now()}.json`)
    await writeFile(rawFile, `${JSON.stringify(results, null, 2)}\n`)
    log(`raw results: ${rawFile}`)
    // The report is rendered whole from one run: a partial run would wipe the other scenarios.
    if (only) {
      process.stdout.write(`\n${renderResults(results)}\n`)
      log('--only: the tables above are printed, docs/benchmarks.md and its chart left as they are')
    } else for (const file of await writeReport(results)) log(`wrote ${file}`)
  } finally {
    await stopAll()
    await rm(workDir, { recursive: true, force: true })
  }
}

main().catch(async (error: unknown) => {
  process.stderr.write(
    `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  )
  await stopAll()
  process.exit(1)
})
