import http from 'node:http'
import https from 'node:https'
import type { Duplex } from 'node:stream'
import tls from 'node:tls'
import type { OutboundProxy, Upstream } from '../../policy'
import { proxyFor } from '../../policy'

/**
 * Idle upstream sockets are kept this long. Long enough to carry a warm function's next
 * invocation over the same TLS session (a new handshake to OpenAI costs a few round trips),
 * short enough to close before the usual 60 s idle cut-off of load balancers in front of APIs.
 */
export const FREE_SOCKET_TIMEOUT_MS = 30_000

const AGENT_OPTIONS = {
  keepAlive: true,
  timeout: FREE_SOCKET_TIMEOUT_MS,
  // Most recently used first, so that idle sockets expire instead of all staying half-warm.
  scheduling: 'lifo',
  // Nagle would hold back small SSE-sized writes of a request body waiting for an ACK.
  noDelay: true,
} as const

/** How to reach one upstream: direct, or through HTTP_PROXY / HTTPS_PROXY. */
export interface UpstreamRoute {
  readonly transport: typeof http | typeof https
  readonly agent: http.Agent
  /** Where the TCP connection goes (the upstream, or an http forward proxy). */
  readonly hostname: string
  readonly port: number
  /** TLS server name; the upstream's even when tunnelling. */
  readonly servername: string | undefined
  /** The request-target to send: origin-form, or absolute-form to a forward proxy. */
  readonly requestTarget: (upstreamPath: string) => string
  /** Extra headers the forward proxy needs (Proxy-Authorization). */
  readonly extraHeaders: readonly string[]
}

/** Where a request to this route connects and what it asks for: the part every request shares. */
export function connectTo(route: UpstreamRoute, upstreamPath: string) {
  return {
    hostname: route.hostname,
    port: route.port,
    servername: route.servername,
    path: route.requestTarget(upstreamPath),
  }
}

export interface UpstreamRoutes {
  routeFor(upstream: Upstream): UpstreamRoute
  destroy(): void
}

export function createUpstreamRoutes(outbound: OutboundProxy): UpstreamRoutes {
  const routes = new Map<string, UpstreamRoute>()
  return {
    routeFor(upstream) {
      let route = routes.get(upstream.origin)
      if (!route) {
        route = createRoute(upstream, proxyFor(upstream, outbound))
        routes.set(upstream.origin, route)
      }
      return route
    },
    destroy() {
      for (const route of routes.values()) route.agent.destroy()
      routes.clear()
    },
  }
}

function createRoute(upstream: Upstream, proxyUrl: string | undefined): UpstreamRoute {
  const servername =
    upstream.protocol === 'https:' && !isIpLiteral(upstream.hostname) ? upstream.hostname : undefined
  if (proxyUrl === undefined) {
    const https_ = upstream.protocol === 'https:'
    return {
      transport: https_ ? https : http,
      agent: https_ ? new https.Agent(AGENT_OPTIONS) : new http.Agent(AGENT_OPTIONS),
      hostname: upstream.hostname,
      port: upstream.port,
      servername,
      requestTarget: (path) => path,
      extraHeaders: [],
    }
  }
  const proxy = new URL(proxyUrl)
  const proxyAuthorization = basicAuth(proxy)
  if (upstream.protocol === 'http:') {
    // Plain HTTP through a forward proxy: absolute-form request-target to the proxy itself.
    const toHttpsProxy = proxy.protocol === 'https:'
    return {
      transport: toHttpsProxy ? https : http,
      agent: toHttpsProxy ? new https.Agent(AGENT_OPTIONS) : new http.Agent(AGENT_OPTIONS),
      hostname: proxy.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: proxyPort(proxy),
      servername: undefined,
      requestTarget: (path) => upstream.origin + path,
      extraHeaders: proxyAuthorization ? ['Proxy-Authorization', proxyAuthorization] : [],
    }
  }
  return {
    transport: https,
    agent: new TunnelAgent(proxy, proxyAuthorization),
    hostname: upstream.hostname,
    port: upstream.port,
    servername,
    requestTarget: (path) => path,
    extraHeaders: [],
  }
}

/**
 * An https.Agent whose sockets are TLS sessions inside an HTTP CONNECT tunnel, the way curl
 * and Go reach an https upstream through HTTPS_PROXY. Node's Agent accepts a callback from
 * createConnection, which lets the CONNECT round trip finish before the request is written.
 */
class TunnelAgent extends https.Agent {
  readonly #proxy: URL
  readonly #authorization: string | undefined

  constructor(proxy: URL, authorization: string | undefined) {
    super(AGENT_OPTIONS)
    this.#proxy = proxy
    this.#authorization = authorization
  }

  override createConnection(
    options: tls.ConnectionOptions & { host?: string; port?: number },
    callback: (error: Error | null, socket?: Duplex) => void,
  ): undefined {
    const authority = `${formatHost(options.host ?? 'localhost')}:${options.port ?? 443}`
    const transport = this.#proxy.protocol === 'https:' ? https : http
    const connect = transport.request({
      hostname: this.#proxy.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: proxyPort(this.#proxy),
      method: 'CONNECT',
      path: authority,
      headers: {
        Host: authority,
        ...(this.#authorization ? { 'Proxy-Authorization': this.#authorization } : {}),
      },
      agent: false,
    })
    connect.once('connect', (response, socket) => {
      if (response.statusCode !== 200) {
        socket.destroy()
        callback(
          new ProxyTunnelError(`The outbound proxy refused CONNECT ${authority}: ${response.statusCode}`),
        )
        return
      }
      callback(null, tls.connect({ ...options, socket }))
    })
    connect.once('error', (error) => callback(error))
    connect.end()
    return undefined
  }
}

export class ProxyTunnelError extends Error {
  override name = 'ProxyTunnelError'
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
