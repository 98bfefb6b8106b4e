import { once } from 'node:events'
import https from 'node:https'
import type { AddressInfo } from 'node:net'
import net from 'node:net'
import { generate } from 'selfsigned'

export interface FaultyUpstreams {
  /** OXY_ROUTES that send /refused, /garbage, /tls and /dns to each broken upstream. */
  readonly routes: string
  close(): Promise<void>
}

/** A closed loopback port: connecting is refused at once. */
const REFUSED = 'http://127.0.0.1:9'
/** RFC 6761: `.invalid` never resolves, so DNS fails without touching the network. */
const UNRESOLVABLE = 'http://oxy-reliability.invalid'

/**
 * Upstreams that fail in the ways real ones do, besides those the fake OpenAI plays (resets,
 * stalls, slow first bytes): a port nobody listens on, a server that answers garbage instead of
 * HTTP, a TLS server whose certificate nobody trusts, and a name that does not resolve.
 */
export async function startFaultyUpstreams(): Promise<FaultyUpstreams> {
  const sockets = new Set<net.Socket>()
  const garbage = net.createServer((socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    socket.end('SSH-2.0-OpenSSH_9.6\r\n\x00\x01garbage, not HTTP\r\n\r\n')
  })
  garbage.listen(0, '127.0.0.1')
  await once(garbage, 'listening')
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], { keySize: 2048 })
  const tls = https.createServer({ key: pems.private, cert: pems.cert }, (_req, res) => res.end('{}'))
  tls.listen(0, '127.0.0.1')
  await once(tls, 'listening')
  const port = (server: net.Server) => (server.address() as AddressInfo).port
  return {
    routes: [
      `/refused=${REFUSED}`,
      `/garbage=http://127.0.0.1:${port(garbage)}`,
      `/tls=https://127.0.0.1:${port(tls)}`,
      `/dns=${UNRESOLVABLE}`,
    ].join(','),
    async close() {
      for (const socket of sockets) socket.destroy()
      tls.closeAllConnections()
      garbage.close()
      tls.close()
      await Promise.all([once(garbage, 'close'), once(tls, 'close')])
    },
  }
}

export interface UpstreamFault {
  readonly name: string
  /** Path (and query) that provokes it, through the proxy. */
  readonly path: string
  /** What the client gets: an OpenAI-shaped error, or a 200 stream that must end abruptly. */
  readonly outcome: { status: 502 | 504; code: string } | { stream: 'cut'; code: string }
}

/** Timeouts short enough for tests; the faults that need them are measured against these. */
export const FAULT_ENV = { OXY_FIRST_BYTE_TIMEOUT_MS: '700', OXY_IDLE_TIMEOUT_MS: '400' }

export const UPSTREAM_FAULTS: readonly UpstreamFault[] = [
  {
    name: 'connection refused',
    path: '/refused/v1/models',
    outcome: { status: 502, code: 'upstream_unreachable' },
  },
  { name: 'DNS failure', path: '/dns/v1/models', outcome: { status: 502, code: 'upstream_unreachable' } },
  { name: 'TLS failure', path: '/tls/v1/models', outcome: { status: 502, code: 'upstream_tls_error' } },
  {
    name: 'malformed response',
    path: '/garbage/v1/models',
    outcome: { status: 502, code: 'upstream_bad_response' },
  },
  {
    name: 'reset before headers',
    path: '/fake/reset-before-headers',
    outcome: { status: 502, code: 'upstream_reset' },
  },
  {
    name: 'first byte too slow',
    path: '/fake/slow-first-byte?ms=5000',
    outcome: { status: 504, code: 'upstream_timeout' },
  },
  {
    name: 'reset mid-stream',
    path: '/fake/stream?chunks=20&delay=20&reset=2',
    outcome: { stream: 'cut', code: 'upstream_reset' },
  },
  {
    name: 'stall between chunks',
    path: '/fake/stream?chunks=20&delay=20&stall=2',
    outcome: { stream: 'cut', code: 'upstream_idle_timeout' },
  },
]
