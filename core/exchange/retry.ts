import { MAX_REPLAY_BODY_BYTES } from '../policy'

/** The replay cap lives with the failover policy (core/policy/failover-pool.ts). */
export { MAX_REPLAY_BODY_BYTES }

/** How the request body travels, which decides whether it can be sent byte-identical again. */
export type RequestBody =
  /** No body: nothing to replay. */
  | 'none'
  /** Read whole before sending, and small enough to keep (MAX_REPLAY_BODY_BYTES). */
  | 'kept'
  /**
   * Small, streaming to the first attempt and kept as it arrives: it can be sent again once its
   * last byte is in, so another attempt asked for before then waits for it.
   */
  | 'keeping'
  /** Streamed to the upstream as it arrives, or too large to keep: it can go out once only. */
  | 'streamed'

export interface RetryState {
  /** A response head or byte reached the client: from then on the exchange is the client's. */
  readonly responseStarted: boolean
  readonly body: RequestBody
  /** Upstream candidates (key, target) not tried yet. */
  readonly candidatesLeft: number
}

/**
 * The one answer to "may this exchange be tried again?": only before anything reached the
 * client, only with a body that can be sent again byte-identical, and only with a candidate left.
 */
export function mayRetry(state: RetryState): boolean {
  return !state.responseStarted && state.body !== 'streamed' && state.candidatesLeft > 0
}

/** How a body read whole travels: kept when small enough to send again. */
export function keptOrStreamed(byteLength: number): RequestBody {
  return byteLength <= MAX_REPLAY_BODY_BYTES ? 'kept' : 'streamed'
}
