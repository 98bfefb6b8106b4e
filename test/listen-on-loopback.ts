import { once } from 'node:events'
import type { AddressInfo, Server, Socket } from 'node:net'

/** A test server bound to loopback: its address, and a close that does not wait for idle clients. */
export interface Listening {
  readonly port: number
  /** `http://127.0.0.1:port`. */
  readonly url: string
  /** Destroys every open connection (keep-alive ones too), then closes the server. */
  close(): Promise<void>
}

/** Listens on a free loopback port, keeping the open sockets so that `close` ends at once. */
export async function listenOnLoopback(server: Server): Promise<Listening> {
  const sockets = new Set<Socket>()
  server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    async close() {
      for (const socket of sockets) socket.destroy()
      server.close()
      await once(server, 'close')
    },
  }
}
