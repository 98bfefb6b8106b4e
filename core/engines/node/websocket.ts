import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import type { AccessLogEntry, HeaderPair, LocalReply, ProxyConfig } from '../../policy'
import { errorReply, fromRawHeaders, getHeader, OxyError, planRequest, toClientHeaders } from '../../policy'
import { classifyNodeUpstreamError } from './classify-error'
import { hasBody } from './has-body'
import { responseHead, writeRawReply } from './raw-response'
import { UpstreamExchange } from './upstream-exchange'
import type { UpstreamRoutes } from './upstream-routes'

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
  return (req, socket, head) => {
    const startedAt = performance.now()
    const headers = fromRawHeaders(req.rawHeaders)
    const plan = planRequest({ method: req.method ?? 'GET', target: req.url ?? '', headers }, config)
    const logPath = plan.logPath
    let status = 0
    let bytesIn = head.length
    let bytesOut = 0
    let failure: string | undefined
    socket.once('close', () =>
      log?.({
        method: req.method ?? 'GET',
        path: logPath,
        status,
        upstreamMs: undefined,
        totalMs: performance.now() - startedAt,
        bytesIn,
        bytesOut,
        error: failure,
      }),
    )
    const refuse = (reply: LocalReply) => {
      status = reply.status
      writeRawReply(socket, reply)
    }

    if (plan.kind === 'reply') return refuse(plan)
    if (
      plan.kind === 'call' ||
      plan.choosePathByBody ||
      getHeader(headers, 'upgrade')?.toLowerCase() !== 'websocket' ||
      // A handshake is a GET without a body (RFC 6455 section 4.1); anything else would go
      // upstream as a GET still declaring a body, holding the upstream until its timeout.
      req.method !== 'GET' ||
      hasBody(req)
    ) {
      return refuse(
        errorReply(
          new OxyError('invalid_request', 'Only WebSocket upgrades are supported here.'),
          [],
          logPath,
        ),
      )
    }

    const route = routes.routeFor(plan.upstream)
    const upstreamHeaders: HeaderPair[] = [
      ...plan.headers,
      ['Connection', 'Upgrade'],
      ['Upgrade', 'websocket'],
    ]
    let exchange: UpstreamExchange
    try {
      exchange = new UpstreamExchange(
        route.pool,
        {
          method: 'GET',
          target: route.requestTarget(plan.upstreamPath),
          headers: [...upstreamHeaders, ...route.extraHeaders],
          upgrade: true,
        },
        {
          onUpgrade(response, upstreamSocket, upstreamHead) {
            clearTimeout(timer)
            status = 101
            // The 101 keeps Upgrade and Connection: they are what it means.
            socket.write(responseHead(101, fromRawHeaders(response.rawHeaders)))
            if (upstreamHead.length > 0) socket.write(upstreamHead)
            if (head.length > 0) upstreamSocket.write(head)
            upstreamSocket.on('data', (chunk: Buffer) => {
              bytesOut += chunk.length
            })
            socket.on('data', (chunk: Buffer) => {
              bytesIn += chunk.length
            })
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
          },
          // The upstream refused the upgrade (401, 404, ...): pass its answer on, as for any request.
          onResponse(response) {
            clearTimeout(timer)
            status = response.status
            const clientHeaders = toClientHeaders(fromRawHeaders(response.rawHeaders), {
              bodyDecoded: false,
              corsHeaders: plan.corsHeaders,
            })
            socket.write(responseHead(status, [...clientHeaders, ['Connection', 'close']]))
          },
          onData(chunk) {
            if (!socket.write(chunk)) {
              exchange.pause()
              socket.once('drain', () => exchange.resume())
            }
          },
          onEnd: () => socket.end(),
          onError(error) {
            clearTimeout(timer)
            const oxyError = classifyNodeUpstreamError(error)
            failure = oxyError.code
            if (status === 0) refuse(errorReply(oxyError, plan.corsHeaders, logPath))
            else socket.destroy()
          },
        },
      )
    } catch (error) {
      return refuse(errorReply(classifyNodeUpstreamError(error), plan.corsHeaders, logPath))
    }
    const timer =
      config.firstByteTimeoutMs > 0
        ? setTimeout(() => {
            exchange.abort()
            failure = 'upstream_timeout'
            refuse(
              errorReply(
                new OxyError('upstream_timeout', 'The upstream did not answer the upgrade in time.'),
                plan.corsHeaders,
                logPath,
              ),
            )
          }, config.firstByteTimeoutMs)
        : undefined
    socket.once('close', () => {
      clearTimeout(timer)
      exchange.abort()
    })
    exchange.end()
  }
}
