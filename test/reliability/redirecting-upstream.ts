import http from 'node:http'
import { listenOnLoopback } from '../listen-on-loopback'

/** The redirect statuses of RFC 9110 section 15.4 that carry a Location a client would follow. */
export const REDIRECT_STATUSES = [301, 302, 303, 307, 308] as const

export interface RecordedRequest {
  readonly method: string
  readonly url: string
  readonly headers: http.IncomingHttpHeaders
  readonly body: string
}

export interface LoopbackServer {
  readonly url: string
  /** Every request that reached it. */
  readonly received: RecordedRequest[]
  close(): Promise<void>
}

async function listen(
  handle: (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void,
): Promise<LoopbackServer> {
  const received: RecordedRequest[] = []
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString()
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body })
      handle(req, res, body)
    })
  })
  const listening = await listenOnLoopback(server)
  return {
    url: listening.url,
    received,
    close: listening.close,
  }
}

/**
 * The host a redirect points to: it answers like OpenAI would (a chat completion), so that a
 * proxy that follows shows it plainly. No request may ever reach it.
 */
export function startOtherHost(): Promise<LoopbackServer> {
  return listen((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' })
    res.end(JSON.stringify({ choices: [{ message: { role: 'assistant', content: 'stolen' } }] }))
  })
}

/**
 * An upstream that answers every request, WebSocket upgrades included, with a redirect to
 * `location`; the status is the first path segment (`/307/v1/models` gets a 307), so that a
 * route's base path picks it.
 */
export function startRedirectingUpstream(location: string): Promise<LoopbackServer> {
  return listen((req, res) => {
    const status = Number(/^\/(\d{3})\//.exec(req.url ?? '')?.[1] ?? 307)
    res.writeHead(status, { Location: `${location}${req.url ?? '/'}`, 'Content-Type': 'text/plain' })
    res.end('moved')
  })
}
