import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import type { Ending, Exchange } from '../../exchange'
import { choosePath, createExchange } from '../../exchange'
import { admitOrReply } from '../../limits/limit-exchange'
import type { Limiter } from '../../limits/limiter'
import type { AccessLogEntry, ForwardPlan, LocalReply, ProxyConfig, RequestPlan } from '../../policy'
import { choosesByModel, fromRawHeaders, OxyError, planRequest } from '../../policy'
import { withPageBody } from '../with-page-body'
import { classifyNodeUpstreamError } from './classify-error'
import { hasOneHost, readBody } from './client-request'
import { isClosingInStages } from './close-in-stages'
import { monotonicMs } from './monotonic-ms'
import { callUpstream } from './node-call'
import type { ForwardContext } from './node-forward'
import { forward } from './node-forward'
import { readUntilModel } from './read-until-model'
import { createBufferReclaimer } from './reclaim-buffers'
import { sendReply } from './send-reply'
import type { ServedRequest, ServedResponse } from './served'
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
   * OpenAI's shape. For real HTTP servers; a request made from a Lambda event may have none.
   */
  readonly requireHost?: boolean
  /**
   * WebSocket passthrough, for adapters with a real server to upgrade on. Passed in rather
   * than imported so that a bundle that cannot upgrade (Lambda) does not carry the code.
   */
  readonly upgrades?: UpgradeHandlerFactory
  /** Per-key limits (docs/limits.md): asked before anything goes upstream. */
  readonly limiter?: Limiter | undefined
}

export interface NodeProxy {
  /** A node:http request listener; it also serves an adapter's own request and response (served.ts). */
  readonly handle: (req: ServedRequest, res: ServedResponse) => void
  /** A node:http 'upgrade' listener when `upgrades` was given: WebSocket passthrough. */
  readonly upgrade: ((req: IncomingMessage, socket: Duplex, head: Buffer) => void) | undefined
  /** Closes the upstream keep-alive sockets. */
  close(): void
}

const now = monotonicMs

/**
 * The node:http engine: pipes bytes between client and upstream with backpressure, never
 * buffering a body, and obeys the core policy and the exchange lifecycle for everything else.
 * No runtime dependency.
 */
export function createNodeProxy(config: ProxyConfig, options: NodeProxyOptions = {}): NodeProxy {
  const routes = createUpstreamRoutes(config.outboundProxy, config.connectTimeoutMs)
  const log = options.onLog
  const context: ForwardContext = { routes, reclaim: createBufferReclaimer() }

  function handle(req: ServedRequest, res: ServedResponse): void {
    // RFC 9112 section 9.6: after a reply that closes the connection, no further request is served.
    if (isClosingInStages(req.socket)) return
    const method = req.method ?? 'GET'
    const headers = fromRawHeaders(req.rawHeaders)
    const plan = planRequest({ method, target: req.url ?? '', headers }, config)
    const exchange = newExchange(plan, method)
    if (plan.kind === 'reply') {
      if (!plan.page) reply(req, res, exchange.reply(plan))
      else
        withPageBody(plan).then(
          (page) => reply(req, res, exchange.reply(page)),
          (error: unknown) => refuse(req, res, exchange.failed(error)),
        )
    } else if (options.requireHost && (req.httpVersionMajor < 1 || !hasOneHost(req))) {
      // llhttp reads a request line without a version as HTTP/0.9, which has no headers at all.
      const error = new OxyError(
        'invalid_request',
        req.httpVersionMajor < 1
          ? 'The request line has no HTTP version (HTTP/0.9 is not accepted).'
          : 'An HTTP/1.1 request needs exactly one Host header.',
      )
      refuse(req, res, exchange.failed(error))
    } else if (plan.kind === 'call') {
      req.resume()
      // The client left before the answer: the call ends, nobody would read it.
      res.once('close', () => {
        if (!res.writableFinished) exchange.clientClosed()
      })
      callUpstream(routes, plan, exchange, (local) => reply(req, res, local))
    } else {
      whenAdmitted(options.limiter, plan, req, res, exchange, () => {
        exchange.forwarding(plan)
        const choice = plan.choosePathByBody
        // A body read only for a replay streams to the first attempt at once and is kept as it goes.
        if (choice && !choice.replayOnly) forwardByBody(req, res, plan, exchange)
        else forward(context, req, res, plan, exchange, undefined, false, choice !== undefined)
      })
    }
  }

  /** Reads the body first when it chooses the upstream path, then sends the same bytes on. */
  function forwardByBody(
    req: ServedRequest,
    res: ServedResponse,
    plan: ForwardPlan,
    exchange: Exchange,
  ): void {
    const choice = plan.choosePathByBody
    if (!choice) return
    if (!choosesByModel(choice)) {
      // Read whole (bounded): a model rule or a replay needs every byte before the first attempt.
      readBody(
        req,
        choice.maxBytes,
        (body) => {
          exchange.bodyKept(body.byteLength, body)
          const chosen = choosePath(plan, body)
          if (chosen.kind === 'reply') reply(req, res, exchange.reply(chosen))
          else forward(context, req, res, chosen, exchange, body)
        },
        (error) => refuse(req, res, exchange.failed(error)),
      )
      return
    }
    // Read only until the model is known; the bytes read go on first, then the rest of the body.
    readUntilModel(req, choice).then(
      ({ chosen, prefix, ended }) => {
        if (typeof chosen !== 'string') reply(req, res, exchange.reply(chosen), !ended)
        else forward(context, req, res, { ...plan, upstreamPath: chosen }, exchange, prefix, !ended)
      },
      (error: unknown) => refuse(req, res, exchange.failed(error)),
    )
  }

  function newExchange(plan: RequestPlan, method: string): Exchange {
    return createExchange({
      config,
      method,
      logPath: plan.logPath,
      corsHeaders: plan.kind === 'reply' ? [] : plan.corsHeaders,
      classify: classifyNodeUpstreamError,
      onLog: log,
      limiter: options.limiter,
      now,
      deadline: plan.kind === 'call' ? 'answer' : 'head',
    })
  }

  return {
    handle,
    upgrade: options.upgrades?.(config, routes, log),
    close: () => routes.destroy(),
  }
}

/** Sends a reply the proxy made; whatever body came with the request is discarded. */
function reply(req: ServedRequest, res: ServedResponse, local: LocalReply, closeConnection = false): void {
  sendReply(res, local, closeConnection)
  req.resume()
}

/** Refuses a request whose body may still be arriving: the connection closes after the reply. */
function refuse(req: ServedRequest, res: ServedResponse, ending: Ending): void {
  if (ending.kind === 'reply') reply(req, res, ending.reply, true)
  else if (ending.kind === 'cut') res.destroy()
}

/**
 * Runs `go` at once without limits; with them, once the store admits the request, else answers
 * with the 429. The body waits in the socket (the request is not read yet) while the store answers.
 */
function whenAdmitted(
  limiter: Limiter | undefined,
  plan: ForwardPlan,
  req: ServedRequest,
  res: ServedResponse,
  exchange: Exchange,
  go: () => void,
): void {
  if (!limiter) {
    go()
    return
  }
  const decide = (refusal: LocalReply | undefined) =>
    refusal ? reply(req, res, exchange.reply(refusal)) : go()
  const fail = (error: unknown) => refuse(req, res, exchange.failed(error))
  let admission: ReturnType<typeof admitOrReply>
  try {
    admission = admitOrReply(limiter, plan.keyName, plan.corsHeaders, plan.logPath)
  } catch (error) {
    // Thrown here, not rejected: a limiter answering at once fails at once.
    fail(error)
    return
  }
  if (admission instanceof Promise) admission.then(decide, fail)
  else decide(admission)
}
