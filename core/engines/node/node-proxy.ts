import type { IncomingMessage, ServerResponse } from 'node:http'
import { performance } from 'node:perf_hooks'
import type { Duplex } from 'node:stream'
import type {
  AccessLogEntry,
  ForwardPlan,
  HeaderPair,
  LocalReply,
  ProxyConfig,
  UpstreamCall,
} from '../../policy'
import {
  askAnswerTooLarge,
  askClientGone,
  bodyTooLarge,
  errorReply,
  fromRawHeaders,
  isEventStream,
  MAX_ASK_ANSWER_BYTES,
  OxyError,
  planRequest,
  toClientHeaders,
  toRawHeaders,
} from '../../policy'
import { classifyNodeUpstreamError } from './classify-error'
import { hasBody, isChunked } from './has-body'
import { readUntilModel } from './read-until-model'
import { createBufferReclaimer } from './reclaim-buffers'
import { UpstreamExchange } from './upstream-exchange'
import type { UpstreamRoutes } from './upstream-routes'
import { createUpstreamRoutes } from './upstream-routes'

/** Makes the 'upgrade' listener; websocket.ts's createUpgradeHandler is the one there is. */
export type UpgradeHandlerFactory = (
  config: ProxyConfig,
  routes: UpstreamRoutes,
  log: ((entry: AccessLogEntry) => void) | undefined,
) => (req: IncomingMessage, socket: Duplex, head: Buffer) => void

export interface NodeProxyOptions {
  /** Called once per finished exchange; the adapter decides where the line goes. */
  readonly onLog?: (entry: AccessLogEntry) => void
  /**
   * Answer 400 to an HTTP/1.1 request without exactly one Host header (RFC 9112 section 3.2), in
   * OpenAI's shape. For real HTTP servers; serverless-http builds requests that may have none.
   */
  readonly requireHost?: boolean
  /**
   * WebSocket passthrough, for adapters with a real server to upgrade on. Passed in rather
   * than imported so that a bundle that cannot upgrade (Lambda) does not carry the code.
   */
  readonly upgrades?: UpgradeHandlerFactory
}

export interface NodeProxy {
  /** A node:http request listener. */
  readonly handle: (req: IncomingMessage, res: ServerResponse) => void
  /** A node:http 'upgrade' listener when `upgrades` was given: WebSocket passthrough. */
  readonly upgrade: ((req: IncomingMessage, socket: Duplex, head: Buffer) => void) | undefined
  /** Closes the upstream keep-alive sockets. */
  close(): void
}

/**
 * The node:http engine: pipes bytes between client and upstream with backpressure, never
 * buffering a body, and obeys the core policy for everything else. No runtime dependency.
 */
export function createNodeProxy(config: ProxyConfig, options: NodeProxyOptions = {}): NodeProxy {
  const routes = createUpstreamRoutes(config.outboundProxy, config.connectTimeoutMs)
  const log = options.onLog
  const reclaim = createBufferReclaimer()

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const startedAt = performance.now()
    const plan = planRequest(
      { method: req.method ?? 'GET', target: req.url ?? '', headers: requestHeaders(req) },
      config,
    )
    if (plan.kind === 'reply') {
      reply(req, res, plan, startedAt)
      return
    }
    if (options.requireHost && (req.httpVersionMajor < 1 || !hasOneHost(req))) {
      // llhttp reads a request line without a version as HTTP/0.9, which has no headers at all.
      const error = new OxyError(
        'invalid_request',
        req.httpVersionMajor < 1
          ? 'The request line has no HTTP version (HTTP/0.9 is not accepted).'
          : 'An HTTP/1.1 request needs exactly one Host header.',
      )
      reply(req, res, errorReply(error, [], plan.logPath), startedAt, undefined, true)
      return
    }
    if (plan.kind === 'call') {
      req.resume()
      const clientGone = new AbortController()
      res.once('close', () => clientGone.abort())
      call(plan, clientGone.signal)
        .then((answer) =>
          reply(req, res, plan.toReply(answer.status, answer.body), startedAt, answer.upstreamMs),
        )
        .catch((error: unknown) =>
          reply(req, res, errorReply(classifyNodeUpstreamError(error), [], plan.logPath), startedAt),
        )
      return
    }
    const choice = plan.choosePathByBody
    if (choice) {
      readUntilModel(req, choice).then(
        ({ chosen, prefix, ended }) => {
          if (typeof chosen === 'string')
            forward(req, res, { ...plan, upstreamPath: chosen }, startedAt, prefix, !ended)
          else reply(req, res, chosen, startedAt, undefined, !ended)
        },
        (error: unknown) =>
          reply(
            req,
            res,
            errorReply(error as OxyError, plan.corsHeaders, plan.logPath),
            startedAt,
            undefined,
            true,
          ),
      )
      return
    }
    forward(req, res, plan, startedAt)
  }

  /** Sends a reply the proxy made and logs it; whatever body came with the request is discarded. */
  function reply(
    req: IncomingMessage,
    res: ServerResponse,
    local: LocalReply,
    startedAt: number,
    upstreamMs?: number,
    closeConnection = false,
  ): void {
    sendReply(res, local, closeConnection)
    res.once('close', () =>
      log?.({
        method: req.method ?? '',
        path: local.logPath,
        status: local.status,
        upstreamMs,
        totalMs: performance.now() - startedAt,
        bytesIn: 0,
        bytesOut: Buffer.byteLength(local.body),
      }),
    )
    req.resume()
  }

  /** Makes the request an UpstreamCall describes and reads its (small) answer. */
  function call(
    plan: UpstreamCall,
    clientGone: AbortSignal,
  ): Promise<{ status: number; body: string; upstreamMs: number }> {
    const startedAt = performance.now()
    const route = routes.routeFor(plan.upstream)
    const body = Buffer.from(plan.body)
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = []
      let size = 0
      let status = 502
      let upstreamMs = 0
      // Capped, and ended when the client leaves: an endless answer would grow the process.
      const stop = (error: OxyError) => {
        clearTimeout(timer)
        exchange.abort()
        reject(error)
      }
      const exchange = new UpstreamExchange(
        route.pool,
        {
          method: 'POST',
          target: route.requestTarget(plan.upstreamPath),
          headers: [...plan.headers, ['Content-Length', String(body.length)], ...route.extraHeaders],
        },
        {
          onResponse(head) {
            status = head.status
            upstreamMs = performance.now() - startedAt
          },
          onData(chunk) {
            size += chunk.length
            if (size > MAX_ASK_ANSWER_BYTES) stop(askAnswerTooLarge())
            else chunks.push(chunk)
          },
          onEnd() {
            clearTimeout(timer)
            clientGone.removeEventListener('abort', onClientGone)
            resolve({ status, body: Buffer.concat(chunks).toString(), upstreamMs })
          },
          onError(error) {
            clearTimeout(timer)
            reject(error)
          },
        },
      )
      const onClientGone = () => stop(askClientGone())
      clientGone.addEventListener('abort', onClientGone, { once: true })
      // Armed once the exchange exists (its constructor may throw); its handlers run later, on I/O.
      // The whole answer must come in time, not only its first byte: it is read before replying.
      const timer = startTimer(config.firstByteTimeoutMs, () => {
        exchange.abort()
        reject(
          new OxyError(
            'upstream_timeout',
            `The upstream sent no answer within ${config.firstByteTimeoutMs} ms.`,
          ),
        )
      })
      exchange.end(body)
    })
  }

  function forward(
    req: IncomingMessage,
    res: ServerResponse,
    plan: ForwardPlan,
    startedAt: number,
    readAlready?: Buffer,
    // The body was read only in part (until its model was known): the rest follows on req.
    restFollows = false,
  ): void {
    const route = routes.routeFor(plan.upstream)
    const method = req.method ?? 'GET'
    let upstreamMs: number | undefined
    let bytesIn = 0
    let bytesOut = 0
    let failure: OxyError | undefined
    let exchange: UpstreamExchange | undefined
    let idleTimer: NodeJS.Timeout | undefined
    const bodyless = readAlready === undefined && !hasBody(req)
    let pendingHead: (() => void) | undefined
    const writePendingHead = () => {
      pendingHead?.()
      pendingHead = undefined
    }

    const firstByteTimer = startTimer(config.firstByteTimeoutMs, () =>
      fail(
        new OxyError(
          'upstream_timeout',
          `The upstream sent no response within ${config.firstByteTimeoutMs} ms (OXY_FIRST_BYTE_TIMEOUT_MS).`,
        ),
      ),
    )

    /** Ends the exchange after a failure: an error response if none started, else an abrupt close. */
    function fail(error: OxyError): void {
      if (failure || res.writableFinished) return
      failure = error
      clearTimers()
      exchange?.abort()
      if (res.headersSent) {
        // Never end a started body cleanly: a truncated stream must not look complete.
        res.destroy()
      } else {
        sendReply(res, errorReply(error, plan.corsHeaders, plan.logPath), true)
      }
    }

    function clearTimers(): void {
      clearTimeout(firstByteTimer)
      clearTimeout(idleTimer)
    }

    const onIdle = () =>
      fail(
        new OxyError(
          'upstream_idle_timeout',
          `The upstream stalled for ${config.idleTimeoutMs} ms (OXY_IDLE_TIMEOUT_MS).`,
        ),
      )

    try {
      exchange = new UpstreamExchange(
        route.pool,
        {
          method,
          target: route.requestTarget(plan.upstreamPath),
          headers: [
            ...withBodyLength(req, plan.headers, restFollows ? undefined : readAlready, bodyless),
            ...route.extraHeaders,
          ],
          chunked: (readAlready === undefined || restFollows) && isChunked(req),
          retryIfStale: bodyless && IDEMPOTENT_METHODS.has(method),
        },
        {
          onResponse(head) {
            clearTimeout(firstByteTimer)
            upstreamMs = performance.now() - startedAt
            const clientHeaders = toClientHeaders(fromRawHeaders(head.rawHeaders), {
              bodyDecoded: false,
              corsHeaders: plan.corsHeaders,
            })
            // Written with the first body byte, so that a body broken at once still gets a 502;
            // an SSE client should see the 200 at once, not with the first token.
            pendingHead = () => res.writeHead(head.status, head.statusText, toRawHeaders(clientHeaders))
            if (isEventStream(clientHeaders)) {
              writePendingHead()
              res.flushHeaders()
            }
            idleTimer = startTimer(config.idleTimeoutMs, onIdle)
          },
          onData(chunk) {
            writePendingHead()
            bytesOut += chunk.length
            reclaim(chunk.length)
            idleTimer?.refresh()
            if (!res.write(chunk)) exchange?.pause()
          },
          onEnd() {
            clearTimers()
            writePendingHead()
            res.end()
          },
          onError: (error) => fail(classifyNodeUpstreamError(error)),
          onDrain: () => req.resume(),
        },
      )
    } catch (error) {
      // A method, target or header value that would split the request upstream is the client's doing.
      clearTimers()
      sendReply(res, errorReply(classifyNodeUpstreamError(error), plan.corsHeaders, plan.logPath))
      req.resume()
      return
    }
    const upstream = exchange

    res.on('drain', () => {
      idleTimer?.refresh()
      upstream.resume()
    })

    if (readAlready && !restFollows) {
      bytesIn = readAlready.length
      upstream.end(readAlready)
    } else if (bodyless) {
      upstream.end()
      req.resume()
    } else {
      if (readAlready) {
        bytesIn = readAlready.length
        upstream.write(readAlready)
      }
      req.on('data', (chunk: Buffer) => {
        bytesIn += chunk.length
        reclaim(chunk.length)
        if (config.maxBodyBytes !== undefined && bytesIn > config.maxBodyBytes) {
          fail(bodyTooLarge(config.maxBodyBytes))
          return
        }
        if (!upstream.write(chunk)) req.pause()
      })
      req.on('end', () => upstream.end())
      if (restFollows) req.resume()
    }

    // The client went away (before or during the response): stop the upstream so the user stops
    // paying for tokens nobody will read.
    res.once('close', () => {
      const clientLeft = !res.writableFinished && !failure
      if (!res.writableFinished) {
        clearTimers()
        upstream.abort()
      }
      log?.({
        method,
        path: plan.logPath,
        status: res.headersSent ? res.statusCode : 0,
        upstreamMs,
        totalMs: performance.now() - startedAt,
        bytesIn,
        bytesOut,
        error: failure?.code ?? (clientLeft ? 'client_closed' : undefined),
      })
    })
  }

  return { handle, upgrade: options.upgrades?.(config, routes, log), close: () => routes.destroy() }
}

/** HTTP/1.0 may leave Host out; no version may send two, which front ends could read differently. */
function hasOneHost(req: IncomingMessage): boolean {
  let hosts = 0
  for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i]?.toLowerCase() === 'host') hosts++
  return hosts === 1 || (hosts === 0 && req.httpVersion === '1.0')
}

/** Node's parsed headers when a framework (serverless-http) built the request without rawHeaders. */
function requestHeaders(req: IncomingMessage): HeaderPair[] {
  if (req.rawHeaders.length > 0) return fromRawHeaders(req.rawHeaders)
  const pairs: HeaderPair[] = []
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue
    for (const item of Array.isArray(value) ? value : [value]) pairs.push([name, item])
  }
  return pairs
}

/** RFC 9110 section 9.2.2: these may be sent twice without changing the outcome. */
const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'DELETE', 'PUT', 'TRACE'])
/** Methods node:http sent `Content-Length: 0` for when they had no body; some servers want it (411). */
const BODYLESS_WITHOUT_LENGTH: ReadonlySet<string> = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS', 'TRACE'])

/**
 * The policy's headers plus the length it leaves to the engine: a body read to choose the path
 * goes with its exact length; a bodiless POST-like request gets `Content-Length: 0`. (A chunked
 * body is re-framed by the exchange, which adds Transfer-Encoding itself: it is hop-by-hop.)
 */
function withBodyLength(
  req: IncomingMessage,
  headers: readonly HeaderPair[],
  readAlready: Buffer | undefined,
  bodyless: boolean,
): readonly HeaderPair[] {
  if (readAlready) return withLength(headers, readAlready.length)
  const declaresLength = req.headers['content-length'] !== undefined
  if (bodyless && !declaresLength && !BODYLESS_WITHOUT_LENGTH.has(req.method ?? 'GET'))
    return withLength(headers, 0)
  return headers
}

/** The body was read to choose the path: send it with its exact length, whatever framing it came in. */
function withLength(headers: readonly HeaderPair[], length: number): HeaderPair[] {
  const out = headers.filter(([name]) => name.toLowerCase() !== 'content-length')
  out.push(['Content-Length', String(length)])
  return out
}

function sendReply(res: ServerResponse, reply: LocalReply, closeConnection = false): void {
  if (res.headersSent || res.destroyed) return
  const headers = toRawHeaders(reply.headers)
  headers.push('Content-Length', String(Buffer.byteLength(reply.body)))
  // After an aborted upload the rest of the body may still be arriving: do not read it.
  if (closeConnection) headers.push('Connection', 'close')
  res.writeHead(reply.status, headers)
  res.end(reply.body)
}

function startTimer(ms: number, onTimeout: () => void): NodeJS.Timeout | undefined {
  return ms > 0 ? setTimeout(onTimeout, ms) : undefined
}
