import type { Exchange } from '../../exchange'
import type { ForwardPlan, HeaderPair } from '../../policy'
import { invalidStatus, isEventStream, OxyError, toClientHeaders } from '../../policy'
import { inBandErrorEvent } from './in-band-error'
import { readFirstChunk } from './read-first-chunk'
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
  // The body read to choose the path: all of it, or what was read and then the rest.
  readAlready?: Uint8Array | ReadableStream<Uint8Array>,
  inBandStreamErrors = false,
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
  const whole = readAlready instanceof Uint8Array ? readAlready : undefined
  const rest = readAlready instanceof ReadableStream ? readAlready : whole ? null : request.body
  if (whole) exchange.bodyKept(whole.byteLength, whole)
  else if (!rest) exchange.bodyKept(0)

  // Workers pass a WebSocket upgrade through fetch(): the 101 carries the upstream socket.
  const websocket = request.headers.get('upgrade')?.toLowerCase() === 'websocket'
  const shared = {
    method: request.method,
    body: whole ?? (rest ? countBytes(rest, exchange) : null),
    signal: abort.signal,
    extraHeaders: websocket ? ([['Upgrade', 'websocket']] as const) : [],
    setByFetch: SET_BY_FETCH,
  }
  const upstream = await sendAttempts(upstreamFetch, plan, shared, exchange, abort)
  if (!(upstream instanceof Response)) return toEndingResponse(upstream)
  const headers: HeaderPair[] = [...upstream.headers]
  const webSocket = (upstream as Response & { webSocket?: unknown }).webSocket
  if (websocket && upstream.status === 101 && webSocket) {
    exchange.headReceived(101, headers)
    exchange.ended()
    return new Response(null, { status: 101, webSocket } as ResponseInit)
  }
  if (upstream.status < 200 || upstream.status > 599) {
    // RFC 9110 section 15: invalid, to be read as a 5xx; Response() would throw on it.
    upstream.body?.cancel().catch(() => {})
    return toEndingResponse(exchange.failed(invalidStatus(upstream.status)))
  }
  const clientHeaders = toClientHeaders(headers, { bodyDecoded: true, corsHeaders: plan.corsHeaders })
  const responseInit = {
    status: upstream.status,
    statusText: upstream.statusText,
    headers: toHeadersInit(clientHeaders),
  }
  if (!upstream.body || NULL_BODY_STATUSES.has(upstream.status)) {
    exchange.headReceived(upstream.status, headers)
    exchange.ended()
    return new Response(null, responseInit)
  }
  const reader = upstream.body.getReader()
  const stream = isEventStream(clientHeaders)
  // Not an event stream: the first chunk is read before the head is handed on, so a body broken
  // at once still gets a 502 (workerd would end it cleanly); an event stream's head goes at once.
  // The exchange's idle timer guards the wait.
  exchange.upstreamResponded()
  if (!stream) exchange.waitUpstream()
  const first = stream ? undefined : await readFirstChunk(reader, abort.signal, 0)
  exchange.restUpstream()
  if (first instanceof OxyError) return toEndingResponse(exchange.failed(first))
  exchange.headReceived(upstream.status, headers)
  return new Response(relayBody(reader, exchange, first, inBandStreamErrors && stream), responseInit)
}

/**
 * The response body, pulled: a chunk is read from upstream only when the client wants one, which
 * is backpressure, and each chunk is handed on the moment it arrives, which keeps SSE live.
 */
function relayBody(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  exchange: Exchange,
  readAhead: ReadableStreamReadResult<Uint8Array> | undefined,
  inBandErrors: boolean,
): ReadableStream<Uint8Array> {
  let first = readAhead
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      exchange.waitUpstream()
      try {
        const { done, value } = first ?? (await reader.read())
        first = undefined
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
        const { error } = exchange.failed(midResponseReset(caught))
        if (inBandErrors) {
          // workerd ends an errored body cleanly: say so inside the stream, never with [DONE].
          controller.enqueue(inBandErrorEvent(error))
          controller.close()
        } else controller.error(error)
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
