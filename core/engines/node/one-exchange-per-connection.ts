import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'

/**
 * Pipelined requests a connection may have waiting behind the one in flight. Real clients do
 * not pipeline (browsers and SDKs never do, curl no longer does); a deeper queue is an attack
 * that would hold memory for requests parsed but not yet served, so the connection is closed.
 */
export const MAX_PIPELINED_WAITING = 32

type Listener = (req: IncomingMessage, res: ServerResponse) => void

interface ConnectionQueue {
  busy: boolean
  readonly waiting: [IncomingMessage, ServerResponse][]
}

/**
 * Serves the requests of one connection one at a time. Node's server hands every pipelined
 * request (RFC 9112 section 9.3.2) to the listener as soon as it is parsed, though their
 * responses go out in order: 3,000 requests in one write became 3,000 upstream exchanges, and
 * the responses still queued never emit 'close' when the client leaves, so their exchanges ran
 * on to the upstream timeout. Here the next request starts only when the previous response has
 * finished, and the ones still waiting are dropped, unstarted, when the connection closes.
 */
export function oneExchangePerConnection(listener: Listener): Listener {
  const queues = new WeakMap<Socket, ConnectionQueue>()

  function start(queue: ConnectionQueue, socket: Socket, req: IncomingMessage, res: ServerResponse): void {
    queue.busy = true
    let done = false
    const next = () => {
      if (done) return
      done = true
      queue.busy = false
      const waiting = queue.waiting.shift()
      if (!waiting) return
      if (socket.destroyed) queue.waiting.length = 0
      else start(queue, socket, ...waiting)
    }
    res.once('finish', next)
    res.once('close', next)
    listener(req, res)
  }

  return (req, res) => {
    const socket = req.socket
    let queue = queues.get(socket)
    if (!queue) {
      const created: ConnectionQueue = { busy: false, waiting: [] }
      queue = created
      queues.set(socket, created)
      // Node destroys the waiting requests but not their responses; none of them was started.
      socket.once('close', () => {
        created.waiting.length = 0
      })
    }
    if (!queue.busy) {
      start(queue, socket, req, res)
      return
    }
    if (queue.waiting.length >= MAX_PIPELINED_WAITING) {
      queue.waiting.length = 0
      socket.destroy()
      return
    }
    queue.waiting.push([req, res])
  }
}
