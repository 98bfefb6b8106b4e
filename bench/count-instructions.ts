import type { ChildProcess } from 'node:child_process'
import { execFileSync, spawn } from 'node:child_process'
import { once } from 'node:events'
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { unzipTo } from '../test/unzip'
import { countInRounds, requireValgrind } from './callgrind'
import { BASELINE_FILES, lambdaInvoker, lambdaStreamInvoker } from './launch'
import { freePort } from './processes'

/**
 * `npx tsx bench/count-instructions.ts [zips dir] [--runs=2]`: a cold start in CPU instructions
 * (valgrind's callgrind), which do not depend on what else the machine does, unlike the wall-clock
 * scenario. From spawn to the first proxied 200 (counted at that moment), for the bundles of the
 * node-server, SCF and FC zips (`node oxy.cjs`) and for the Lambda handler
 * (require + one event), each beside the bare program of its kind. The bash in front of SCF and FC is not counted (callgrind loses a
 * process's count at exec). V8 searches for a prime near a random hash seed at start-up
 * (`detail::sprp`, 4-17 M instructions, different every run): that function's cost is subtracted.
 */
const ROOT = path.resolve(import.meta.dirname, '..')
/** A server answers a GET after its `listening` line; a handler (buffered or streaming) one event. */
type Mode = 'server' | 'handler' | 'stream'

interface Candidate {
  readonly name: string
  readonly mode: Mode
  readonly file: string
}

async function main(): Promise<void> {
  const args = process.argv.slice(2)
  const runs = Number(args.find((arg) => arg.startsWith('--runs='))?.slice('--runs='.length) ?? 2)
  const zips = args.find((arg) => !arg.startsWith('--')) ?? path.join(ROOT, 'dist-zips')
  requireValgrind()
  const work = await mkdtemp(path.join(os.tmpdir(), 'oxy-instructions-'))
  const upstream = http.createServer((req, res) => {
    req.resume()
    res.writeHead(200, { 'Content-Type': 'application/json' })
    res.end('{"object":"list","data":[]}')
  })
  upstream.listen(0, '127.0.0.1')
  await once(upstream, 'listening')
  const target = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`
  try {
    const candidates = await prepare(work, zips)
    const counts = await countInRounds(candidates, runs, (candidate, index) =>
      countOne(candidate, target, path.join(work, `cg-${index}`)),
    )
    for (const candidate of candidates) {
      const bare = counts.median(
        candidate.mode === 'server' ? 'bare node:http server' : 'bare Lambda handler',
      )
      const own = counts.median(candidate.name)
      const values = counts
        .all(candidate.name)
        .map((m) => m.toFixed(1))
        .join(', ')
      process.stdout.write(
        `${candidate.name.padEnd(34)} ${own.toFixed(1).padStart(6)} M  ${(own / bare).toFixed(2)}x bare  (${values})\n`,
      )
    }
  } finally {
    upstream.close()
    await rm(work, { recursive: true, force: true })
  }
}

/** The bare programs (bench/launch.ts) and the artifacts, unzipped side by side. */
async function prepare(work: string, zips: string): Promise<Candidate[]> {
  const bare = path.join(work, 'bare')
  await mkdir(bare, { recursive: true })
  for (const [name, text] of Object.entries(BASELINE_FILES)) await writeFile(path.join(bare, name), text)
  await chmod(path.join(bare, 'start.sh'), 0o755)
  const unzip = async (zip: string) => {
    const dir = path.join(work, path.basename(zip, '.zip'))
    await unzipTo(path.join(zips, zip), dir)
    return dir
  }
  const lambda = path.join(await unzip('aws-lambda.zip'), 'index.js')
  return [
    { name: 'bare node:http server', mode: 'server', file: path.join(bare, 'server.cjs') },
    { name: 'the same as an ES module', mode: 'server', file: path.join(bare, 'server.mjs') },
    {
      name: 'node oxy.cjs (node-server.zip)',
      mode: 'server',
      file: path.join(await unzip('node-server.zip'), 'oxy.cjs'),
    },
    {
      name: 'node oxy.cjs (tencent-scf.zip)',
      mode: 'server',
      file: path.join(await unzip('tencent-scf.zip'), 'oxy.cjs'),
    },
    {
      name: 'node oxy.cjs (aliyun-fc.zip)',
      mode: 'server',
      file: path.join(await unzip('aliyun-fc.zip'), 'oxy.cjs'),
    },
    { name: 'bare Lambda handler', mode: 'handler', file: path.join(bare, 'index.js') },
    { name: 'Lambda index.js + one invoke', mode: 'handler', file: lambda },
    { name: 'Lambda streamHandler + one invoke', mode: 'stream', file: lambda },
  ]
}

/** One start under callgrind, dumped at the first 200; millions of instructions less the prime search. */
async function countOne(candidate: Candidate, target: string, outDir: string): Promise<number> {
  await mkdir(outDir, { recursive: true })
  const port = await freePort()
  const program =
    candidate.mode === 'server'
      ? [candidate.file]
      : ['-e', (candidate.mode === 'stream' ? lambdaStreamInvoker : lambdaInvoker)(candidate.file)]
  const child = spawn(
    'valgrind',
    ['--tool=callgrind', `--callgrind-out-file=${outDir}/cg.%p`, process.execPath, ...program],
    {
      env: {
        PATH: process.env.PATH,
        OXY_HOST: '127.0.0.1',
        OXY_PORT: String(port),
        OXY_TARGET: target,
        OXY_LOG: candidate.mode === 'server' ? 'json' : 'off',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  const exited = once(child, 'exit')
  const line = await firstLine(child, candidate.mode === 'server' ? '"listening"' : 'STATUS ')
  if (candidate.mode === 'server') {
    const status = await get(port)
    if (status !== 200) throw new Error(`${candidate.name}: first request answered ${status}`)
    execFileSync('callgrind_control', ['--dump', String(child.pid)], { stdio: 'ignore' })
    child.kill('SIGKILL')
  } else if (line !== 'STATUS 200') throw new Error(`${candidate.name}: ${line}`)
  await exited
  let total = 0
  for (const file of await readdir(outDir)) {
    const text = await readFile(path.join(outDir, file), 'utf8')
    const summary = /^summary: (\d+)/m.exec(text)
    if (!summary) continue
    total += Number(summary[1]) - primeSearch(path.join(outDir, file))
  }
  return total / 1e6
}

/** Inclusive cost of V8's hash-seed prime search (`detail::sprp`) in one callgrind file. */
function primeSearch(file: string): number {
  const report = execFileSync('callgrind_annotate', ['--inclusive=yes', '--threshold=100', file], {
    maxBuffer: 1 << 28,
  }).toString()
  const costs = report
    .split('\n')
    .filter((row) => row.includes('sprp'))
    .map((row) => Number(row.trim().split(/\s+/)[0]?.replace(/,/g, '')))
  return Math.max(0, ...costs.filter(Number.isFinite))
}

function firstLine(child: ChildProcess, prefix: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = ''
    const timer = setTimeout(() => reject(new Error(`no "${prefix}" within 120 s`)), 120_000)
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString()
      const line = buffered.split('\n').find((l) => l.includes(prefix))
      if (line === undefined) return
      clearTimeout(timer)
      resolve(line.trim())
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`exited with ${code} before "${prefix}"`))
    })
  })
}

function get(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/v1/models', agent: false, timeout: 60_000 }, (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode ?? 0))
      })
      .on('error', reject)
  })
}

main().catch((error: unknown) => {
  process.stderr.write(
    `count-instructions failed: ${error instanceof Error ? error.message : String(error)}\n`,
  )
  process.exit(1)
})
