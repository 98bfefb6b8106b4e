import http from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * The bench's upstream, run as its own process: as cheap per request as Node allows, so that the
 * proxies, not the upstream, are what the numbers compare. (test/fake-openai.ts records every
 * request for assertions and is far too slow for load.) Prints `{"port":N}` once listening.
 *
 *   /v1/small              a 340-byte chat completion, the size of a short real answer
 *   /v1/sse?n=200&every=50 n SSE chunks, one every `every` ms; each carries the monotonic clock
 *                          (ns, same clock in every process) at the moment it was written
 *   /v1/upload?rate=B      reads the body at B bytes/s (a remote upstream is slower than
 *                          loopback, which is what makes a proxy's buffering show), answers its size
 */

const SMALL = Buffer.from(
  JSON.stringify({
    id: 'chatcmpl-bench',
    object: 'chat.completion',
    created: 1721172741,
    model: 'gpt-4o-mini',
    choices: [
      { index: 0, message: { role: 'assistant', content: 'Hello! How can I help?' }, finish_reason: 'stop' },
    ],
    usage: { prompt_tokens: 9, completion_tokens: 7, total_tokens: 16 },
  }),
)
const SMALL_HEADERS = ['Content-Type', 'application/json', 'Content-Length', String(SMALL.length)]
const SSE_HEADERS = ['Content-Type', 'text/event-stream', 'Cache-Control', 'no-cache']

function small(req: http.IncomingMessage, res: http.ServerResponse): void {
  // A POST body is read and dropped so the connection stays reusable.
  req.resume()
  res.writeHead(200, SMALL_HEADERS)
  res.end(SMALL)
}

function sse(url: URL, res: http.ServerResponse): void {
  const n = Math.min(Number(url.searchParams.get('n') ?? 200), 10_000)
  const every = Math.max(Number(url.searchParams.get('every') ?? 50), 1)
  res.writeHead(200, SSE_HEADERS)
  res.flushHeaders()
  let sent = 0
  const timer = setInterval(() => {
    if (sent++ >= n) {
      clearInterval(timer)
      res.end('data: [DONE]\n\n')
      return
    }
    res.write(`data: {"t":${process.hrtime.bigint()}}\n\n`)
  }, every)
  res.once('close', () => clearInterval(timer))
}

function upload(req: http.IncomingMessage, url: URL, res: http.ServerResponse): void {
  const rate = Number(url.searchParams.get('rate') ?? 25 * 1024 * 1024)
  const startedAt = performance.now()
  let bytes = 0
  req.on('data', (chunk: Buffer) => {
    bytes += chunk.length
    const aheadMs = (bytes / rate) * 1000 - (performance.now() - startedAt)
    if (aheadMs > 1) {
      req.pause()
      setTimeout(() => req.resume(), aheadMs)
    }
  })
  req.on('end', () => {
    const body = JSON.stringify({ bytes })
    res.writeHead(200, ['Content-Type', 'application/json', 'Content-Length', String(body.length)])
    res.end(body)
  })
}

const server = http.createServer({ keepAliveTimeout: 120_000, noDelay: true }, (req, res) => {
  const url = new URL(req.url ?? '/', 'http://upstream')
  if (url.pathname === '/v1/sse') return sse(url, res)
  if (url.pathname === '/v1/upload') return upload(req, url, res)
  return small(req, res)
})
// 1,000 SSE streams plus the proxies' pools: well above Node's default backlog of 511.
server.maxConnections = 20_000
server.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1', backlog: 4096 }, () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`)
})
process.once('SIGTERM', () => process.exit(0))
