import type {
  Attempt,
  AttemptFailure,
  AttemptQueue,
  AttemptRequest,
  ForwardPlan,
  HeaderList,
  OxyError,
} from '../policy'
import { isRetryableStatus, needsErrorBody, poolFor, toAttemptRequest } from '../policy'

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
  readonly #queue: AttemptQueue
  #current: Attempt | undefined

  /**
   * The attempts for a plan, or none when its route has one target and at most one key: then
   * there is nothing to fail over to, and a plain pass-through pays nothing for the gateway.
   */
  static forPlan(plan: ForwardPlan, deadline: number | undefined): Failover | undefined {
    const pool = plan.route && poolFor(plan.route)
    return pool?.canFail ? new Failover(pool.startRequest(Date.now(), deadline)) : undefined
  }

  private constructor(queue: AttemptQueue) {
    this.#queue = queue
    this.#current = queue.next(Date.now())
  }

  /** What the current attempt sends: its target, path and key, from the plan as finally chosen. */
  request(plan: ForwardPlan): AttemptRequest {
    const { route } = plan
    if (!route || !this.#current) return plan
    return toAttemptRequest(route, plan, this.#current)
  }

  hasMore(): boolean {
    return this.#queue.hasMore(Date.now())
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
    const current = this.#current
    if (!current) return false
    if (!this.#queue.fail(current, failure, Date.now()) || !replayable) return false
    const next = this.#queue.next(Date.now())
    if (!next) return false
    this.#current = next
    return true
  }

  #succeed(): void {
    if (this.#current) this.#queue.succeed(this.#current)
  }
}
