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
  classifyUpstreamError,
  errorReply,
  invalidStatus,
  isEventStream,
  MAX_ASK_ANSWER_BYTES,
  OxyError,
  planRequest,
  toClientHeaders,
} from '../../policy'
import { inBandErrorEvent } from './in-band-error'
import { readCappedText } from './read-capped-text'
import { readFirstChunk } from './read-first-chunk'
import { readUntilModel } from './read-until-model'

export interface FetchProxyOptions {
  /** Called once per finished exchange, when the response body has ended or failed. */
  readonly onLog?: (entry: AccessLogEntry) => void
  /** The runtime's fetch; injectable for runtimes that hand it over (Workers service bindings). */
  readonly fetch?: typeof fetch
  /**
   * End a broken event stream with an in-band error event instead of erroring the body: for
   * runtimes that end an errored body cleanly (Workers), where a cut would look complete.
   */
  readonly inBandStreamErrors?: boolean
}

export interface FetchProxy {
  fetch(request: Request): Promise<Response>
}

/**
 * Headers the runtime's fetch sets itself. Host and Content-Length follow the URL and body; the
 * client's Accept-Encoding is replaced by what the runtime can decode, because fetch hands us
 * the decoded body and an encoding it cannot decode would reach the client as garbage.
 */
const SET_BY_FETCH: ReadonlySet<string> = new Set(['host', 'accept-encoding'])

/** Statuses whose responses carry no body (Response() throws if given one). */
const NULL_BODY_STATUSES: ReadonlySet<number> = new Set([101, 204, 205, 304])

/**
 * The fetch engine: Request in, Response out, Web APIs only, for runtimes without node:http
 * (Cloudflare Workers) or that want a Response (Lambda response streaming). It obeys the same
 * policy as the node engine; what differs is that fetch decodes bodies, so Content-Encoding and
 * Content-Length are dropped from responses.
 */
export function createFetchProxy(config: ProxyConfig, options: FetchProxyOptions = {}): FetchProxy {
  const upstreamFetch = options.fetch ?? globalThis.fetch.bind(globalThis)
  const log = options.onLog

  async function handle(request: Request): Promise<Response> {
    const startedAt = Date.now()
    const url = new URL(request.url)
    const headers: HeaderPair[] = [...request.headers]
    const plan = planRequest({ method: request.method, target: url.pathname + url.search, headers }, config)
    if (plan.kind === 'reply') return reply(request, plan, startedAt)
    if (plan.kind === 'call') return call(request, plan, startedAt)
    const choice = plan.choosePathByBody
    if (!choice) return forward(request, plan, startedAt)
    const read = await readUntilModel(request, choice)
    if (read instanceof OxyError)
      return reply(request, errorReply(read, plan.corsHeaders, plan.logPath), startedAt)
    if (typeof read.chosen !== 'string') return reply(request, read.chosen, startedAt)
    return forward(request, { ...plan, upstreamPath: read.chosen }, startedAt, read.body)
  }

  /** Answers with a reply the proxy made, and logs it. */
  function reply(request: Request, local: LocalReply, startedAt: number, upstreamMs?: number): Response {
    log?.({
      method: request.method,
      path: local.logPath,
      status: local.status,
      upstreamMs,
      totalMs: Date.now() - startedAt,
      bytesIn: 0,
      bytesOut: local.body.length,
    })
    return toResponse(local)
  }

  /** Makes the request an UpstreamCall describes and answers from its (small) response. */
  async function call(request: Request, plan: UpstreamCall, startedAt: number): Promise<Response> {
    // Ended when the client leaves or the whole answer is late; read up to a cap: an answer
    // that never ends would otherwise hold memory and the upstream for as long as it runs.
    const abort = new AbortController()
    const onClientGone = () => abort.abort(askClientGone())
    request.signal?.addEventListener('abort', onClientGone, { once: true })
    const timer = startTimer(config.firstByteTimeoutMs, () =>
      abort.abort(
        new OxyError(
          'upstream_timeout',
          `The upstream sent no answer within ${config.firstByteTimeoutMs} ms.`,
        ),
      ),
    )
    try {
      const answer = await upstreamFetch(plan.upstream.origin + plan.upstreamPath, {
        method: 'POST',
        headers: toHeadersInit(plan.headers.filter(([name]) => !SET_BY_FETCH.has(name.toLowerCase()))),
        body: plan.body,
        // Never follow: the key and the question would go wherever the Location says.
        redirect: 'manual',
        signal: abort.signal,
      })
      const upstreamMs = Date.now() - startedAt
      const text = await readCappedText(answer, MAX_ASK_ANSWER_BYTES, askAnswerTooLarge)
      return reply(request, plan.toReply(answer.status, text), startedAt, upstreamMs)
    } catch (caught) {
      const error = classifyUpstreamError(abort.signal.aborted ? abort.signal.reason : caught)
      return reply(request, errorReply(error, [], plan.logPath), startedAt)
    } finally {
      clearTimeout(timer)
      request.signal?.removeEventListener('abort', onClientGone)
    }
  }

  async function forward(
    request: Request,
    plan: ForwardPlan,
    startedAt: number,
    // The body read to choose the path: all of it, or what was read and then the rest.
    readAlready?: Uint8Array | ReadableStream<Uint8Array>,
  ): Promise<Response> {
    const whole = readAlready instanceof Uint8Array ? readAlready : undefined
    const bytesIn = { count: whole?.byteLength ?? 0 }
    const logExchange = (fields: Pick<AccessLogEntry, 'status' | 'upstreamMs' | 'bytesOut' | 'error'>) =>
      log?.({
        method: request.method,
        path: plan.logPath,
        totalMs: Date.now() - startedAt,
        bytesIn: bytesIn.count,
        ...fields,
      })

    const upstreamUrl = plan.upstream.origin + plan.upstreamPath
    // Belt and braces: the policy only ever appends a checked path to the configured origin.
    if (new URL(upstreamUrl).origin !== plan.upstream.origin) {
      const reply = errorReply(
        new OxyError('invalid_path', 'The path would leave the upstream.'),
        plan.corsHeaders,
        plan.logPath,
      )
      logExchange({ status: reply.status, upstreamMs: undefined, bytesOut: 0, error: 'invalid_path' })
      return toResponse(reply)
    }

    const abort = new AbortController()
    const onClientAbort = () => abort.abort(new OxyError('upstream_reset', 'The client went away.'))
    request.signal?.addEventListener('abort', onClientAbort, { once: true })
    const firstByteTimer = startTimer(config.firstByteTimeoutMs, () =>
      abort.abort(
        new OxyError(
          'upstream_timeout',
          `The upstream sent no response within ${config.firstByteTimeoutMs} ms (OXY_FIRST_BYTE_TIMEOUT_MS).`,
        ),
      ),
    )
    const rest = readAlready instanceof ReadableStream ? readAlready : whole ? null : request.body
    const body = whole ?? (rest ? countBytes(rest, bytesIn, config.maxBodyBytes) : null)
    const upstreamHeaders = plan.headers.filter(([name]) => !SET_BY_FETCH.has(name.toLowerCase()))
    // Workers pass a WebSocket upgrade through fetch(): the 101 carries the upstream socket.
    const websocket = request.headers.get('upgrade')?.toLowerCase() === 'websocket'
    if (websocket) upstreamHeaders.push(['Upgrade', 'websocket'])

    let upstream: Response
    try {
      upstream = await upstreamFetch(upstreamUrl, {
        method: request.method,
        headers: toHeadersInit(upstreamHeaders),
        body,
        redirect: 'manual',
        signal: abort.signal,
        // Required by Node's fetch for a streamed request body; ignored elsewhere.
        duplex: 'half',
      } as RequestInit & { duplex: 'half' })
    } catch (caught) {
      clearTimeout(firstByteTimer)
      const error = classifyUpstreamError(abort.signal.aborted ? abort.signal.reason : caught)
      const reply = errorReply(error, plan.corsHeaders, plan.logPath)
      logExchange({ status: reply.status, upstreamMs: undefined, bytesOut: 0, error: error.code })
      return toResponse(reply)
    }
    clearTimeout(firstByteTimer)
    const upstreamMs = Date.now() - startedAt
    const webSocket = (upstream as Response & { webSocket?: unknown }).webSocket
    if (websocket && upstream.status === 101 && webSocket) {
      request.signal?.removeEventListener('abort', onClientAbort)
      logExchange({ status: 101, upstreamMs, bytesOut: 0 })
      return new Response(null, { status: 101, webSocket } as ResponseInit)
    }
    if (upstream.status < 200 || upstream.status > 599) {
      // RFC 9110 section 15: invalid, to be read as a 5xx; Response() would throw on it.
      upstream.body?.cancel().catch(() => {})
      const reply = errorReply(invalidStatus(upstream.status), plan.corsHeaders, plan.logPath)
      logExchange({ status: reply.status, upstreamMs, bytesOut: 0, error: 'upstream_bad_response' })
      return toResponse(reply)
    }
    const responseHeaders = toClientHeaders([...upstream.headers], {
      bodyDecoded: true,
      corsHeaders: plan.corsHeaders,
    })
    if (!upstream.body || NULL_BODY_STATUSES.has(upstream.status)) {
      logExchange({ status: upstream.status, upstreamMs, bytesOut: 0 })
      return new Response(null, {
        status: upstream.status,
        statusText: upstream.statusText,
        headers: toHeadersInit(responseHeaders),
      })
    }

    const reader = upstream.body.getReader()
    const readAhead = isEventStream(responseHeaders)
      ? undefined
      : await readFirstChunk(reader, abort.signal, config.idleTimeoutMs)
    if (readAhead instanceof OxyError) {
      request.signal?.removeEventListener('abort', onClientAbort)
      logExchange({ status: readAhead.status, upstreamMs, bytesOut: 0, error: readAhead.code })
      return toResponse(errorReply(readAhead, plan.corsHeaders, plan.logPath))
    }
    let first = readAhead
    let bytesOut = 0
    let idleTimer: ReturnType<typeof setTimeout> | undefined
    const finish = (error?: string) => {
      clearTimeout(idleTimer)
      request.signal?.removeEventListener('abort', onClientAbort)
      logExchange({ status: upstream.status, upstreamMs, bytesOut, error })
    }
    const stream = new ReadableStream<Uint8Array>({
      // Pull, not push: a chunk is read from upstream only when the client wants one, which is
      // backpressure, and each chunk is handed on the moment it arrives, which keeps SSE live.
      async pull(controller) {
        clearTimeout(idleTimer)
        idleTimer = startTimer(config.idleTimeoutMs, () =>
          abort.abort(
            new OxyError(
              'upstream_idle_timeout',
              `The upstream stalled for ${config.idleTimeoutMs} ms (OXY_IDLE_TIMEOUT_MS).`,
            ),
          ),
        )
        try {
          const { done, value } = first ?? (await reader.read())
          first = undefined
          clearTimeout(idleTimer)
          if (done) {
            controller.close()
            finish()
            return
          }
          bytesOut += value.byteLength
          controller.enqueue(value)
        } catch (caught) {
          // Error the stream, never close it: a truncated body must not look complete.
          // After the headers, a failed read is the upstream going away, whatever the runtime
          // calls it (workerd's errors carry no code), unless one of our own timers fired.
          const error = abort.signal.aborted
            ? classifyUpstreamError(abort.signal.reason)
            : new OxyError(
                'upstream_reset',
                'The upstream closed the connection in the middle of the response.',
                {
                  cause: caught,
                },
              )
          if (options.inBandStreamErrors && isEventStream(responseHeaders)) {
            controller.enqueue(inBandErrorEvent(error))
            controller.close()
          } else controller.error(error)
          finish(error.code)
        }
      },
      cancel(reason) {
        abort.abort(reason)
        reader.cancel(reason).catch(() => {})
        finish('client_closed')
      },
    })
    return new Response(stream, {
      status: upstream.status,
      statusText: upstream.statusText,
      headers: toHeadersInit(responseHeaders),
    })
  }

  return { fetch: handle }
}

/** Counts request bytes on their way upstream and stops a body that grows past the limit. */
function countBytes(
  body: ReadableStream<Uint8Array>,
  counter: { count: number },
  limit: number | undefined,
): ReadableStream<Uint8Array> {
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        counter.count += chunk.byteLength
        if (limit !== undefined && counter.count > limit) controller.error(bodyTooLarge(limit))
        else controller.enqueue(chunk)
      },
    }),
  )
}

/** A reply the proxy made, as a Response; adapters answer their own errors with it too. */
export function toResponse(reply: LocalReply): Response {
  return new Response(NULL_BODY_STATUSES.has(reply.status) ? null : reply.body, {
    status: reply.status,
    headers: toHeadersInit(reply.headers),
  })
}

function toHeadersInit(pairs: readonly HeaderPair[]): [string, string][] {
  return pairs.map(([name, value]) => [name, value])
}

function startTimer(ms: number, onTimeout: () => void): ReturnType<typeof setTimeout> | undefined {
  return ms > 0 ? setTimeout(onTimeout, ms) : undefined
}
