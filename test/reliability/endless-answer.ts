import http from 'node:http'
import { listenOnLoopback } from '../listen-on-loopback'

export interface EndlessAnswer {
  readonly url: string
  /** Requests still open. */
  open(): number
  /** Requests that arrived so far. */
  requests(): number
  /** Bytes written for the last `/flood` request. */
  written(): number
  close(): Promise<void>
}

const CHUNK = Buffer.alloc(64 * 1024, 'x')
/** Far more than any answer; an unbounded reader would hold all of it. */
const FLOOD_CAP_BYTES = 256 * 1024 * 1024
const TRICKLE_EVERY_MS = 50

/**
 * An upstream whose chat completion never ends: under `/flood` it writes a JSON prefix and then
 * as fast as its reader takes; under `/trickle` one byte every 50 ms. Either way the answer is
 * a 200 that never finishes, the shape of an upstream (or a man in the middle) that would make
 * a reader hold memory or a connection for ever.
 */
export async function startEndlessAnswer(): Promise<EndlessAnswer> {
  let open = 0
  let requests = 0
  let written = 0
  const server = http.createServer((req, res) => {
    open++
    requests++
    res.once('close', () => open--)
    req.resume()
    res.writeHead(200, { 'Content-Type': 'application/json' })
    res.write('{"choices":[{"message":{"content":"')
    if (req.url?.startsWith('/trickle')) {
      const timer = setInterval(() => res.write('x'), TRICKLE_EVERY_MS)
      res.once('close', () => clearInterval(timer))
      return
    }
    written = 0
    const pump = () => {
      while (written < FLOOD_CAP_BYTES && !res.destroyed) {
        written += CHUNK.length
        if (!res.write(CHUNK)) return
      }
    }
    res.on('drain', pump)
    pump()
  })
  const listening = await listenOnLoopback(server)
  return {
    url: listening.url,
    open: () => open,
    requests: () => requests,
    written: () => written,
    close: listening.close,
  }
}
