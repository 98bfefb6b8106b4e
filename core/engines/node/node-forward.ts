import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Exchange, Stop } from '../../exchange'
import type { ForwardPlan } from '../../policy'
import { IDEMPOTENT_METHODS, withBodyLength } from './client-request'
import { deferHead } from './deferred-head'
import { hasBody, isChunked } from './has-body'
import { judgeBeforeRelay } from './judge-answer'
import { sendReply } from './send-reply'
import type { UpstreamHandlers } from './upstream-exchange'
import { UpstreamExchange } from './upstream-exchange'
import type { UpstreamRoutes } from './upstream-routes'
import { writeNow } from './write-now'

/** What forward() needs from the engine it runs in. */
export interface ForwardContext {
  readonly routes: UpstreamRoutes
  /** Told how many bytes passed, so the engine can give buffers back to the allocator. */
  readonly reclaim: (bytes: number) => void
}

/**
 * Pipes one request to the upstream and its response back, with backpressure both ways, and
 * reports each step to the exchange, which keeps the timers and the log.
 */
export function forward(
  context: ForwardContext,
  req: IncomingMessage,
  res: ServerResponse,
  plan: ForwardPlan,
  exchange: Exchange,
  readAlready?: Buffer,
  // The body was read only in part (until its model was known): the rest follows on req.
  restFollows = false,
): void {
  const method = req.method ?? 'GET'
  const bodyless = readAlready === undefined && !hasBody(req)
  const kept = restFollows ? undefined : readAlready
  if (kept) exchange.bodyKept(kept.byteLength, kept)
  else if (bodyless) exchange.bodyKept(0)
  const head = deferHead(res, exchange, plan.corsHeaders)
  let upstream: UpstreamExchange | undefined
  let stopped = false
  let upstreamEnded = false

  /** Ends the client's side after a failure: an error reply if no response started, else a cut. */
  function stop(ending: Stop): void {
    if (stopped || res.writableFinished) return
    stopped = true
    upstream?.abort()
    if (ending.kind === 'reply') sendReply(res, ending.reply, true)
    // Never end a started body cleanly: a truncated stream must not look complete.
    else if (ending.kind === 'cut') res.destroy()
  }

  const relay: UpstreamHandlers = {
    onResponse(received) {
      head.received(received)
      exchange.waitUpstream()
    },
    onData(chunk) {
      head.write()
      exchange.bytesPassed(chunk)
      context.reclaim(chunk.length)
      if (!writeNow(res, chunk)) upstream?.pause()
    },
    onEnd() {
      upstreamEnded = true
      exchange.restUpstream()
      head.write()
      res.end()
    },
    // The gateway's next candidate (key, target) is tried here, when the exchange says so.
    onError: (error) => (exchange.judgeError(error) ? attempt() : stop(exchange.failed(error))),
    onDrain: () => req.resume(),
  }
  const handlers = judgeBeforeRelay(exchange, relay, () => {
    upstream?.abort()
    attempt()
  })

  /** One attempt at the upstream; a body kept whole (or none) is sent with it. */
  function attempt(): UpstreamExchange | undefined {
    exchange.attempt({ stop })
    const request = exchange.attemptRequest(plan)
    try {
      const route = context.routes.routeFor(request.upstream)
      upstream = new UpstreamExchange(
        route.pool,
        {
          method,
          target: route.requestTarget(request.upstreamPath),
          headers: [...withBodyLength(req, request.headers, kept, bodyless), ...route.extraHeaders],
          chunked: kept === undefined && isChunked(req),
          retryIfStale: bodyless && IDEMPOTENT_METHODS.has(method),
        },
        handlers,
      )
    } catch (error) {
      // A method, target or header value that would split the request upstream is the client's doing.
      const ending = exchange.failed(error)
      if (ending.kind === 'reply') sendReply(res, ending.reply)
      req.resume()
      return undefined
    }
    if (kept || bodyless) upstream.end(kept)
    else if (readAlready && !exchange.requestBytes(readAlready.length, readAlready))
      upstream.write(readAlready)
    return upstream
  }

  const first = attempt()
  if (!first) return
  // A slow client holds the upstream back; once it reads again, the upstream has the idle time again.
  res.on('drain', () => {
    if (upstreamEnded) return
    exchange.waitUpstream()
    upstream?.resume()
  })
  startBody(context, req, first, exchange, bodyless ? 'none' : kept ? 'sent' : restFollows ? 'rest' : 'all')

  // The client went away (before or during the response): the exchange stops the upstream so
  // the user stops paying for tokens nobody will read.
  res.once('close', () => (res.writableFinished ? exchange.ended() : exchange.clientClosed()))
}

/** What of the client's body is left to stream once the first attempt is under way. */
type BodyLeft = 'none' | 'sent' | 'rest' | 'all'

function startBody(
  context: ForwardContext,
  req: IncomingMessage,
  first: UpstreamExchange,
  exchange: Exchange,
  left: BodyLeft,
): void {
  if (left === 'none') req.resume()
  else if (left !== 'sent') {
    streamBody(context, req, first, exchange)
    // What was read to find the model left the request paused.
    if (left === 'rest') req.resume()
  }
}

/** Streams the client's body to the upstream as it arrives; the exchange enforces the size limit. */
function streamBody(
  context: ForwardContext,
  req: IncomingMessage,
  upstream: UpstreamExchange,
  exchange: Exchange,
): void {
  req.on('data', (chunk: Buffer) => {
    context.reclaim(chunk.length)
    if (exchange.requestBytes(chunk.length, chunk)) return
    if (!upstream.write(chunk)) req.pause()
  })
  req.on('end', () => upstream.end())
}
