import type { Exchange } from '../../exchange'
import type { ForwardPlan, HeaderPair } from '../../policy'
import { OxyError, toClientHeaders } from '../../policy'
import { countBytes } from './request-bodies'
import { sendAttempts } from './send-attempts'
import { NULL_BODY_STATUSES, toEndingResponse, toHeadersInit } from './to-response'

/**
 * Headers the runtime's fetch sets itself. Host and Content-Length follow the URL and body; the
 * client's Accept-Encoding is replaced by what the runtime can decode, because fetch hands us
 * the decoded body and an encoding it cannot decode would reach the client as garbage.
 */
export const SET_BY_FETCH: ReadonlySet<string> = new Set(['host', 'accept-encoding'])

/** Sends the request the plan describes and relays the upstream's response as it comes. */
export async function forward(
  upstreamFetch: typeof fetch,
  request: Request,
  plan: ForwardPlan,
  exchange: Exchange,
  readAlready?: Uint8Array,
): Promise<Response> {
  const upstreamUrl = plan.upstream.origin + plan.upstreamPath
  // Belt and braces: the policy only ever appends a checked path to the configured origin.
  if (new URL(upstreamUrl).origin !== plan.upstream.origin)
    return toEndingResponse(
      exchange.failed(new OxyError('invalid_path', 'The path would leave the upstream.')),
    )

  const abort = new AbortController()
  // Once the exchange is over, the exchange ignores a late abort: no need to remove the listener.
  request.signal?.addEventListener('abort', () => exchange.clientClosed(), { once: true })
  if (readAlready) exchange.bodyKept(readAlready.byteLength, readAlready)
  else if (!request.body) exchange.bodyKept(0)

  // Workers pass a WebSocket upgrade through fetch(): the 101 carries the upstream socket.
  const websocket = request.headers.get('upgrade')?.toLowerCase() === 'websocket'
  const shared = {
    method: request.method,
    body: readAlready ?? (request.body ? countBytes(request.body, exchange) : null),
    signal: abort.signal,
    extraHeaders: websocket ? ([['Upgrade', 'websocket']] as const) : [],
    setByFetch: SET_BY_FETCH,
  }
  const upstream = await sendAttempts(upstreamFetch, plan, shared, exchange, abort)
  if (!(upstream instanceof Response)) return toEndingResponse(upstream)
  const headers: HeaderPair[] = [...upstream.headers]
  exchange.headReceived(upstream.status, headers)
  const webSocket = (upstream as Response & { webSocket?: unknown }).webSocket
  if (websocket && upstream.status === 101 && webSocket) {
    exchange.ended()
    return new Response(null, { status: 101, webSocket } as ResponseInit)
  }
  const responseInit = {
    status: upstream.status,
    statusText: upstream.statusText,
    headers: toHeadersInit(toClientHeaders(headers, { bodyDecoded: true, corsHeaders: plan.corsHeaders })),
  }
  if (!upstream.body || NULL_BODY_STATUSES.has(upstream.status)) {
    exchange.ended()
    return new Response(null, responseInit)
  }
  return new Response(relayBody(upstream.body, exchange), responseInit)
}

/**
 * The response body, pulled: a chunk is read from upstream only when the client wants one, which
 * is backpressure, and each chunk is handed on the moment it arrives, which keeps SSE live.
 */
function relayBody(body: ReadableStream<Uint8Array>, exchange: Exchange): ReadableStream<Uint8Array> {
  const reader = body.getReader()
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      exchange.waitUpstream()
      try {
        const { done, value } = await reader.read()
        exchange.restUpstream()
        if (done) {
          controller.close()
          exchange.ended()
          return
        }
        exchange.bytesPassed(value)
        controller.enqueue(value)
      } catch (caught) {
        // Error the stream, never close it: a truncated body must not look complete. After the
        // head, a failed read is the upstream going away, whatever the runtime calls it
        // (workerd's errors carry no code), unless one of the exchange's timers fired first.
        controller.error(exchange.failed(midResponseReset(caught)).error)
      }
    },
    // The client stopped reading: stop the upstream so the user stops paying for tokens nobody reads.
    cancel(reason) {
      exchange.clientClosed()
      reader.cancel(reason).catch(() => {})
    },
  })
}

function midResponseReset(cause: unknown): OxyError {
  return new OxyError('upstream_reset', 'The upstream closed the connection in the middle of the response.', {
    cause,
  })
}
