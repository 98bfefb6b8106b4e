import { execFileSync, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdir, mkdtemp, open, readdir, readFile, rm } from 'node:fs/promises'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { unzipTo } from '../test/unzip'
import { bundleAll } from './bundle'
import { countInRounds, requireValgrind } from './callgrind'
import { GATEWAY_TOKEN, gatewayEnv } from './gateway'
import { freePort, installCleanup, stopAll, track, waitForPort } from './processes'
import { startUpstream } from './targets'

/**
 * `npx tsx bench/count-per-request.ts [zips dir] [--runs=2] [--requests=4000]`: what one small
 * chat completion costs oxy in CPU instructions (valgrind's callgrind), in each configuration
 * target 3 of issue 17 compares, so that its ratios can be read without this machine's noise.
 *
 * node-server.zip's `oxy.cjs` (the minified bundle users run) is started under callgrind with each
 * configuration's environment, its stdout appended to a file as an owner's would be; the bench's
 * upstream answers the 340-byte chat completion. After `--requests` of warm-up (the JIT settles),
 * the counters are zeroed, the same number is sent again and the count dumped and divided. Load
 * comes from 16 keep-alive connections: at 64 the same build moved by 8 % between runs (how many
 * exchanges share a turn of the event loop follows the host's load), at 16 by well under 1 %
 * (docs/benchmarks.md#gateway-gap-2026-12-02). Instructions are user space only: system calls
 * are not counted, and every configuration makes the same ones (two reads and two writes per
 * exchange, the log batched).
 */
const ROOT = path.resolve(import.meta.dirname, '..')
const CONNECTIONS = 16
const BODY = '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Say hello"}]}'

interface Configuration {
  readonly name: string
  readonly env: Record<string, string>
}

const CONFIGURATIONS: readonly Configuration[] = [
  { name: 'plain pass-through, log off', env: { OXY_LOG: 'off' } },
  { name: 'plain pass-through, JSON log (the default)', env: { OXY_LOG: 'json' } },
  { name: 'gateway mode (named key, pool of three, log)', env: gatewayEnv('oxy-gateway') },
  { name: 'per-key limits, in memory (gateway + rules)', env: gatewayEnv('oxy-limits') },
]

async function main(): Promise<void> {
  installCleanup()
  const args = process.argv.slice(2)
  const option = (name: string, fallback: number) => {
    const value = Number(args.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback)
    if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} wants a whole number above 0`)
    return value
  }
  const runs = option('runs', 2)
  const requests = option('requests', 4_000)
  const zips = args.find((arg) => !arg.startsWith('--')) ?? path.join(ROOT, 'dist-zips')
  requireValgrind()
  const work = await mkdtemp(path.join(os.tmpdir(), 'oxy-per-request-'))
  try {
    const bundle = path.join(work, 'node-server')
    await unzipTo(path.join(zips, 'node-server.zip'), bundle)
    const upstream = await startUpstream(await bundleAll(work))
    const counts = await countInRounds(CONFIGURATIONS, runs, async (configuration, index, round) => {
      const outDir = path.join(work, `cg-${index}`)
      const file = path.join(bundle, 'oxy.cjs')
      const count = await countOne(file, configuration, upstream.port, outDir, requests)
      process.stdout.write(`  round ${round + 1}: ${configuration.name}: ${Math.round(count)}\n`)
      return count
    })
    await upstream.stop()
    const [plain, logged] = CONFIGURATIONS.map((c) => counts.median(c.name))
    process.stdout.write(
      `\ninstructions per request, median of ${runs} (${requests} warm-up, ${requests} counted, ${CONNECTIONS} connections);\n` +
        'ratios are plain ÷ configuration, the req/s a CPU-bound process would keep\n\n',
    )
    for (const { name } of CONFIGURATIONS) {
      const own = counts.median(name)
      const values = counts
        .all(name)
        .map((n) => `${(n / 1000).toFixed(1)}k`)
        .join(', ')
      process.stdout.write(
        `${name.padEnd(46)} ${(own / 1000).toFixed(1).padStart(6)}k  ${((plain ?? own) / own).toFixed(2)}x plain  ` +
          `${((logged ?? own) / own).toFixed(2)}x plain with log  (${values})\n`,
      )
    }
  } finally {
    await stopAll()
    await rm(work, { recursive: true, force: true })
  }
}

/** One configuration under callgrind: warm-up, counters zeroed, `requests` counted, dumped. */
async function countOne(
  file: string,
  configuration: Configuration,
  upstreamPort: number,
  outDir: string,
  requests: number,
): Promise<number> {
  await mkdir(outDir, { recursive: true })
  const port = await freePort()
  // stdout to a file, as `node oxy.cjs >> oxy.log` writes it: a pipe nobody drains would block.
  const log = await open(path.join(outDir, 'oxy.log'), 'a')
  const child = track(
    spawn('valgrind', ['--tool=callgrind', `--callgrind-out-file=${outDir}/cg.%p`, process.execPath, file], {
      env: {
        PATH: process.env.PATH,
        OXY_HOST: '127.0.0.1',
        OXY_PORT: String(port),
        OXY_TARGET: `http://127.0.0.1:${upstreamPort}`,
        ...configuration.env,
      },
      stdio: ['ignore', log.fd, 'ignore'],
    }),
  )
  try {
    await waitForPort(port, 120_000)
    const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS })
    await send(port, agent, requests)
    execFileSync('callgrind_control', ['--zero', String(child.pid)], { stdio: 'ignore' })
    await send(port, agent, requests)
    execFileSync('callgrind_control', ['--dump', String(child.pid)], { stdio: 'ignore' })
    agent.destroy()
  } finally {
    const exited = once(child, 'exit')
    child.kill('SIGKILL')
    await exited
    await log.close()
  }
  let total = 0
  for (const name of await readdir(outDir)) {
    if (!name.startsWith('cg.')) continue
    const summary = /^summary: (\d+)/m.exec(await readFile(path.join(outDir, name), 'utf8'))
    if (summary) total += Number(summary[1])
  }
  return total / requests
}

/** `count` chat completions over the agent's connections; every answer must be a 200. */
async function send(port: number, agent: http.Agent, count: number): Promise<void> {
  let next = 0
  const one = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/v1/small',
          agent,
          timeout: 60_000,
          headers: {
            'Content-Type': 'application/json',
            'Content-Length': String(BODY.length),
            Authorization: `Bearer ${GATEWAY_TOKEN}`,
          },
        },
        (res) => {
          res.resume()
          res.on('end', () =>
            res.statusCode === 200 ? resolve() : reject(new Error(`answered ${res.statusCode}`)),
          )
        },
      )
      req.on('error', reject)
      req.end(BODY)
    })
  const lane = async () => {
    while (next < count) {
      next++
      await one()
    }
  }
  await Promise.all(Array.from({ length: CONNECTIONS }, lane))
}

main().catch(async (error: unknown) => {
  process.stderr.write(
    `count-per-request failed: ${error instanceof Error ? error.message : String(error)}\n`,
  )
  await stopAll()
  process.exit(1)
})
