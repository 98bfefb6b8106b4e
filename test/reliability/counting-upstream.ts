import http from 'node:http'
import { listenOnLoopback } from '../listen-on-loopback'

export interface CountingUpstream {
  readonly url: string
  /** Requests whose response has not finished and whose connection is still open. */
  open(): number
  /** The most requests that were open at the same moment. */
  peakOpen(): number
  /** Every request that arrived, by path. */
  readonly paths: string[]
  /** Forgets the peak and the paths (open requests stay counted). */
  reset(): void
  close(): Promise<void>
}

/**
 * An upstream that counts how many requests it holds open at once. `/hold...` never answers (a
 * slow completion nobody will read); anything else gets a small JSON after `answerAfterMs`.
 */
export async function startCountingUpstream(answerAfterMs = 20): Promise<CountingUpstream> {
  let open = 0
  let peak = 0
  const paths: string[] = []
  const server = http.createServer((req, res) => {
    open++
    peak = Math.max(peak, open)
    paths.push(req.url ?? '')
    res.once('close', () => open--)
    req.resume()
    if (req.url?.startsWith('/hold')) return
    setTimeout(() => {
      res.writeHead(200, { 'Content-Type': 'application/json' })
      res.end(JSON.stringify({ object: 'list', data: [], path: req.url }))
    }, answerAfterMs)
  })
  const listening = await listenOnLoopback(server)
  return {
    url: listening.url,
    open: () => open,
    peakOpen: () => peak,
    paths,
    reset() {
      peak = open
      paths.length = 0
    },
    close: listening.close,
  }
}
