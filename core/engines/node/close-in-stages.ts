import type { Socket } from 'node:net'
import { LINGER_MS } from '../../policy'
import type { ServedResponse } from './served'

const closing = new WeakSet<Socket>()

/** True once a reply that closes this connection was sent: no further request on it is served. */
export function isClosingInStages(socket: Socket | null | undefined): boolean {
  return socket != null && closing.has(socket)
}

/**
 * Closes the connection of a `Connection: close` reply in stages when the request body is still
 * arriving (RFC 9112 section 9.6). Node's server closes the socket as soon as such a reply is
 * written (destroySoon); a socket closed with bytes still coming answers them with a TCP reset,
 * and the reset can erase the reply before the client reads it: a client uploading 8 MB got
 * EPIPE and never saw its 503. So: half-close after the reply, discard what the client still
 * sends, and close when its body is in, when it closes its side, or after LINGER_MS.
 */
export function closeInStages(res: ServedResponse): void {
  const req = res.req
  const socket = res.socket
  if (!req || !socket || req.complete || typeof socket.destroySoon !== 'function') return
  closing.add(socket)
  // Node calls destroySoon once the reply is written, on a response that closes the connection.
  socket.destroySoon = () => {
    const close = () =>
      socket.writableFinished ? socket.destroy() : socket.once('finish', () => socket.destroy())
    const timer = setTimeout(() => socket.destroy(), LINGER_MS)
    timer.unref()
    socket.once('close', () => clearTimeout(timer))
    socket.once('end', close)
    req.once('end', close)
    socket.end()
    req.resume()
    // The body may have ended while the reply was being written.
    if (req.complete) close()
  }
}
