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
  /** The bare program of the same kind (see BASELINE_NAMES). */
  readonly baseline: BaselineKind
  launch(artifact: Artifact, port: number, upstream: string): LaunchSpec
}

export type BaselineKind = 'server' | 'bash' | 'handler' | 'deno' | 'vercel' | 'netlify'

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
    name: 'node bundle (node oxy.mjs)',
    baseline: 'server',
    // As the README and the zip's README say: no flags.
    launch: (a, port, upstream) => ({
      command: process.execPath,
      args: [path.join(a.dir, 'oxy.mjs')],
      env: serverEnv(port, upstream),
    }),
  },
  'tencent-scf.zip': {
    name: 'SCF (bash scf_bootstrap)',
    baseline: 'bash',
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
  'aws-lambda.zip': {
    name: 'Lambda (require index.js + one invoke)',
    baseline: 'handler',
    launch: (a, _port, upstream) => ({
      command: process.execPath,
      args: ['-e', lambdaInvoker(path.join(a.dir, 'index.js'))],
      env: { OXY_TARGET: upstream, OXY_LOG: 'off' },
      lambda: true,
    }),
  },
}

export const BASELINE_NAMES: Record<BaselineKind, string> = {
  server: 'bare node:http server (node server.mjs)',
  bash: 'bash script exec’ing the bare server',
  handler: 'bare Lambda handler (require + one invoke)',
  deno: 'bare handler under deno serve',
  vercel: 'bare Web handler under the Vercel host',
  netlify: 'bare edge function under the Netlify host',
}

/**
 * The fair baselines, written into the bench's work directory: the least a program of each kind
 * can do, started and timed exactly as the artifacts are. The server prints the same `listening`
 * line oxy's JSON log does and answers 200 itself; the script is the shape of scf_bootstrap with
 * nothing but the exec; the handler answers without calling anything.
 */
export const BASELINE_FILES: Record<string, string> = {
  'server.mjs': `import http from 'node:http'
const server = http.createServer((req, res) => {
  req.resume()
  res.writeHead(200, { 'Content-Type': 'application/json' })
  res.end('{"ok":true}')
})
server.listen(Number(process.env.OXY_PORT ?? process.env.FC_CUSTOM_LISTEN_PORT ?? 9000), process.env.OXY_HOST ?? '0.0.0.0', () => {
  process.stdout.write('{"level":"info","msg":"listening"}\\n')
})
process.once('SIGTERM', () => process.exit(0))
`,
  'start.sh': `#!/bin/bash
set -eu
exec "\${OXY_NODE_BIN:-node}" "$(dirname "\${BASH_SOURCE[0]}")/server.mjs"
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
}

/** The bare program of each kind, as an artifact whose directory holds BASELINE_FILES. */
export function launchBaseline(kind: BaselineKind, dir: string, port: number): LaunchSpec {
  const env = serverEnv(port, '')
  switch (kind) {
    case 'server':
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
  }
}

function serverEnv(port: number, upstream: string): Record<string, string> {
  // The default json log is kept: its `listening` line is how the bench knows when to call.
  return { OXY_HOST: '127.0.0.1', OXY_PORT: String(port), OXY_TARGET: upstream }
}

/**
 * What the Lambda runtime does on a cold start, minus the runtime itself: load the handler
 * module, then run one API Gateway HTTP API (v2) event through it.
 */
export function lambdaInvoker(file: string): string {
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
