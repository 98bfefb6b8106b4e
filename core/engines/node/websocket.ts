import type { IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import type { Exchange, Stop } from '../../exchange'
import { createExchange } from '../../exchange'
import type { AccessLogEntry, ForwardPlan, HeaderPair, ProxyConfig } from '../../policy'
import { errorReply, fromRawHeaders, getHeader, OxyError, planRequest, toClientHeaders } from '../../policy'
import { withPageBody } from '../with-page-body'
import { classifyNodeUpstreamError } from './classify-error'
import { hasBody } from './has-body'
import { monotonicMs } from './monotonic-ms'
import { responseHead, writeRawReply } from './raw-response'
import type { UpstreamHandlers } from './upstream-exchange'
import { UpstreamExchange } from './upstream-exchange'
import type { UpstreamRoutes } from './upstream-routes'

const now = monotonicMs

/**
 * Passes a WebSocket upgrade (the OpenAI Realtime API, wss://.../v1/realtime) through to the
 * upstream under the same policy as any request: tokens, routes, keys, header scrub. After
 * the 101 both directions are piped as raw bytes and closed together.
 * RFC 6455 section 4: https://www.rfc-editor.org/rfc/rfc6455#section-4
 */
export function createUpgradeHandler(
  config: ProxyConfig,
  routes: UpstreamRoutes,
  log: ((entry: AccessLogEntry) => void) | undefined,
): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  // Frames after the upgrade are no request body: no size limit applies to them.
  const exchangeConfig = { ...config, maxBodyBytes: undefined }
  return (req, socket, head) => {
    // Node's server stops listening for socket errors once it emits 'upgrade': a client's reset
    // (ECONNRESET) would be an unhandled 'error' and take the whole process down. 'close' follows
    // every error, and ends the exchange.
    socket.on('error', () => {})
    const headers = fromRawHeaders(req.rawHeaders)
    const plan = planRequest({ method: req.method ?? 'GET', target: req.url ?? '', headers }, config)
    const exchange = createExchange({
      config: exchangeConfig,
      method: req.method ?? 'GET',
      logPath: plan.logPath,
      corsHeaders: plan.kind === 'reply' ? [] : plan.corsHeaders,
      classify: classifyNodeUpstreamError,
      onLog: log,
      now,
    })
    exchange.requestBytes(head.length)
    socket.once('close', () => (exchange.hasResponseStarted() ? exchange.ended() : exchange.clientClosed()))
    if (plan.kind === 'reply') {
      if (!plan.page) writeRawReply(socket, exchange.reply(plan))
      else
        withPageBody(plan).then(
          (local) => writeRawReply(socket, exchange.reply(local)),
          () => socket.destroy(),
        )
    } else if (plan.kind === 'call' || !isHandshake(plan, req, headers)) {
      const error = new OxyError('invalid_request', 'Only WebSocket upgrades are supported here.')
      writeRawReply(socket, exchange.reply(errorReply(error, [], plan.logPath)))
    } else {
      passUpgrade(routes, plan, socket, head, exchange)
    }
  }
}

/** Only a WebSocket handshake is passed on here. */
function isHandshake(plan: ForwardPlan, req: IncomingMessage, headers: readonly HeaderPair[]): boolean {
  return (
    !plan.choosePathByBody &&
    getHeader(headers, 'upgrade')?.toLowerCase() === 'websocket' &&
    // A handshake is a GET without a body (RFC 6455 section 4.1); anything else would go
    // upstream as a GET still declaring a body, holding the upstream until its timeout.
    req.method === 'GET' &&
    !hasBody(req)
  )
}

function passUpgrade(
  routes: UpstreamRoutes,
  plan: ForwardPlan,
  socket: Duplex,
  head: Buffer,
  exchange: Exchange,
): void {
  const route = routes.routeFor(plan.upstream)
  let upstream: UpstreamExchange | undefined
  const stop = (ending: Stop) => {
    upstream?.abort()
    if (ending.kind === 'reply') writeRawReply(socket, ending.reply)
    else if (ending.kind === 'cut') socket.destroy()
  }
  const handlers: UpstreamHandlers = {
    onUpgrade(response, upstreamSocket, upstreamHead) {
      const headers = fromRawHeaders(response.rawHeaders)
      exchange.headReceived(101, headers)
      // The 101 keeps Upgrade and Connection: they are what it means.
      socket.write(responseHead(101, headers))
      if (upstreamHead.length > 0) socket.write(upstreamHead)
      if (head.length > 0) upstreamSocket.write(head)
      pipeBoth(socket, upstreamSocket, exchange)
    },
    // The upstream refused the upgrade (401, 404, ...): pass its answer on, as for any request.
    onResponse(response) {
      const headers = fromRawHeaders(response.rawHeaders)
      exchange.headReceived(response.status, headers)
      const clientHeaders = toClientHeaders(headers, {
        bodyDecoded: false,
        corsHeaders: plan.corsHeaders,
      })
      socket.write(responseHead(response.status, [...clientHeaders, ['Connection', 'close']]))
    },
    onData(chunk) {
      exchange.bytesPassed(chunk)
      if (!socket.write(chunk)) {
        upstream?.pause()
        socket.once('drain', () => upstream?.resume())
      }
    },
    onEnd: () => socket.end(),
    onError: (error) => stop(exchange.failed(error)),
  }
  exchange.attempt({ stop })
  try {
    upstream = new UpstreamExchange(
      route.pool,
      {
        method: 'GET',
        target: route.requestTarget(plan.upstreamPath),
        headers: [
          ...plan.headers,
          ['Connection', 'Upgrade'],
          ['Upgrade', 'websocket'],
          ...route.extraHeaders,
        ],
        upgrade: true,
      },
      handlers,
    )
  } catch (error) {
    stop(exchange.failed(error))
    return
  }
  socket.once('close', () => upstream?.abort())
  upstream.end()
}

/** After the 101: raw bytes both ways, counted, and both sockets closed together. */
function pipeBoth(socket: Duplex, upstreamSocket: Socket, exchange: Exchange): void {
  upstreamSocket.on('data', (chunk: Buffer) => exchange.bytesPassed(chunk))
  socket.on('data', (chunk: Buffer) => exchange.requestBytes(chunk.length))
  upstreamSocket.pipe(socket)
  socket.pipe(upstreamSocket)
  const closeBoth = () => {
    socket.destroy()
    upstreamSocket.destroy()
  }
  upstreamSocket.once('close', closeBoth)
  socket.once('close', closeBoth)
  upstreamSocket.on('error', closeBoth)
  socket.on('error', closeBoth)
}
