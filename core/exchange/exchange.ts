import type { AccessLogEntry, HeaderList, LocalReply, OxyError, ProxyConfig } from '../policy'
import { bodyTooLarge, errorReply } from '../policy'
import type { RequestBody } from './retry'
import { keptOrStreamed, mayRetry } from './retry'
import type { Deadline, Timer } from './timeouts'
import { clientClosed, firstByteTimeout, idleTimeout, startTimer } from './timeouts'

/** How an exchange that failed ends for the client. */
export type Ending =
  /** Nothing reached the client yet: answer with this OpenAI-shaped error. */
  | { readonly kind: 'reply'; readonly error: OxyError; readonly reply: LocalReply }
  /** The response started: cut it abruptly, never end it cleanly (a truncated body must not look complete). */
  | { readonly kind: 'cut'; readonly error: OxyError }
  /** The client left: only the upstream is left to stop. */
  | { readonly kind: 'gone'; readonly error: OxyError }

/** The engine's side of one attempt: what the lifecycle's timers and limits call to stop it. */
export interface Carrier {
  /** Stop the upstream request and end the client's side as `ending` says. */
  stop(ending: Ending): void
}

export interface ExchangeOptions {
  readonly config: Pick<ProxyConfig, 'firstByteTimeoutMs' | 'idleTimeoutMs' | 'maxBodyBytes'>
  readonly method: string
  readonly logPath: string
  /** CORS headers for any reply the exchange makes, errors included. */
  readonly corsHeaders: HeaderList
  /** The engine's reading of what a failed upstream request threw. */
  readonly classify: (cause: unknown) => OxyError
  readonly onLog: ((entry: AccessLogEntry) => void) | undefined
  /** Milliseconds; performance.now where there is one. */
  readonly now: () => number
  /** What the first-byte deadline covers: `answer` when the whole answer is read before replying. */
  readonly deadline?: Deadline
}

const encoder = new TextEncoder()

/**
 * The life of one client request, the same on every engine: the engines carry bytes and report
 * what happens (head received, bytes passed, ended, failed, client closed); the exchange keeps
 * the timers, counts bytes, turns failures into replies and writes the one access-log entry.
 */
export interface Exchange {
  /** A head or byte of the response (or a reply) went to the client. */
  readonly responseStarted: boolean
  /** The request body was read whole before sending (to choose the path), or there is none (0). */
  bodyKept(byteLength: number): void
  /**
   * Counts request bytes as they stream to the upstream; past OXY_MAX_BODY_BYTES it fails the
   * exchange (413) through the carrier and returns the error.
   */
  requestBytes(count: number): OxyError | undefined
  /**
   * An attempt at the upstream starts. The first arms the first-byte deadline, which covers every
   * attempt: a retry never gives the client a longer wait.
   */
  attempt(carrier: Carrier): void
  /**
   * May this exchange be tried again, on the next candidate? Asked by an engine when an attempt
   * failed before a response head. There is one candidate today (the plan's upstream and key);
   * the gateway's key pool and fallback targets make `candidatesLeft` the untried ones.
   */
  mayRetry(): boolean
  /** The upstream's response head arrived (a call reads on to its end before answering). */
  upstreamResponded(): void
  /**
   * Event: the response head arrived and goes to the client with `status`. From here on nothing
   * may be retried. (Where the gateway will judge a head worth another key, before relaying it.)
   */
  headReceived(status: number): void
  /** The engine waits on the upstream for bytes: the idle timer runs (again) from now. */
  waitUpstream(): void
  /** The engine stopped waiting on the upstream (the client has not asked for more). */
  restUpstream(): void
  /**
   * Event: response bytes passed to the client. `chunk` is looked at, never changed or kept:
   * this is where a usage scanner reads the stream as it passes.
   */
  bytesPassed(chunk: Uint8Array): void
  /** Event: the response ended cleanly. */
  ended(): void
  /**
   * Event: the attempt failed. The first failure wins (a timer's, over the abort it caused).
   * Says how the client's side ends: a reply while nothing was sent, else a cut.
   */
  failed(cause: unknown): Ending
  /** Event: the client went away before the response ended. The upstream is stopped. */
  clientClosed(): void
  /** A reply the proxy made (no upstream, or a call's answer) goes to the client. */
  reply(local: LocalReply): LocalReply
}

/** What an exchange knows about itself; one object, so that the helpers below need no closures. */
interface ExchangeState {
  readonly options: ExchangeOptions
  readonly startedAt: number
  carrier: Carrier | undefined
  firstByteTimer: Timer | undefined
  idleTimer: Timer | undefined
  attempts: number
  body: RequestBody
  status: number
  upstreamMs: number | undefined
  bytesIn: number
  bytesOut: number
  responseStarted: boolean
  failure: OxyError | undefined
  settled: boolean
}

export function createExchange(options: ExchangeOptions): Exchange {
  const { config, now } = options
  const state: ExchangeState = {
    options,
    startedAt: now(),
    carrier: undefined,
    firstByteTimer: undefined,
    idleTimer: undefined,
    attempts: 0,
    body: 'streamed',
    status: 0,
    upstreamMs: undefined,
    bytesIn: 0,
    bytesOut: 0,
    responseStarted: false,
    failure: undefined,
    settled: false,
  }
  const stop = (error: OxyError) => state.carrier?.stop(exchange.failed(error))

  const exchange: Exchange = {
    get responseStarted() {
      return state.responseStarted
    },
    bodyKept(byteLength) {
      state.bytesIn = byteLength
      state.body = keptOrStreamed(byteLength)
    },
    requestBytes(count) {
      state.bytesIn += count
      const limit = config.maxBodyBytes
      if (limit === undefined || state.bytesIn <= limit) return undefined
      const error = bodyTooLarge(limit)
      stop(error)
      return error
    },
    attempt(carrier) {
      state.carrier = carrier
      if (state.attempts++ > 0) return
      const ms = config.firstByteTimeoutMs
      state.firstByteTimer = startTimer(ms, () => stop(firstByteTimeout(ms, options.deadline ?? 'head')))
    },
    mayRetry: () =>
      !state.failure &&
      mayRetry({ responseStarted: state.responseStarted, body: state.body, candidatesLeft: 0 }),
    upstreamResponded() {
      state.upstreamMs = now() - state.startedAt
      if (options.deadline === 'answer') return
      clearTimeout(state.firstByteTimer)
      state.firstByteTimer = undefined
    },
    headReceived(status) {
      exchange.upstreamResponded()
      state.status = status
      state.responseStarted = true
    },
    waitUpstream() {
      if (state.settled) return
      const ms = config.idleTimeoutMs
      if (state.idleTimer) state.idleTimer.refresh()
      else state.idleTimer = startTimer(ms, () => stop(idleTimeout(ms)))
    },
    restUpstream() {
      clearTimeout(state.idleTimer)
      state.idleTimer = undefined
    },
    bytesPassed(chunk) {
      state.bytesOut += chunk.byteLength
      state.idleTimer?.refresh()
    },
    ended: () => settle(state, undefined),
    failed(cause) {
      state.failure ??= options.classify(cause)
      const error = state.failure
      if (state.responseStarted) {
        settle(state, error.code)
        return { kind: 'cut', error }
      }
      const reply = errorReply(error, options.corsHeaders, options.logPath)
      if (!state.settled) state.status = reply.status
      settle(state, error.code)
      return { kind: 'reply', error, reply }
    },
    clientClosed() {
      if (state.settled) return
      settle(state, 'client_closed')
      state.carrier?.stop({ kind: 'gone', error: clientClosed() })
    },
    reply(local) {
      state.status = local.status
      state.responseStarted = true
      state.bytesOut = encoder.encode(local.body).byteLength
      settle(state, undefined)
      return local
    },
  }
  return exchange
}

/** Ends the exchange's timers and writes its one access-log entry, once. */
function settle(state: ExchangeState, error: AccessLogEntry['error']): void {
  clearTimeout(state.firstByteTimer)
  clearTimeout(state.idleTimer)
  // refresh() would start a cleared timer again.
  state.firstByteTimer = state.idleTimer = undefined
  if (state.settled) return
  state.settled = true
  const { options } = state
  options.onLog?.({
    method: options.method,
    path: options.logPath,
    status: state.status,
    upstreamMs: state.upstreamMs,
    totalMs: options.now() - state.startedAt,
    bytesIn: state.bytesIn,
    bytesOut: state.bytesOut,
    error,
  })
}
