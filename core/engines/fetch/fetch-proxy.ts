import type { Exchange } from '../../exchange'
import { choosePath, createExchange } from '../../exchange'
import { admitOrReply } from '../../limits/limit-exchange'
import type { Limiter } from '../../limits/limiter'
import type { AccessLogEntry, ProxyConfig, UpstreamCall } from '../../policy'
import {
  askAnswerTooLarge,
  choosesByModel,
  classifyUpstreamError,
  MAX_ASK_ANSWER_BYTES,
  OxyError,
  planRequest,
} from '../../policy'
import { withPageBody } from '../with-page-body'
import { discardRest } from './discard-rest'
import { forward, SET_BY_FETCH } from './forward'
import { readCappedText } from './read-capped-text'
import { readUntilModel } from './read-until-model'
import { readBody } from './request-bodies'
import { toEndingResponse, toHeadersInit, toResponse } from './to-response'

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
  /** Per-key limits (docs/limits.md): asked before anything goes upstream. */
  readonly limiter?: Limiter | undefined
}

export interface FetchProxy {
  fetch(request: Request): Promise<Response>
}

/**
 * The fetch engine: Request in, Response out, Web APIs only, for runtimes without node:http
 * (Cloudflare Workers) or that want a Response (Lambda response streaming). It obeys the same
 * policy and the same exchange lifecycle as the node engine; what differs is that fetch decodes
 * bodies, so Content-Encoding and Content-Length are dropped from responses.
 */
export function createFetchProxy(config: ProxyConfig, options: FetchProxyOptions = {}): FetchProxy {
  const upstreamFetch = options.fetch ?? globalThis.fetch.bind(globalThis)

  async function handle(request: Request): Promise<Response> {
    const url = new URL(request.url)
    const plan = planRequest(
      { method: request.method, target: url.pathname + url.search, headers: [...request.headers] },
      config,
    )
    const exchange = createExchange({
      config,
      method: request.method,
      logPath: plan.logPath,
      corsHeaders: plan.kind === 'reply' ? [] : plan.corsHeaders,
      classify: classifyUpstreamError,
      onLog: options.onLog,
      limiter: options.limiter,
      now: Date.now,
      deadline: plan.kind === 'call' ? 'answer' : 'head',
    })
    if (plan.kind === 'reply') return toResponse(exchange.reply(await withPageBody(plan)))
    if (plan.kind === 'call') return call(upstreamFetch, request, plan, exchange)
    const refusal =
      options.limiter && (await admitOrReply(options.limiter, plan.keyName, plan.corsHeaders, plan.logPath))
    if (refusal) return toResponse(exchange.reply(refusal))
    exchange.forwarding(plan)
    const inBand = options.inBandStreamErrors === true
    const choice = plan.choosePathByBody
    if (!choice) return forward(upstreamFetch, request, plan, exchange, undefined, inBand)
    if (!choosesByModel(choice)) {
      // Read whole (bounded): a model rule or a replay needs every byte before the first attempt.
      const body = await readBody(request, choice.maxBytes)
      if (body instanceof OxyError) return toEndingResponse(exchange.failed(body))
      exchange.bodyKept(body.byteLength, body)
      const chosen = choosePath(plan, body)
      if (chosen.kind === 'reply') return toResponse(exchange.reply(chosen))
      return forward(upstreamFetch, request, chosen, exchange, body, inBand)
    }
    // Read only until the model is known; the bytes read go on first, then the rest of the body.
    const read = await readUntilModel(request, choice)
    if (read instanceof OxyError) return toEndingResponse(exchange.failed(read))
    if (typeof read.chosen !== 'string') {
      if (read.body instanceof ReadableStream) discardRest(read.body.getReader())
      return toResponse(exchange.reply(read.chosen))
    }
    return forward(
      upstreamFetch,
      request,
      { ...plan, upstreamPath: read.chosen },
      exchange,
      read.body,
      inBand,
    )
  }

  return { fetch: handle }
}

/** Makes the request an UpstreamCall describes and answers from its (small) response. */
async function call(
  upstreamFetch: typeof fetch,
  request: Request,
  plan: UpstreamCall,
  exchange: Exchange,
): Promise<Response> {
  const abort = new AbortController()
  // The exchange keeps the reason: whatever the aborted fetch throws, its first failure wins.
  exchange.attempt({ stop: () => abort.abort() })
  // The client left before the answer: the call ends, nobody would read it.
  request.signal?.addEventListener('abort', () => exchange.clientClosed(), { once: true })
  try {
    const answer = await upstreamFetch(plan.upstream.origin + plan.upstreamPath, {
      method: 'POST',
      headers: toHeadersInit(plan.headers.filter(([name]) => !SET_BY_FETCH.has(name.toLowerCase()))),
      body: plan.body,
      // Never follow: the key and the question would go wherever the Location says.
      redirect: 'manual',
      signal: abort.signal,
    })
    exchange.upstreamResponded()
    // Capped: an answer that never ends would otherwise hold memory for as long as it runs.
    const text = await readCappedText(answer, MAX_ASK_ANSWER_BYTES, askAnswerTooLarge)
    return toResponse(exchange.reply(plan.toReply(answer.status, text)))
  } catch (caught) {
    return toEndingResponse(exchange.failed(caught))
  }
}
