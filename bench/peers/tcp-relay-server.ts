import type { AddressInfo } from 'node:net'
import net from 'node:net'

/**
 * The least a Node process can do between an SSE client and the upstream: copy bytes from one
 * TCP socket to the other (`pipe`), with no HTTP parsing, no headers, no policy. Not a proxy
 * anyone should run: the floor under any Node proxy's added delay on the same machine and load,
 * measured in the same rounds. Prints `{"port":N}` once listening.
 */
const target = new URL(process.env.TARGET ?? '')
if (!target.port) throw new Error('TARGET (http://host:port) is required')

const server = net.createServer({ noDelay: true }, (client) => {
  const upstream = net.connect({ host: target.hostname, port: Number(target.port), noDelay: true })
  client.pipe(upstream)
  upstream.pipe(client)
  client.on('error', () => upstream.destroy())
  upstream.on('error', () => client.destroy())
  client.on('close', () => upstream.destroy())
  upstream.on('close', () => client.destroy())
})
server.maxConnections = 20_000
server.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1', backlog: 4096 }, () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`)
})
process.once('SIGTERM', () => process.exit(0))
