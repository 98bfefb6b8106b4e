import type { ChildProcess } from 'node:child_process'
import { closeSync, openSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { Artifact } from './artifacts'
import type { BundleName } from './bundle'
import { type GatewayKind, gatewayEnv } from './gateway'
import type { Launcher } from './launch'
import { freePort, spawnTracked, stop, waitForPort } from './processes'

/** A running HTTP endpoint the loaders call: the upstream itself, oxy, or a peer proxy. */
export interface Endpoint {
  readonly name: string
  readonly port: number
  /** The process whose memory is measured (with its descendants). */
  readonly pid: number
  stop(): Promise<void>
}

export type PeerKind = 'http-proxy' | 'fastify-proxy' | 'nginx' | 'node-http'
export type ProxyKind = 'oxy' | 'oxy-cluster' | 'oxy-log' | GatewayKind | PeerKind

export const PROXY_LABELS: Record<ProxyKind, string> = {
  oxy: 'oxy',
  'oxy-cluster': 'oxy (OXY_WORKERS=auto)',
  'oxy-log': 'oxy, JSON log to a file',
  'oxy-gateway': 'oxy gateway',
  'oxy-limits': 'oxy limits (in memory)',
  'oxy-limits-redis': 'oxy limits (Redis)',
  'http-proxy': 'http-proxy',
  'fastify-proxy': '@fastify/http-proxy',
  nginx: 'nginx (1 worker)',
  'node-http': 'node:http proxy, least code (reference)',
}

/** The peers, in the order the tables list them. */
export const PEERS: readonly PeerKind[] = ['http-proxy', 'fastify-proxy', 'nginx']

/**
 * Scenarios 1 and 2 only: a reverse proxy on node:http with the least code one needs
 * (bench/peers/node-http-proxy-server.ts), listed after the peers. A reference, never a target:
 * its rows and its `oxy / …` ratio say how much of oxy's distance to nginx any Node proxy pays.
 * Not in the SSE scenario, whose floor is already the node:net relay measured in the same rounds
 * (a fresh process per round and per scaling level would add minutes for a second floor), nor in
 * the upload one, where `pipe` honours backpressure by construction, so its row is known before
 * it is measured.
 */
export const REFERENCE_PEERS: readonly PeerKind[] = ['node-http']

function endpoint(name: string, port: number, child: ChildProcess): Endpoint {
  if (child.pid === undefined) throw new Error(`${name} did not start`)
  return { name, port, pid: child.pid, stop: () => stop(child) }
}

/**
 * Every Node process runs as `node file.mjs` with no flags: how the READMEs of oxy's node bundle,
 * http-proxy and fastify start them (the node:http reference too). `stdout` names a file for the process's stdout (oxy's JSON
 * log in gateway mode); otherwise it is dropped.
 */
async function startNode(
  name: string,
  file: string,
  env: Record<string, string>,
  port: number,
  stdout?: string,
): Promise<Endpoint> {
  const fd = stdout ? openSync(stdout, 'a') : undefined
  const child = spawnTracked(process.execPath, [file], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    stdio: ['ignore', fd ?? 'ignore', 'inherit'],
  })
  // The child has its own copy of the descriptor.
  if (fd !== undefined) closeSync(fd)
  await waitForPort(port)
  return endpoint(name, port, child)
}

/** SSE only: a bare TCP relay, the floor under any Node proxy's added delay (bench/peers/tcp-relay-server.ts). */
export const TCP_RELAY_LABEL = 'node:net relay (floor, not a proxy)'

export async function startTcpRelay(
  bundles: Record<BundleName, string>,
  upstreamPort: number,
): Promise<Endpoint> {
  const port = await freePort()
  const env = { PORT: String(port), TARGET: `http://127.0.0.1:${upstreamPort}` }
  return startNode(TCP_RELAY_LABEL, bundles.tcpRelay, env, port)
}

export async function startUpstream(bundles: Record<BundleName, string>): Promise<Endpoint> {
  const port = await freePort()
  return startNode('upstream', bundles.upstream, { PORT: String(port) }, port)
}

export async function startProxy(
  kind: ProxyKind,
  bundles: Record<BundleName, string>,
  upstreamPort: number,
  workDir: string,
  extraEnv: Record<string, string> = {},
): Promise<Endpoint> {
  const port = await freePort()
  const target = `http://127.0.0.1:${upstreamPort}`
  switch (kind) {
    case 'oxy':
    case 'oxy-cluster': {
      // Access logs off: the peers log nothing either, and a log line per request is a cost
      // the operator chooses, not the proxy's.
      const env: Record<string, string> = {
        OXY_HOST: '127.0.0.1',
        OXY_PORT: String(port),
        OXY_TARGET: target,
        OXY_LOG: 'off',
      }
      if (kind === 'oxy-cluster') env.OXY_WORKERS = 'auto'
      return startNode(PROXY_LABELS[kind], bundles.oxy, env, port)
    }
    case 'oxy-log': {
      // Plain pass-through with the default log, written where gateway mode writes it: what the
      // gateway costs beyond the log line both write.
      const env = { OXY_HOST: '127.0.0.1', OXY_PORT: String(port), OXY_TARGET: target, OXY_LOG: 'json' }
      return startNode(PROXY_LABELS[kind], bundles.oxy, env, port, path.join(workDir, `${kind}-${port}.log`))
    }
    case 'oxy-gateway':
    case 'oxy-limits':
    case 'oxy-limits-redis': {
      // Gateway mode as an owner runs it: named keys, a pool of upstream keys, a JSON line per
      // request appended to a file (stdout redirected, as `node oxy.cjs >> oxy.log` does).
      const env = {
        OXY_HOST: '127.0.0.1',
        OXY_PORT: String(port),
        OXY_TARGET: target,
        ...gatewayEnv(kind),
        ...extraEnv,
      }
      const log = path.join(workDir, `${kind}-${port}.log`)
      return startNode(PROXY_LABELS[kind], bundles.oxy, env, port, log)
    }
    case 'http-proxy':
      return startNode(PROXY_LABELS[kind], bundles.httpProxy, { PORT: String(port), TARGET: target }, port)
    case 'fastify-proxy':
      return startNode(PROXY_LABELS[kind], bundles.fastifyProxy, { PORT: String(port), TARGET: target }, port)
    case 'node-http':
      return startNode(
        PROXY_LABELS[kind],
        bundles.nodeHttpProxy,
        { PORT: String(port), TARGET: target },
        port,
      )
    case 'nginx':
      return startNginx(port, upstreamPort, workDir)
  }
}

/**
 * nginx as a reverse proxy the way its docs set one up for streaming APIs: upstream keep-alive
 * (HTTP/1.1, Connection cleared), no response buffering (SSE), no request buffering (uploads
 * stream instead of spooling to disk). One worker: the single-process comparison.
 */
async function startNginx(port: number, upstreamPort: number, workDir: string): Promise<Endpoint> {
  const dir = path.join(workDir, `nginx-${port}`)
  await mkdir(dir, { recursive: true, mode: 0o777 })
  const conf = `
${process.getuid?.() === 0 ? 'user root;' : ''}
worker_processes 1;
worker_rlimit_nofile 20000;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 16384; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream backend { server 127.0.0.1:${upstreamPort}; keepalive 128; }
  server {
    listen 127.0.0.1:${port} backlog=4096;
    client_max_body_size 0;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
      proxy_request_buffering off;
      proxy_read_timeout 600s;
    }
  }
}
`
  const file = path.join(dir, 'nginx.conf')
  await writeFile(file, conf)
  const child = spawnTracked(
    'nginx',
    ['-p', dir, '-c', file, '-e', `${dir}/error.log`, '-g', 'daemon off;'],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  )
  await waitForPort(port)
  return endpoint(PROXY_LABELS.nginx, port, child)
}

/**
 * An oxy artifact started the way its platform starts it (`node oxy.cjs`, scf_bootstrap, FC's
 * main), logging off like the peers. The pid measured is the script's: it execs node.
 */
export async function startArtifact(
  launcher: Launcher,
  artifact: Artifact,
  upstreamPort: number,
): Promise<Endpoint> {
  const port = await freePort()
  const spec = launcher.launch(artifact, port, `http://127.0.0.1:${upstreamPort}`)
  const child = spawnTracked(spec.command, spec.args, {
    cwd: artifact.dir,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...spec.env, OXY_LOG: 'off' },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  await waitForPort(port)
  return endpoint(`oxy: ${launcher.name}`, port, child)
}
