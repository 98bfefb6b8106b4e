import http from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * The least a reverse proxy built on node:http does, written out by hand: http.createServer, and
 * for each request one http.request to the upstream over a keep-alive agent, forwarding method,
 * path and the end-to-end request headers (host rewritten), then the upstream's status and
 * end-to-end headers, with both bodies piped; 502 when the upstream fails. No policy, no logging,
 * no library. A reference, not a peer anyone runs: what any proxy on node:http pays on this
 * machine in the same rounds, so a reader can tell how much of oxy's distance to nginx is being a
 * Node proxy at all. Prints `{"port":N}` once listening.
 */
const target = new URL(process.env.TARGET ?? '')
if (!target.port) throw new Error('TARGET (http://host:port) is required')

/** RFC 9110 §7.6.1: meaningful for one connection only, never forwarded. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
])

/** The headers minus hop-by-hop ones and those the Connection header names. */
function endToEnd(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const named = headers.connection?.toLowerCase().split(',')
  const out: http.OutgoingHttpHeaders = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name)) continue
    if (named?.some((token) => token.trim() === name)) continue
    out[name] = value
  }
  return out
}

// Like the http-proxy peer: without keep-alive it would open a TCP connection per request and
// lose for a reason no deployment keeps. Unbounded sockets: wrk's 64 connections get 64.
const agent = new http.Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY })

const server = http.createServer({ keepAliveTimeout: 120_000 }, (req, res) => {
  const headers = endToEnd(req.headers)
  headers.host = target.host
  const upstream = http.request(
    { host: target.hostname, port: target.port, method: req.method, path: req.url, headers, agent },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, endToEnd(answer.headers))
      answer.pipe(res)
      answer.on('error', () => res.destroy())
    },
  )
  upstream.on('error', () => {
    if (res.headersSent) return void res.destroy()
    res.writeHead(502)
    res.end()
  })
  // A client gone before the answer ends frees the upstream socket instead of draining it.
  res.on('close', () => {
    if (!res.writableFinished) upstream.destroy()
  })
  req.pipe(upstream)
})
server.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1', backlog: 4096 }, () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`)
})
process.once('SIGTERM', () => process.exit(0))
