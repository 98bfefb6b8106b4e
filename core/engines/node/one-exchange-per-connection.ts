import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'

/**
 * Pipelined requests a connection may have waiting behind the one in flight. Real clients do
 * not pipeline (browsers and SDKs never do, curl no longer does); a deeper queue is an attack
 * that would hold memory for requests parsed but not yet served, so the connection is closed.
 */
export const MAX_PIPELINED_WAITING = 32

type Listener = (req: IncomingMessage, res: ServerResponse) => void

/**
 * Serves the requests of one connection one at a time. Node's server hands every pipelined
 * request (RFC 9112 section 9.3.2) to the listener as soon as it is parsed, though their
 * responses go out in order: 3,000 requests in one write became 3,000 upstream exchanges, and
 * the responses still queued never emit 'close' when the client leaves, so their exchanges ran
 * on to the upstream timeout. Here the next request starts only when the previous response has
 * finished, and the ones still waiting are dropped, unstarted, when the connection closes.
 *
 * Node itself keeps that order: a response is given its socket (`res.socket`, the 'socket' event)
 * only when the one before it on the connection has finished, and never if the connection closes
 * first. So the first request of a connection, nearly every request there is, starts at once with
 * nothing to track, and a pipelined one starts when its socket is assigned.
 */
export function oneExchangePerConnection(listener: Listener): Listener {
  const waiting = new WeakMap<Socket, number>()

  return (req, res) => {
    if (res.socket) {
      listener(req, res)
      return
    }
    const socket = req.socket
    const queued = (waiting.get(socket) ?? 0) + 1
    if (queued > MAX_PIPELINED_WAITING) {
      socket.destroy()
      return
    }
    waiting.set(socket, queued)
    res.once('socket', () => {
      waiting.set(socket, (waiting.get(socket) ?? 1) - 1)
      listener(req, res)
    })
  }
}
