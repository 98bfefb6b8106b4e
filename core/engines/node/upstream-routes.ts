import { createRequire } from 'node:module'
import net from 'node:net'
import type tls from 'node:tls'
import type { HeaderPair, OutboundProxy, Upstream } from '../../policy'
import { OxyError, proxyFor } from '../../policy'
import { ResponseParser } from './response-parser'
import type { Connector } from './upstream-pool'
import { UpstreamPool } from './upstream-pool'

/** TCP keep-alive probes on upstream sockets start after this much silence (node:http's Agent default). */
const TCP_KEEPALIVE_DELAY_MS = 1_000
/** Only HTTP/1.1 is spoken; saying so keeps a server that prefers h2 from choosing it. */
const ALPN_PROTOCOLS = ['http/1.1']

/**
 * node:tls, loaded on the first TLS connection instead of at start-up: loading it is ~10 % of a
 * bare server's start-up instructions (callgrind), which a plain-HTTP upstream (a local model
 * server, the benchmark) never needs. An https upstream loads it on its first connection, with
 * require, not import(): in a CommonJS bundle (Lambda, SCF, FC) import() starts Node's ES module
 * loader first, ~11 M more instructions on that first request (of ~120 M for a whole bare start).
 * Only builtins are required through it, so the base path does not matter.
 */
let connectTls: typeof tls.connect | undefined

function withTls(needed: boolean, connect: Connector): Connector {
  if (!needed) return connect
  return (callback) => {
    try {
      connectTls ??= (createRequire('/')('node:tls') as typeof tls).connect
    } catch (error) {
      callback(error as Error)
      return
    }
    connect(callback)
  }
}

/** How to reach one upstream: direct, or through HTTP_PROXY / HTTPS_PROXY. */
export interface UpstreamRoute {
  readonly pool: UpstreamPool
  /** The request-target to send: origin-form, or absolute-form to a forward proxy. */
  readonly requestTarget: (upstreamPath: string) => string
  /** Extra headers the forward proxy needs (Proxy-Authorization). */
  readonly extraHeaders: readonly HeaderPair[]
}

export interface UpstreamRoutes {
  routeFor(upstream: Upstream): UpstreamRoute
  destroy(): void
}

export class ProxyTunnelError extends Error {
  override name = 'ProxyTunnelError'
}

/** Where a socket goes, and whether TLS runs on it (with the session to resume). */
interface Endpoint {
  readonly host: string
  readonly port: number
  readonly tls: { readonly servername: string | undefined; session: Buffer | undefined } | undefined
}

export function createUpstreamRoutes(outbound: OutboundProxy, connectTimeoutMs: number): UpstreamRoutes {
  const routes = new Map<string, UpstreamRoute>()
  return {
    routeFor(upstream) {
      let route = routes.get(upstream.origin)
      if (!route) {
        route = createRoute(upstream, proxyFor(upstream, outbound), connectTimeoutMs)
        routes.set(upstream.origin, route)
      }
      return route
    },
    destroy() {
      for (const route of routes.values()) route.pool.destroy()
      routes.clear()
    },
  }
}

function createRoute(upstream: Upstream, proxyUrl: string | undefined, timeoutMs: number): UpstreamRoute {
  const target: Endpoint = {
    host: upstream.hostname,
    port: upstream.port,
    tls:
      upstream.protocol === 'https:'
        ? { servername: isIpLiteral(upstream.hostname) ? undefined : upstream.hostname, session: undefined }
        : undefined,
  }
  if (proxyUrl === undefined) {
    return {
      pool: new UpstreamPool(withTls(target.tls !== undefined, directConnector(target, timeoutMs))),
      requestTarget: (path) => path,
      extraHeaders: [],
    }
  }
  const proxyUrlParsed = new URL(proxyUrl)
  const proxy: Endpoint = {
    host: proxyUrlParsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: proxyPort(proxyUrlParsed),
    tls: proxyUrlParsed.protocol === 'https:' ? { servername: undefined, session: undefined } : undefined,
  }
  const authorization = basicAuth(proxyUrlParsed)
  if (upstream.protocol === 'http:') {
    // Plain HTTP through a forward proxy: absolute-form request-target to the proxy itself.
    return {
      pool: new UpstreamPool(withTls(proxy.tls !== undefined, directConnector(proxy, timeoutMs))),
      requestTarget: (path) => upstream.origin + path,
      extraHeaders: authorization ? [['Proxy-Authorization', authorization]] : [],
    }
  }
  return {
    pool: new UpstreamPool(withTls(true, tunnelConnector(proxy, target, authorization, timeoutMs))),
    requestTarget: (path) => path,
    extraHeaders: [],
  }
}

function directConnector(endpoint: Endpoint, timeoutMs: number): Connector {
  return (callback) => {
    const socket = openSocket(endpoint)
    const deadline = connectDeadline(timeoutMs, () => socket)
    socket.once(endpoint.tls ? 'secureConnect' : 'connect', deadline.clear)
    socket.once('close', deadline.clear)
    callback(null, socket)
  }
}

/**
 * A TLS session inside an HTTP CONNECT tunnel, the way curl and Go reach an https upstream
 * through HTTPS_PROXY. The connect timeout covers the tunnel and the handshake.
 */
function tunnelConnector(
  proxy: Endpoint,
  target: Endpoint,
  authorization: string | undefined,
  timeoutMs: number,
): Connector {
  const authority = `${formatHost(target.host)}:${target.port}`
  const request =
    `CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n` +
    (authorization ? `Proxy-Authorization: ${authorization}\r\n` : '') +
    '\r\n'
  return (callback) => {
    let current: net.Socket = openSocket(proxy)
    const raw = current
    const deadline = connectDeadline(timeoutMs, () => current)
    let status = 0
    const parser = new ResponseParser({
      onHead: (head) => {
        status = head.status
      },
      onBody: () => {},
    })
    parser.expect('CONNECT')
    let failed = false
    const fail = (error: Error) => {
      if (failed) return
      failed = true
      deadline.clear()
      raw.destroy()
      callback(error)
    }
    const onData = (chunk: Buffer) => {
      try {
        parser.execute(chunk)
      } catch (error) {
        return fail(error as Error)
      }
      if (status !== 0 && (status < 200 || status > 299))
        return fail(new ProxyTunnelError(`The outbound proxy refused CONNECT ${authority}: ${status}`))
      if (!parser.switched) return
      raw.off('data', onData)
      raw.off('error', fail)
      raw.off('end', onEnd)
      if (parser.leftover && parser.leftover.length > 0)
        return fail(new ProxyTunnelError('The outbound proxy sent bytes before the tunnel was open.'))
      const secure = openSocket(target, raw)
      // The TLS socket owns the connection now; an error under it must not go unheard.
      raw.on('error', (error) => secure.destroy(error))
      current = secure
      secure.once('secureConnect', deadline.clear)
      secure.once('close', deadline.clear)
      callback(null, secure)
    }
    const onEnd = () =>
      fail(new ProxyTunnelError(`The outbound proxy closed the connection to ${authority}.`))
    raw.on('data', onData)
    raw.on('error', fail)
    raw.on('end', onEnd)
    raw.write(request, 'latin1')
  }
}

function openSocket(endpoint: Endpoint, over?: net.Socket): net.Socket {
  const secure = endpoint.tls
  if (!secure) {
    return net.connect({
      host: endpoint.host,
      port: endpoint.port,
      noDelay: true,
      keepAlive: true,
      keepAliveInitialDelay: TCP_KEEPALIVE_DELAY_MS,
    })
  }
  const socket = connectTls!({
    ...(over ? { socket: over } : { host: endpoint.host, port: endpoint.port }),
    servername: secure.servername,
    ALPNProtocols: ALPN_PROTOCOLS,
    session: secure.session,
  })
  // Nagle would hold back small writes of a streamed request body waiting for an ACK.
  socket.setNoDelay(true)
  socket.setKeepAlive(true, TCP_KEEPALIVE_DELAY_MS)
  // The next connection resumes this session: one round trip instead of a full handshake.
  socket.on('session', (session: Buffer) => {
    secure.session = session
  })
  return socket
}

/** Destroys the socket being connected with upstream_connect_timeout unless cleared in time. */
function connectDeadline(timeoutMs: number, socket: () => net.Socket): { clear: () => void } {
  if (timeoutMs <= 0) return { clear: () => {} }
  const timer = setTimeout(
    () =>
      socket().destroy(
        new OxyError(
          'upstream_connect_timeout',
          `Connecting to the upstream took longer than ${timeoutMs} ms (OXY_CONNECT_TIMEOUT_MS).`,
        ),
      ),
    timeoutMs,
  )
  return { clear: () => clearTimeout(timer) }
}

function proxyPort(proxy: URL): number {
  if (proxy.port) return Number(proxy.port)
  return proxy.protocol === 'https:' ? 443 : 80
}

function basicAuth(url: URL): string | undefined {
  if (!url.username && !url.password) return undefined
  const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`
  return `Basic ${Buffer.from(credentials).toString('base64')}`
}

function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host
}

function isIpLiteral(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':')
}
