import type http from 'node:http'
import type { Socket } from 'node:net'

export interface ConnectionTracker {
  /** Closes every connection with no request in flight, including ones that never sent one. */
  closeIdle(): void
  /** Closes every connection, upgraded WebSockets included. */
  closeAll(): void
}

/**
 * Knows which client connections are busy. Node's closeIdleConnections() leaves alone a
 * connection that has not sent its first request yet (clients and browsers open those ahead of
 * time), and closeAllConnections() leaves upgraded WebSockets; either would hold a drain open
 * until its deadline.
 */
export function trackConnections(server: http.Server): ConnectionTracker {
  const busy = new Map<Socket, number>()
  server.on('connection', (socket: Socket) => {
    busy.set(socket, 0)
    socket.once('close', () => busy.delete(socket))
  })
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const socket = req.socket
    busy.set(socket, (busy.get(socket) ?? 0) + 1)
    res.once('close', () => {
      if (busy.has(socket)) busy.set(socket, (busy.get(socket) ?? 1) - 1)
    })
  })
  // An upgraded socket stays busy until it closes.
  server.on('upgrade', (req: http.IncomingMessage) => busy.set(req.socket, Number.POSITIVE_INFINITY))
  return {
    closeIdle() {
      for (const [socket, requests] of busy) if (requests === 0) socket.destroy()
    },
    closeAll() {
      for (const socket of busy.keys()) socket.destroy()
    },
  }
}
