import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import net from 'node:net'

export interface Canary {
  /** `127.0.0.1:port`, for hostile requests to name. */
  readonly host: string
  /** The first bytes of every connection that reached it: must stay empty. */
  readonly hits: string[]
  close(): Promise<void>
}

/**
 * A TCP server that no request may ever reach. It counts connections, not HTTP requests, so a
 * forged request that is not even valid HTTP still shows.
 */
export async function startCanary(): Promise<Canary> {
  const hits: string[] = []
  const sockets = new Set<net.Socket>()
  const server = net.createServer((socket) => {
    sockets.add(socket)
    hits.push('(connected)')
    socket.once('data', (data) => {
      hits[hits.length - 1] = data.toString('latin1').slice(0, 200)
    })
    socket.on('error', () => {})
    socket.once('close', () => sockets.delete(socket))
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    host: `127.0.0.1:${port}`,
    hits,
    async close() {
      for (const socket of sockets) socket.destroy()
      server.close()
      await once(server, 'close')
    },
  }
}
