import path from 'node:path'
import { REWRITE_PARAM } from '../adapters/vercel/restore-client-url'
import { denoBinary } from '../test/deno-binary'
import type { Artifact } from './artifacts'

/** A command that starts one artifact (or its bare baseline), the way a platform would. */
export interface LaunchSpec {
  readonly command: string
  readonly args: string[]
  readonly env: Record<string, string>
  /** Handlers: the process loads the module, runs one event and prints `STATUS <code>`. */
  readonly lambda?: boolean
  /** Ready to call once a line on stdout or stderr says so; oxy's `listening` line by default. */
  readonly ready?: (line: string) => boolean
}

/** How the platform starts it, and the bare program started the same way that it is measured against. */
export interface Launcher {
  readonly name: string
  /** The bare program of the same kind (see BASELINE_NAMES): what issue 17's targets divide by. */
  readonly baseline: BaselineKind
  /**
   * The same bare program made a proxy of its one request (see PROXY_BASELINE_NAMES): reported
   * beside the baseline, never judged.
   */
  readonly proxyBaseline?: ProxyBaselineKind
  launch(artifact: Artifact, port: number, upstream: string): LaunchSpec
}

export type BaselineKind = 'server' | 'server-esm' | 'bash' | 'handler' | 'deno' | 'vercel' | 'netlify'
/** The bare server, the bash script and the handler, each calling the upstream for its answer. */
export type ProxyBaselineKind = 'server-proxy' | 'bash-proxy' | 'handler-proxy'

/** What `deno serve` and the platform hosts in test/ print once they listen. */
const SAYS_LISTENING = (line: string) => line.includes('Listening on')
const TEST_DIR = path.resolve(import.meta.dirname, '../test')
const DENO_QUIET = { DENO_NO_UPDATE_CHECK: '1', DENO_NO_PROMPT: '1', NO_COLOR: '1' }
const denoEnv = () => ({ ...DENO_QUIET, HOME: process.env.HOME ?? '/tmp' })
const denoServe = (file: string, port: number) => [
  'serve',
  '--allow-net',
  '--allow-env',
  '--host',
  '127.0.0.1',
  '--port',
  String(port),
  file,
]
const vercelHost = (file: string, port: number) => [
  path.join(TEST_DIR, 'vercel-host-child.mjs'),
  file,
  REWRITE_PARAM,
  String(port),
]
const netlifyHost = (file: string, port: number) => [
  'run',
  '--allow-net',
  '--allow-env',
  '--allow-read',
  path.join(TEST_DIR, 'netlify-edge-host.mjs'),
  file,
  String(port),
]

/** Where the zip's platform starts it; zips without an entry (Workers) are only weighed. */
export const LAUNCHERS: Record<string, Launcher> = {
  'node-server.zip': {
    name: 'node bundle (node oxy.cjs)',
    baseline: 'server',
    proxyBaseline: 'server-proxy',
    // As the README and the zip's README say: no flags. Without a build, the bench's own bundle
    // (an ES module, bench/artifacts.ts) stands in.
    launch: (a, port, upstream) => ({
      command: process.execPath,
      args: [path.join(a.dir, a.bundle?.name ?? 'oxy.cjs')],
      env: serverEnv(port, upstream),
    }),
  },
  'tencent-scf.zip': {
    name: 'SCF (bash scf_bootstrap)',
    baseline: 'bash',
    proxyBaseline: 'bash-proxy',
    // OXY_NODE_BIN: the scripts' test hook; on SCF they pick /var/lang/node*/bin/node.
    launch: (a, port, upstream) => ({
      command: path.join(a.dir, 'scf_bootstrap'),
      args: [],
      env: { ...serverEnv(port, upstream), OXY_NODE_BIN: process.execPath },
    }),
  },
  'aliyun-fc.zip': {
    name: 'FC (bash main)',
    baseline: 'bash',
    proxyBaseline: 'bash-proxy',
    launch: (a, port, upstream) => {
      const { OXY_PORT: _, ...env } = serverEnv(port, upstream)
      return {
        command: path.join(a.dir, 'main'),
        args: [],
        env: { ...env, FC_CUSTOM_LISTEN_PORT: String(port), OXY_NODE_BIN: process.execPath },
      }
    },
  },
  // Deno, Vercel and Netlify run here under the hosts the tests use (test/), each against a bare
  // handler under the same host: what is measured is oxy's part, not the host's.
  'deno.zip': {
    name: 'Deno (deno serve main.js)',
    baseline: 'deno',
    launch: (_a, port, upstream) => ({
      command: denoBinary(),
      args: denoServe('main.js', port),
      env: { ...denoEnv(), OXY_TARGET: upstream, OXY_LOG: 'off' },
      ready: SAYS_LISTENING,
    }),
  },
  'vercel.zip': {
    name: 'Vercel (node imports api/oxy.js, Web-handler host)',
    baseline: 'vercel',
    launch: (a, port, upstream) => ({
      command: process.execPath,
      args: vercelHost(path.join(a.dir, 'api/oxy.js'), port),
      env: { OXY_TARGET: upstream, OXY_LOG: 'off' },
      ready: SAYS_LISTENING,
    }),
  },
  'netlify.zip': {
    name: 'Netlify (edge function on deno, edge host)',
    baseline: 'netlify',
    launch: (a, port, upstream) => ({
      command: denoBinary(),
      args: netlifyHost(path.join(a.dir, 'netlify/edge-functions/oxy.js'), port),
      env: { ...denoEnv(), OXY_TARGET: upstream, OXY_LOG: 'off' },
      ready: SAYS_LISTENING,
    }),
  },
  'aws-lambda.zip': lambdaLauncher('Lambda (require index.js + one invoke)', lambdaInvoker),
}

/**
 * Further ways a zip is started, each its own row: Lambda's streaming handler beside the buffered
 * one, against the same bare handlers (the stand-in runtime costs both the same).
 */
export const MORE_LAUNCHERS: Record<string, readonly Launcher[]> = {
  'aws-lambda.zip': [
    lambdaLauncher(
      'Lambda streamHandler (require index.js + one invoke, stand-in runtime)',
      lambdaStreamInvoker,
    ),
  ],
}

/** `node -e` running `invoker`'s script on the zip's index.js, against the bare handlers. */
function lambdaLauncher(name: string, invoker: (file: string) => string): Launcher {
  return {
    name,
    baseline: 'handler',
    proxyBaseline: 'handler-proxy',
    launch: (a, _port, upstream) => ({
      command: process.execPath,
      args: ['-e', invoker(path.join(a.dir, 'index.js'))],
      env: { OXY_TARGET: upstream, OXY_LOG: 'off' },
      lambda: true,
    }),
  }
}

/** Every way a zip is started: its platform's launcher first. */
export function launchersOf(zip: string): Launcher[] {
  const main = LAUNCHERS[zip]
  return main ? [main, ...(MORE_LAUNCHERS[zip] ?? [])] : []
}

export const BASELINE_NAMES: Record<BaselineKind, string> = {
  server: 'bare node:http server (node server.cjs)',
  'server-esm': 'the bare server as an ES module (node server.mjs)',
  bash: 'bash script exec’ing the bare server',
  handler: 'bare Lambda handler (require + one invoke)',
  deno: 'bare handler under deno serve',
  vercel: 'bare Web handler under the Vercel host',
  netlify: 'bare edge function under the Netlify host',
}

export const PROXY_BASELINE_NAMES: Record<ProxyBaselineKind, string> = {
  'server-proxy': 'bare node:http proxy (node server-proxy.cjs)',
  'bash-proxy': 'bash script exec’ing the bare proxy',
  'handler-proxy': 'bare Lambda handler that calls the upstream once',
}

/** The bare program each proxying one stands in for: the same start, plus the upstream call. */
export const PROXY_BASELINE_OF: Record<ProxyBaselineKind, BaselineKind> = {
  'server-proxy': 'server',
  'bash-proxy': 'bash',
  'handler-proxy': 'handler',
}

/** The bare server after its import of node:http: one text, so its two formats differ in nothing else. */
const BARE_SERVER = `const server = http.createServer((req, res) => {
  req.resume()
  res.writeHead(200, { 'Content-Type': 'application/json' })
  res.end('{"ok":true}')
})
server.listen(Number(process.env.OXY_PORT ?? process.env.FC_CUSTOM_LISTEN_PORT ?? 9000), process.env.OXY_HOST ?? '0.0.0.0', () => {
  process.stdout.write('{"level":"info","msg":"listening"}\\n')
})
process.once('SIGTERM', () => process.exit(0))
`

/**
 * The fair baselines, written into the bench's work directory: the least a program of each kind
 * can do, started and timed exactly as the artifacts are. The server prints the same `listening`
 * line oxy's JSON log does and answers 200 itself; the script is the shape of scf_bootstrap with
 * nothing but the exec; the handler answers without calling anything.
 *
 * They are CommonJS, the least a Node program can be, and the format of what every Node
 * artifact starts (oxy.cjs, index.js): an ES module entry also sets up Node's module loader,
 * which a bare server.mjs would pay as well and so hide from the ratio of a CommonJS artifact.
 * server.mjs is measured beside server.cjs to show what that loader costs: what `node oxy.mjs`,
 * the self-hosted bundle's name until 2026-12, paid.
 *
 * Beside them, the same three made proxies of their one request (server-proxy.cjs, start-proxy.sh,
 * proxy-index.js): one http.request to OXY_TARGET, its status and body passed back. oxy's first
 * 200 includes that upstream call and the bare programs' does not; these show what the call alone
 * costs a cold Node process (loading the client half of node:http, a TCP connect, a round trip),
 * so a reader can tell the share of oxy's ratio that any proxy pays. The targets keep dividing by
 * the bare programs issue 17 named.
 */
export const BASELINE_FILES: Record<string, string> = {
  'server.cjs': `const http = require('node:http')\n${BARE_SERVER}`,
  'server.mjs': `import http from 'node:http'\n${BARE_SERVER}`,
  'start.sh': `#!/bin/bash
set -eu
exec "\${OXY_NODE_BIN:-node}" "$(dirname "\${BASH_SOURCE[0]}")/server.cjs"
`,
  'bare-web.mjs': `export default {
  fetch: () => new Response('{"ok":true}', { headers: { 'content-type': 'application/json' } }),
}
`,
  'bare-edge.mjs': `export default () => new Response('{"ok":true}', { headers: { 'content-type': 'application/json' } })
export const config = { path: '/*' }
`,
  'index.js': `exports.handler = async () => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json' },
  body: '{"ok":true}',
})
`,
  'server-proxy.cjs': `const http = require('node:http')
const target = new URL(process.env.OXY_TARGET)
const HOP_BY_HOP = ['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'te', 'trailer']
const endToEnd = (headers) => Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.includes(name)))
const server = http.createServer((req, res) => {
  const upstream = http.request(
    { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...endToEnd(req.headers), host: target.host } },
    (answer) => {
      res.writeHead(answer.statusCode, endToEnd(answer.headers))
      answer.pipe(res)
    },
  )
  upstream.on('error', () => {
    if (!res.headersSent) res.writeHead(502)
    res.end()
  })
  req.pipe(upstream)
})
server.listen(Number(process.env.OXY_PORT ?? process.env.FC_CUSTOM_LISTEN_PORT ?? 9000), process.env.OXY_HOST ?? '0.0.0.0', () => {
  process.stdout.write('{"level":"info","msg":"listening"}\\n')
})
process.once('SIGTERM', () => process.exit(0))
`,
  'start-proxy.sh': `#!/bin/bash
set -eu
exec "\${OXY_NODE_BIN:-node}" "$(dirname "\${BASH_SOURCE[0]}")/server-proxy.cjs"
`,
  'proxy-index.js': `const http = require('node:http')
exports.handler = (event) =>
  new Promise((resolve, reject) => {
    const target = new URL(process.env.OXY_TARGET)
    const query = event.rawQueryString ? '?' + event.rawQueryString : ''
    const req = http.request(
      {
        host: target.hostname,
        port: target.port,
        method: event.requestContext.http.method,
        path: event.rawPath + query,
        headers: { ...event.headers, host: target.host },
      },
      (res) => {
        const chunks = []
        res.on('data', (chunk) => chunks.push(chunk))
        res.on('error', reject)
        res.on('end', () =>
          resolve({
            statusCode: res.statusCode,
            headers: { 'content-type': res.headers['content-type'] },
            body: Buffer.concat(chunks).toString(),
          }),
        )
      },
    )
    req.on('error', reject)
    req.end(event.body)
  })
`,
}

/**
 * The bare program of each kind, as an artifact whose directory holds BASELINE_FILES. `upstream`
 * is what the proxying kinds call; the others ignore it.
 */
export function launchBaseline(
  kind: BaselineKind | ProxyBaselineKind,
  dir: string,
  port: number,
  upstream: string,
): LaunchSpec {
  const env = serverEnv(port, '')
  switch (kind) {
    case 'server':
      return { command: process.execPath, args: [path.join(dir, 'server.cjs')], env }
    case 'server-esm':
      return { command: process.execPath, args: [path.join(dir, 'server.mjs')], env }
    case 'bash':
      return {
        command: path.join(dir, 'start.sh'),
        args: [],
        env: { ...env, OXY_NODE_BIN: process.execPath },
      }
    case 'handler':
      return {
        command: process.execPath,
        args: ['-e', lambdaInvoker(path.join(dir, 'index.js'))],
        env: {},
        lambda: true,
      }
    case 'deno':
      return {
        command: denoBinary(),
        args: denoServe('bare-web.mjs', port),
        env: denoEnv(),
        ready: SAYS_LISTENING,
      }
    case 'vercel':
      return {
        command: process.execPath,
        args: vercelHost(path.join(dir, 'bare-web.mjs'), port),
        env: {},
        ready: SAYS_LISTENING,
      }
    case 'netlify':
      return {
        command: denoBinary(),
        args: netlifyHost(path.join(dir, 'bare-edge.mjs'), port),
        env: denoEnv(),
        ready: SAYS_LISTENING,
      }
    // Started exactly as the three above (same command, same env), plus OXY_TARGET.
    case 'server-proxy':
      return {
        command: process.execPath,
        args: [path.join(dir, 'server-proxy.cjs')],
        env: serverEnv(port, upstream),
      }
    case 'bash-proxy':
      return {
        command: path.join(dir, 'start-proxy.sh'),
        args: [],
        env: { ...serverEnv(port, upstream), OXY_NODE_BIN: process.execPath },
      }
    case 'handler-proxy':
      return {
        command: process.execPath,
        args: ['-e', lambdaInvoker(path.join(dir, 'proxy-index.js'))],
        env: { OXY_TARGET: upstream },
        lambda: true,
      }
  }
}

function serverEnv(port: number, upstream: string): Record<string, string> {
  // The default json log is kept: its `listening` line is how the bench knows when to call.
  return { OXY_HOST: '127.0.0.1', OXY_PORT: String(port), OXY_TARGET: upstream }
}

/** A function URL / HTTP API (payload 2.0) GET of the upstream's small JSON answer. */
const BENCH_EVENT = {
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

/**
 * What the Lambda runtime does on a cold start, minus the runtime itself: load the handler
 * module, then run one API Gateway HTTP API (v2) event through it.
 */
export function lambdaInvoker(file: string): string {
  return `const { handler } = require(${JSON.stringify(file)});
handler(${JSON.stringify(BENCH_EVENT)}, { awsRequestId: 'bench', functionName: 'oxy', getRemainingTimeInMillis: () => 30000 })
  .then((r) => { process.stdout.write('STATUS ' + r.statusCode + '\\n'); process.exit(0) },
        (e) => { console.error(e); process.exit(1) })`
}

/**
 * The same for index.streamHandler, under a stand-in for the runtime's \`awslambda\` global (the
 * runtime defines it before loading the module): HttpResponseStream.from keeps the prelude, and
 * the response stream is a Writable that drops what it is given.
 */
export function lambdaStreamInvoker(file: string): string {
  return `const { Writable } = require('node:stream');
globalThis.awslambda = { streamifyResponse: (h) => h, HttpResponseStream: { from: (s, prelude) => { s.prelude = prelude; return s } } };
const { streamHandler } = require(${JSON.stringify(file)});
const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
streamHandler(${JSON.stringify(BENCH_EVENT)}, sink)
  .then(() => { process.stdout.write('STATUS ' + sink.prelude.statusCode + '\\n'); process.exit(0) },
        (e) => { console.error(e); process.exit(1) })`
}
