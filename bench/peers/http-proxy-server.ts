import http from 'node:http'
import type { AddressInfo } from 'node:net'
import httpProxy from 'http-proxy'

/**
 * The classic Node proxy, set up the way its README and most deployments do, plus a keep-alive
 * agent: without one it opens a TCP connection per request and would lose for a reason nobody
 * running it in production keeps. Prints `{"port":N}` once listening.
 */
const target = process.env.TARGET
if (!target) throw new Error('TARGET is required')

const proxy = httpProxy.createProxyServer({
  target,
  changeOrigin: true,
  agent: new http.Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY }),
})
proxy.on('error', (_error, _req, res) => {
  if ('writeHead' in res && !res.headersSent) res.writeHead(502)
  res.end()
})

const server = http.createServer({ keepAliveTimeout: 120_000 }, (req, res) => proxy.web(req, res))
server.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1', backlog: 4096 }, () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`)
})
process.once('SIGTERM', () => process.exit(0))
