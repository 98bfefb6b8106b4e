import type { ChildProcess } from 'node:child_process'
import { stat } from 'node:fs/promises'
import http from 'node:http'
import path from 'node:path'
import { REWRITE_PARAM } from '../../adapters/vercel/restore-client-url'
import { denoBinary } from '../../test/deno-binary'
import type { Artifact } from '../artifacts'
import { findArtifacts } from '../artifacts'
import type { BenchContext } from '../context'
import { freePort, spawnTracked, stop } from '../processes'
import { rotate } from '../settings'
import type { Spread } from '../stats'
import { ratioSpread, record, spread } from '../stats'

export interface ColdStartRow {
  readonly name: string
  /** Spawn to first proxied 200, ms. */
  readonly ms: Spread
  /** Over bare `node -e 0` measured in the same round. */
  readonly ratio: Spread
  /** False where bare node is no fair baseline (see BOOTS). */
  readonly nodeTarget: boolean
}

export interface SizeRow {
  readonly zip: string
  readonly zipBytes: number
  readonly bundle: string | undefined
  readonly bundleBytes: number | undefined
}

export interface ColdStartResult {
  readonly bareNodeMs: Spread
  readonly rows: ColdStartRow[]
  readonly sizes: SizeRow[]
  /** Where the artifacts came from: a fresh `npm run build`, or the bench's own node bundle. */
  readonly source: string
}

const BOOT_TIMEOUT_MS = 15_000

/** How a platform starts its artifact; zips without one (Workers) are only weighed. */
type Boot = (
  artifact: Artifact,
  port: number,
  upstream: string,
) => {
  command: string
  args: string[]
  env: Record<string, string>
  lambda?: boolean
  /** Ready to call once a line on stdout or stderr says so; oxy's `listening` line by default. */
  ready?: (line: string) => boolean
}

/** What `deno serve` and the platform hosts in test/ print once they listen. */
const SAYS_LISTENING = (line: string) => line.includes('Listening on')
const TEST_DIR = path.resolve(import.meta.dirname, '../../test')
const DENO_QUIET = { DENO_NO_UPDATE_CHECK: '1', DENO_NO_PROMPT: '1', NO_COLOR: '1' }

/**
 * `nodeTarget: false`: not held to the "1.25x bare node" target. Deno is another runtime, and the
 * Vercel row includes the stand-in host's Request/Response conversion and Node's fetch, which
 * Node loads on first use and Vercel's own runtime loads for any Web handler.
 */
const BOOTS: Record<string, { name: string; boot: Boot; nodeTarget?: false }> = {
  'node-server.zip': {
    name: 'node bundle (node oxy.mjs)',
    boot: (a, port, upstream) => ({
      command: process.execPath,
      args: [path.join(a.dir, 'oxy.mjs')],
      env: serverEnv(port, upstream),
    }),
  },
  'tencent-scf.zip': {
    name: 'SCF (bash scf_bootstrap)',
    // OXY_NODE_BIN: the scripts' test hook; on SCF they pick /var/lang/node*/bin/node.
    boot: (a, port, upstream) => ({
      command: path.join(a.dir, 'scf_bootstrap'),
      args: [],
      env: { ...serverEnv(port, upstream), OXY_NODE_BIN: process.execPath },
    }),
  },
  'aliyun-fc.zip': {
    name: 'FC (bash main)',
    boot: (a, port, upstream) => {
      const { OXY_PORT: _, ...env } = serverEnv(port, upstream)
      return {
        command: path.join(a.dir, 'main'),
        args: [],
        env: { ...env, FC_CUSTOM_LISTEN_PORT: String(port), OXY_NODE_BIN: process.execPath },
      }
    },
  },
  'aws-lambda.zip': {
    name: 'Lambda (require index.js + one invoke)',
    boot: (a, _port, upstream) => ({
      command: process.execPath,
      args: ['-e', lambdaInvoker(path.join(a.dir, 'index.js'))],
      env: { OXY_TARGET: upstream, OXY_LOG: 'off' },
      lambda: true,
    }),
  },
  'deno.zip': {
    name: 'Deno (deno serve main.js)',
    nodeTarget: false,
    boot: (_a, port, upstream) => ({
      command: denoBinary(),
      args: ['serve', '--allow-net', '--allow-env', '--host', '127.0.0.1', '--port', String(port), 'main.js'],
      env: { ...DENO_QUIET, HOME: process.env.HOME ?? '/tmp', OXY_TARGET: upstream, OXY_LOG: 'off' },
      ready: SAYS_LISTENING,
    }),
  },
  'vercel.zip': {
    name: 'Vercel (node imports api/oxy.js, Web-handler host)',
    nodeTarget: false,
    boot: (a, port, upstream) => ({
      command: process.execPath,
      args: [
        path.join(TEST_DIR, 'vercel-host-child.mjs'),
        path.join(a.dir, 'api/oxy.js'),
        REWRITE_PARAM,
        String(port),
      ],
      env: { OXY_TARGET: upstream, OXY_LOG: 'off' },
      ready: SAYS_LISTENING,
    }),
  },
  'netlify.zip': {
    name: 'Netlify (edge function on deno, edge host)',
    nodeTarget: false,
    boot: (a, port, upstream) => ({
      command: denoBinary(),
      args: [
        'run',
        '--allow-net',
        '--allow-env',
        '--allow-read',
        path.join(TEST_DIR, 'netlify-edge-host.mjs'),
        path.join(a.dir, 'netlify/edge-functions/oxy.js'),
        String(port),
      ],
      env: { ...DENO_QUIET, HOME: process.env.HOME ?? '/tmp', OXY_TARGET: upstream, OXY_LOG: 'off' },
      ready: SAYS_LISTENING,
    }),
  },
}

function serverEnv(port: number, upstream: string): Record<string, string> {
  // The default json log is kept: its `listening` line is how the bench knows when to call.
  return { OXY_HOST: '127.0.0.1', OXY_PORT: String(port), OXY_TARGET: upstream }
}

/**
 * What the Lambda runtime does on a cold start, minus the runtime itself: load the handler
 * module, then run one API Gateway HTTP API (v2) event through it.
 */
function lambdaInvoker(file: string): string {
  const event = {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/v1/small',
    rawQueryString: '',
    headers: { host: 'bench.lambda-url.local', accept: 'application/json' },
    requestContext: {
      http: {
        method: 'GET',
        path: '/v1/small',
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'bench',
      },
      stage: '$default',
    },
    isBase64Encoded: false,
  }
  return `const { handler } = require(${JSON.stringify(file)});
handler(${JSON.stringify(event)}, { awsRequestId: 'bench', functionName: 'oxy', getRemainingTimeInMillis: () => 30000 })
  .then((r) => { process.stdout.write('STATUS ' + r.statusCode + '\\n'); process.exit(0) },
        (e) => { console.error(e); process.exit(1) })`
}

/**
 * Scenario 5: spawn to the first proxied 200, for each artifact as its platform starts it,
 * against bare `node -e 0` in the same round. Rounds rotate the order.
 */
export async function benchColdStart(ctx: BenchContext): Promise<ColdStartResult> {
  let artifacts = await findArtifacts(ctx.workDir, ctx.log)
  let source = 'npm run build (this working tree)'
  if (artifacts.length === 0) {
    // No build yet: the bench's own esbuild bundle of the self-hosted server stands in.
    source = "the bench's own esbuild bundle of adapters/node/main.ts (no build/ output found)"
    const bytes = (await stat(ctx.bundles.oxy)).size
    artifacts = [
      {
        zip: 'node-server.zip',
        dir: path.dirname(ctx.bundles.oxy),
        zipBytes: 0,
        bundle: { name: path.basename(ctx.bundles.oxy), bytes },
      },
    ]
  }
  const upstream = `http://127.0.0.1:${ctx.upstream.port}`
  const bootable = artifacts.filter((artifact) => BOOTS[artifact.zip])
  const bare: number[] = []
  const times: Record<string, number[]> = {}
  // A first unmeasured spawn of each warms the OS page cache, as a platform's warm host would be.
  await timeBareNode()
  for (const artifact of bootable) await timeBoot(artifact, upstream)

  for (let round = 0; round < ctx.settings.coldStart.runs; round++) {
    for (const item of rotate<Artifact | 'bare'>(['bare', ...bootable], round)) {
      if (item === 'bare') bare.push(await timeBareNode())
      else record(times, item.zip, await timeBoot(item, upstream))
    }
  }
  ctx.log(`  [5] bare node -e 0: median ${spread(bare).median.toFixed(1)} ms`)
  const rows = bootable.map((artifact) => {
    const series = times[artifact.zip] ?? []
    const boot = BOOTS[artifact.zip]!
    const row = {
      name: boot.name,
      ms: spread(series),
      ratio: ratioSpread(series, bare),
      nodeTarget: boot.nodeTarget ?? true,
    }
    ctx.log(
      `  [5] ${row.name}: median ${row.ms.median.toFixed(1)} ms (${row.ratio.median.toFixed(2)}x bare node)`,
    )
    return row
  })
  const sizes = artifacts.map((a) => ({
    zip: a.zip,
    zipBytes: a.zipBytes,
    bundle: a.bundle?.name,
    bundleBytes: a.bundle?.bytes,
  }))
  return { bareNodeMs: spread(bare), rows, sizes, source }
}

async function timeBareNode(): Promise<number> {
  const startedAt = performance.now()
  const child = spawnTracked(process.execPath, ['-e', '0'], { stdio: 'ignore' })
  await new Promise((resolve) => child.once('exit', resolve))
  return performance.now() - startedAt
}

/** ms from spawn to the first 200 through the artifact. */
async function timeBoot(artifact: Artifact, upstream: string): Promise<number> {
  const port = await freePort()
  const spec = BOOTS[artifact.zip]!.boot(artifact, port, upstream)
  const startedAt = performance.now()
  const child = spawnTracked(spec.command, spec.args, {
    cwd: artifact.dir,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...spec.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  try {
    if (spec.lambda) {
      const line = await waitForLine(child, (l) => l.startsWith('STATUS '))
      if (line !== 'STATUS 200') throw new Error(`${artifact.zip}: ${line}`)
    } else {
      await waitForLine(child, spec.ready ?? ((l) => l.includes('"listening"')))
      const status = await get(port)
      if (status !== 200) throw new Error(`${artifact.zip}: first request answered ${status}`)
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
