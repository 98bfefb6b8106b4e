import type {
  Attempt,
  AttemptFailure,
  AttemptQueue,
  AttemptRequest,
  DecodeBody,
  ForwardPlan,
  HeaderList,
  OxyError,
} from '../policy'
import { isRetryableStatus, needsErrorBody, poolFor, toAttemptRequest } from '../policy'
import type { Exchange, ExchangeOptions, Lifecycle } from './exchange'
import { keptOrStreamed } from './retry'
import type { Tally } from './tally'

/** Failures that mean the target could not be reached: it rests, the next target is tried. */
const UNREACHABLE: ReadonlySet<string> = new Set([
  'upstream_unreachable',
  'upstream_connect_timeout',
  'upstream_tls_error',
])
/** The connection broke before a response head: another attempt may do better. */
const BROKEN: ReadonlySet<string> = new Set(['upstream_reset', 'upstream_bad_response'])

/**
 * The attempts of one forwarded request: which key and target each uses, and after each failure,
 * whether another follows. Wraps the route's pool (core/policy/failover-pool.ts) with the plan.
 */
export class Failover {
  readonly #queue: AttemptQueue | undefined
  #current: Attempt | undefined

  constructor(plan: ForwardPlan, deadline: number | undefined) {
    const route = plan.route
    this.#queue = route ? poolFor(route).startRequest(Date.now(), deadline) : undefined
    this.#current = this.#queue?.next(Date.now())
  }

  /** What the current attempt sends: its target, path and key, from the plan as finally chosen. */
  request(plan: ForwardPlan): AttemptRequest {
    const { route } = plan
    if (!route || !this.#current) return plan
    return toAttemptRequest(route, plan, this.#current)
  }

  hasMore(): boolean {
    return this.#queue?.hasMore(Date.now()) ?? false
  }

  /** A head with this status would be judged by its error body before it goes to the client. */
  wantsErrorBody(status: number): boolean {
    return isRetryableStatus(status) && needsErrorBody(status) && this.hasMore()
  }

  /**
   * The current attempt's answer: rests what it says to rest, and moves on when `replayable`
   * and another attempt is left. False: this answer goes to the client.
   */
  judgeHead(status: number, headers: HeaderList, body: string | undefined, replayable: boolean): boolean {
    if (!isRetryableStatus(status)) {
      this.#succeed()
      return false
    }
    return this.#fail(
      { kind: 'answer', status, headers, ...(body === undefined ? {} : { body }) },
      replayable,
    )
  }

  /** The current attempt failed before a head with `error`; true when the next should be made. */
  judgeError(error: OxyError, replayable: boolean): boolean {
    if (UNREACHABLE.has(error.code)) return this.#fail({ kind: 'unreachable' }, replayable)
    if (BROKEN.has(error.code)) return this.#fail({ kind: 'reset' }, replayable)
    return false
  }

  #fail(failure: AttemptFailure, replayable: boolean): boolean {
    const queue = this.#queue
    const current = this.#current
    if (!queue || !current) return false
    if (!queue.fail(current, failure, Date.now()) || !replayable) return false
    const next = queue.next(Date.now())
    if (!next) return false
    this.#current = next
    return true
  }

  #succeed(): void {
    if (this.#queue && this.#current) this.#queue.succeed(this.#current)
  }
}

/**
 * Puts the gateway on an exchange: the tally sees the request and response bytes as they pass,
 * and the judgements decide failover while nothing failed, nothing reached the client and the
 * body can be sent again byte-identical.
 */
export function withGateway(
  exchange: Lifecycle,
  options: Pick<ExchangeOptions, 'config' | 'classify'>,
  tally: Tally,
): Exchange {
  const { bodyKept, requestBytes, headReceived, bytesPassed, failed } = exchange
  let failover: Failover | undefined
  let replayable = false
  let failedAlready = false
  const judging = () => (!failedAlready && !exchange.hasResponseStarted() ? failover : undefined)
  return Object.assign(exchange, {
    bodyKept(byteLength: number, body?: Uint8Array) {
      replayable = keptOrStreamed(byteLength) !== 'streamed'
      if (body) tally.requestChunk(body)
      bodyKept(byteLength)
    },
    requestBytes(count: number, chunk?: Uint8Array) {
      if (chunk) tally.requestChunk(chunk)
      return requestBytes(count)
    },
    headReceived(status: number, headers: HeaderList, decode?: DecodeBody) {
      tally.responseHead(headers, decode)
      headReceived(status, headers)
    },
    bytesPassed(chunk: Uint8Array) {
      tally.responseChunk(chunk)
      bytesPassed(chunk)
    },
    failed(cause: unknown) {
      failedAlready = true
      return failed(cause)
    },
    forwarding(plan: ForwardPlan) {
      tally.forwarding(plan)
      const ms = options.config.firstByteTimeoutMs
      failover = new Failover(plan, ms > 0 ? Date.now() + ms : undefined)
    },
    attemptRequest: (plan: ForwardPlan) => failover?.request(plan) ?? plan,
    mayRetry: () => replayable && (judging()?.hasMore() ?? false),
    wantsErrorBody: (status: number) => exchange.mayRetry() && (failover?.wantsErrorBody(status) ?? false),
    judgeHead: (status: number, headers: HeaderList, errorBody?: string) =>
      judging()?.judgeHead(status, headers, errorBody, replayable) ?? false,
    judgeError: (cause: unknown) => judging()?.judgeError(options.classify(cause), replayable) ?? false,
  })
}
