import type { Carrier, Exchange, Stop } from '../../exchange'
import type { ForwardPlan, HeaderList, HeaderPair } from '../../policy'
import { fromRawHeaders, isEventStream, toClientHeaders, toRawHeaders } from '../../policy'
import { IDEMPOTENT_METHODS, withBodyLength } from './client-request'
import { decodeBody } from './decode-body'
import { hasBody, isChunked } from './has-body'
import { judgeBeforeRelay } from './judge-answer'
import type { ResponseHead } from './response-parser'
import { sendReply } from './send-reply'
import type { ServedRequest, ServedResponse } from './served'
import type { UpstreamHandlers } from './upstream-exchange'
import { UpstreamExchange } from './upstream-exchange'
import type { UpstreamRoutes } from './upstream-routes'

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
  req: ServedRequest,
  res: ServedResponse,
  plan: ForwardPlan,
  exchange: Exchange,
  readAlready?: Buffer,
  // The body was read only in part (until its model was known): the rest follows on req.
  restFollows = false,
  // Small, and wanted again if another key or target takes the request: kept as it streams.
  keepForReplay = false,
): void {
  new Forwarding(context, req, res, plan, exchange, readAlready, restFollows, keepForReplay).start()
}

/** A response head from the upstream, held until the client's head may be written. */
interface HeldHead {
  readonly head: ResponseHead
  readonly headers: HeaderList
  readonly clientHeaders: HeaderPair[]
}

/**
 * One forwarded request. It is the upstream's handlers and the exchange's carrier at once, with
 * its steps as methods: one object per request, where a closure per step made a dozen
 * (docs/benchmarks.md, "Regression (2026-12-02)").
 */
class Forwarding implements UpstreamHandlers, Carrier {
  readonly #context: ForwardContext
  readonly #req: ServedRequest
  readonly #res: ServedResponse
  readonly #plan: ForwardPlan
  readonly #exchange: Exchange
  readonly #method: string
  readonly #readAlready: Buffer | undefined
  readonly #restFollows: boolean
  readonly #bodyless: boolean
  /**
   * The body, whole, sent with every attempt; undefined when it streams (or there is none), and
   * while a body kept as it streams is still arriving.
   */
  #kept: Buffer | undefined
  /** The body streams to the first attempt and is kept for the next (#streamAndKeep). */
  readonly #keeping: boolean
  /** Another attempt was asked for before the kept body's last byte arrived: made when it does. */
  #retryWhenWhole = false
  /** What the upstream's answers go to: this, or the gateway's judgement in front of it. */
  readonly #handlers: UpstreamHandlers
  #upstream: UpstreamExchange | undefined
  #held: HeldHead | undefined
  #stopped = false
  #upstreamEnded = false

  constructor(
    context: ForwardContext,
    req: ServedRequest,
    res: ServedResponse,
    plan: ForwardPlan,
    exchange: Exchange,
    readAlready: Buffer | undefined,
    restFollows: boolean,
    keepForReplay: boolean,
  ) {
    this.#context = context
    this.#req = req
    this.#res = res
    this.#plan = plan
    this.#exchange = exchange
    this.#method = req.method ?? 'GET'
    this.#readAlready = readAlready
    this.#restFollows = restFollows
    this.#bodyless = readAlready === undefined && !hasBody(req)
    this.#kept = restFollows ? undefined : readAlready
    this.#keeping = keepForReplay && readAlready === undefined && !this.#bodyless
    this.#handlers = exchange.judgesHeads() ? judgeBeforeRelay(exchange, this, () => this.#retry()) : this
  }

  start(): void {
    const res = this.#res
    const exchange = this.#exchange
    const kept = this.#kept
    if (kept) exchange.bodyKept(kept.byteLength, kept)
    else if (this.#bodyless) exchange.bodyKept(0)
    else if (this.#keeping) exchange.bodyKeeping()
    const first = this.#attempt()
    if (!first) return
    // A slow client holds the upstream back; once it reads again, the upstream has the idle time again.
    res.on('drain', () => {
      if (this.#upstreamEnded) return
      exchange.waitUpstream()
      this.#upstream?.resume()
    })
    this.#startBody(first)
    // The client went away (before or during the response): the exchange stops the upstream so
    // the user stops paying for tokens nobody will read.
    res.on('close', () => (res.writableFinished ? exchange.ended() : exchange.clientClosed()))
  }

  /** Ends the client's side after a failure: an error reply if no response started, else a cut. */
  stop(ending: Stop): void {
    const res = this.#res
    if (this.#stopped || res.writableFinished) return
    this.#stopped = true
    this.#upstream?.abort()
    if (ending.kind === 'reply') sendReply(res, ending.reply, true)
    // Never end a started body cleanly: a truncated stream must not look complete.
    else if (ending.kind === 'cut') res.destroy()
  }

  /**
   * The upstream's head arrived. The client's is held until the first body byte, so that a body
   * that breaks at once (a malformed first chunk) still gets a 502: until the head is written
   * the exchange has not started the response. An SSE client sees the 200 at once, not with
   * the first token.
   */
  onResponse(head: ResponseHead): void {
    const exchange = this.#exchange
    const headers = fromRawHeaders(head.rawHeaders)
    exchange.upstreamResponded()
    const clientHeaders = toClientHeaders(headers, {
      bodyDecoded: false,
      corsHeaders: this.#plan.corsHeaders,
    })
    this.#held = { head, headers, clientHeaders }
    if (isEventStream(clientHeaders)) {
      this.#writeHead()
      this.#res.flushHeaders()
    }
    exchange.waitUpstream()
  }

  onData(chunk: Buffer): void {
    this.#writeHead()
    this.#exchange.bytesPassed(chunk)
    this.#context.reclaim(chunk.length)
    if (!this.#res.write(chunk)) this.#upstream?.pause()
  }

  onEnd(): void {
    this.#upstreamEnded = true
    this.#exchange.restUpstream()
    this.#writeHead()
    this.#res.end()
  }

  /** The gateway's next candidate (key, target) is tried here, when the exchange says so. */
  onError(error: unknown): void {
    const exchange = this.#exchange
    if (exchange.judgeError(error)) this.#retry()
    else this.stop(exchange.failed(error))
  }

  onDrain(): void {
    this.#req.resume()
  }

  #writeHead(): void {
    const held = this.#held
    if (!held) return
    this.#held = undefined
    this.#exchange.headReceived(held.head.status, held.headers, decodeBody)
    this.#res.writeHead(held.head.status, held.head.statusText, toRawHeaders(held.clientHeaders))
  }

  /**
   * The next candidate (key, target), sent the body again: at once when it is whole, else once a
   * body kept as it streams has arrived.
   */
  #retry(): void {
    this.#upstream?.abort()
    if (this.#keeping && this.#kept === undefined) {
      this.#retryWhenWhole = true
      // The attempt it was flowing to is gone: nothing holds the client's body back any more.
      this.#req.resume()
      return
    }
    this.#attempt()
  }

  /** One attempt at the upstream; a body kept whole (or none) is sent with it. */
  #attempt(): UpstreamExchange | undefined {
    const exchange = this.#exchange
    const req = this.#req
    const kept = this.#kept
    const bodyless = this.#bodyless
    exchange.attempt(this)
    const request = exchange.attemptRequest(this.#plan)
    let upstream: UpstreamExchange
    try {
      const route = this.#context.routes.routeFor(request.upstream)
      upstream = new UpstreamExchange(
        route.pool,
        {
          method: this.#method,
          target: route.requestTarget(request.upstreamPath),
          headers: withExtraHeaders(withBodyLength(req, request.headers, kept, bodyless), route.extraHeaders),
          chunked: kept === undefined && isChunked(req),
          retryIfStale: bodyless && IDEMPOTENT_METHODS.has(this.#method),
        },
        this.#handlers,
      )
    } catch (error) {
      // A method, target or header value that would split the request upstream is the client's doing.
      const ending = exchange.failed(error)
      if (ending.kind === 'reply') sendReply(this.#res, ending.reply)
      req.resume()
      return undefined
    }
    this.#upstream = upstream
    const readAlready = this.#readAlready
    if (kept || bodyless) upstream.end(kept)
    else if (readAlready && !exchange.requestBytes(readAlready.length, readAlready))
      upstream.write(readAlready)
    return upstream
  }

  /** What of the client's body is left to stream once the first attempt is under way. */
  #startBody(first: UpstreamExchange): void {
    const req = this.#req
    if (this.#bodyless) req.resume()
    else if (this.#keeping) this.#streamAndKeep(first)
    else if (!this.#kept) {
      streamBody(this.#context, req, first, this.#exchange)
      // What was read to find the model left the request paused.
      if (this.#restFollows) req.resume()
    }
  }

  /**
   * Streams the body to the first attempt as it arrives, as streamBody does, and keeps it: the
   * first attempt does not wait for a whole body that a second one might need (reading it whole
   * first cost gateway mode ~8 % of its throughput, docs/benchmarks.md). Once the last byte is
   * in, the exchange knows the body can be sent again, and a retry that was waiting is made.
   */
  #streamAndKeep(first: UpstreamExchange): void {
    const req = this.#req
    streamBody(this.#context, req, first, this.#exchange)
    // Listeners after streamBody's: each chunk is sent (and counted) before it is kept.
    const chunks: Buffer[] = []
    let bytes = 0
    req.on('data', (chunk: Buffer) => {
      // A reference, not a copy: each socket read is a buffer of its own, never reused.
      chunks.push(chunk)
      bytes += chunk.length
    })
    req.on('end', () => {
      this.#kept = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, bytes)
      this.#exchange.bodyKept(bytes)
      // A retry waits for the body only while the exchange lives (a deadline may have answered).
      if (!this.#retryWhenWhole || this.#stopped) return
      this.#retryWhenWhole = false
      this.#attempt()
    })
  }
}

/** The request's headers and the route's own (an outbound proxy's), copied only when there are any. */
function withExtraHeaders(
  headers: readonly HeaderPair[],
  extra: readonly HeaderPair[],
): readonly HeaderPair[] {
  return extra.length === 0 ? headers : [...headers, ...extra]
}

/** Streams the client's body to the upstream as it arrives; the exchange enforces the size limit. */
function streamBody(
  context: ForwardContext,
  req: ServedRequest,
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
