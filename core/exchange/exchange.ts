import { recordUsage } from '../limits/limit-exchange'
import type { Limiter } from '../limits/limiter'
import type {
  AccessLogEntry,
  AttemptRequest,
  DecodeBody,
  ForwardPlan,
  HeaderList,
  LocalReply,
  OxyError,
  ProxyConfig,
} from '../policy'
import { bodyTooLarge, errorReply } from '../policy'
import { withGateway } from './failover'
import type { RequestBody } from './retry'
import { keptOrStreamed, mayRetry } from './retry'
import { Tally } from './tally'
import type { Deadline, Timer } from './timeouts'
import { firstByteTimeout, idleTimeout, startTimer } from './timeouts'

/** How an exchange that failed ends for the client. */
export type Ending =
  /** Nothing reached the client yet: answer with this OpenAI-shaped error. */
  | { readonly kind: 'reply'; readonly error: OxyError; readonly reply: LocalReply }
  /** The response started: cut it abruptly, never end it cleanly (a truncated body must not look complete). */
  | { readonly kind: 'cut'; readonly error: OxyError }

/** What a carrier is told: end the client's side as a failure says, or (the client left) nothing more. */
export type Stop = Ending | { readonly kind: 'gone' }

/** The engine's side of one attempt: what the lifecycle's timers and limits call to stop it. */
export interface Carrier {
  /** Stop the upstream request, and end the client's side as `how` says. */
  stop(how: Stop): void
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
  /** Per-key limits: the exchange's tokens are added when it ends (docs/limits.md). */
  readonly limiter?: Limiter | undefined
}

const encoder = new TextEncoder()

/**
 * The life of one client request, the same on every engine: the engines carry bytes and report
 * what happens (head received, bytes passed, ended, failed, client closed); the exchange keeps
 * the timers, counts bytes, turns failures into replies and writes the one access-log entry.
 */
export interface Exchange {
  /**
   * A head or byte of the response (or a reply) went to the client. A method, not a getter: a
   * getter in an object literal gives every exchange its own hidden class, made in old space,
   * which held the whole request alive through young collections (docs/benchmarks.md).
   */
  hasResponseStarted(): boolean
  /** The request body was read whole before sending (to choose the path), or there is none (0). */
  bodyKept(byteLength: number, body?: Uint8Array): void
  /**
   * Counts request bytes as they stream to the upstream; past OXY_MAX_BODY_BYTES it fails the
   * exchange (413) through the carrier and returns the error.
   */
  requestBytes(count: number, chunk?: Uint8Array): OxyError | undefined
  /**
   * The request goes upstream as `plan` says: its key's name and model go to the log, and its
   * route's keys and targets give the attempts (core/exchange/failover.ts).
   */
  forwarding(plan: ForwardPlan): void
  /** What the current attempt sends (another key or target after a failover). */
  attemptRequest(plan: ForwardPlan): AttemptRequest
  /** Read this head's error body (bounded) and pass it to judgeHead before relaying anything. */
  wantsErrorBody(status: number): boolean
  /**
   * Judges an upstream head before it goes to the client: true when the next attempt should be
   * made instead (this answer is dropped), false when it goes to the client.
   */
  judgeHead(status: number, headers: HeaderList, errorBody?: string): boolean
  /** Judges a failure before any head: true when the next attempt should be made. */
  judgeError(cause: unknown): boolean
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
   * Event: the upstream's response head arrived and goes to the client. From here on nothing may
   * be retried. (Where the gateway will judge a head worth another key, before relaying it: a 429
   * and its Retry-After are in `status` and `headers`.)
   */
  headReceived(status: number, headers: HeaderList, decode?: DecodeBody): void
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

/** What the access log reports of an exchange besides its request line. */
type Counts = Pick<AccessLogEntry, 'status' | 'upstreamMs' | 'bytesIn' | 'bytesOut'>
type Mutable<T> = { -readonly [K in keyof T]: T[K] }

/** The exchange with the gateway on top: who asked and what it cost, and failover between keys. */
export function createExchange(options: ExchangeOptions): Exchange {
  const tally = new Tally()
  const { onLog: log, limiter } = options
  const onLog =
    (log || limiter) &&
    ((entry: AccessLogEntry) => {
      const full = { ...entry, ...tally.fields() }
      if (limiter) recordUsage(limiter, full)
      log?.(full)
    })
  return withGateway(createLifecycle({ ...options, onLog }), options, tally)
}

/** The exchange's methods the gateway adds (core/exchange/failover.ts). */
export type GatewayMethod = 'forwarding' | 'attemptRequest' | 'wantsErrorBody' | 'judgeHead' | 'judgeError'
export type Lifecycle = Omit<Exchange, GatewayMethod>

/** The lifecycle itself; the gateway methods are added by withGateway. */
function createLifecycle(options: ExchangeOptions): Lifecycle {
  const { config, now } = options
  const startedAt = now()
  const counts: Mutable<Counts> = { status: 0, upstreamMs: undefined, bytesIn: 0, bytesOut: 0 }
  let carrier: Carrier | undefined
  let firstByteTimer: Timer | undefined
  let idleTimer: Timer | undefined
  let body: RequestBody = 'streamed'
  let responseStarted = false
  let failure: OxyError | undefined
  let settled = false
  /** Ends the timers and writes the exchange's one access-log entry, once. */
  const settle = (error: AccessLogEntry['error']) => {
    clearTimeout(firstByteTimer)
    clearTimeout(idleTimer)
    // refresh() would start a cleared timer again.
    firstByteTimer = idleTimer = undefined
    if (settled) return
    settled = true
    options.onLog?.(toLogEntry(options, counts, now() - startedAt, error))
  }
  const stop = (error: OxyError) => carrier?.stop(exchange.failed(error))

  const exchange: Lifecycle = {
    hasResponseStarted: () => responseStarted,
    bodyKept(byteLength) {
      counts.bytesIn = byteLength
      body = keptOrStreamed(byteLength)
    },
    requestBytes(count) {
      counts.bytesIn += count
      const limit = config.maxBodyBytes
      if (limit === undefined || counts.bytesIn <= limit) return undefined
      const error = bodyTooLarge(limit)
      stop(error)
      return error
    },
    attempt(next) {
      const retry = carrier !== undefined
      carrier = next
      if (retry) return
      const ms = config.firstByteTimeoutMs
      firstByteTimer = startTimer(ms, () => stop(firstByteTimeout(ms)))
    },
    mayRetry: () => !failure && mayRetry({ responseStarted, body, candidatesLeft: 0 }),
    upstreamResponded() {
      counts.upstreamMs = now() - startedAt
      if (options.deadline === 'answer') return
      clearTimeout(firstByteTimer)
      firstByteTimer = undefined
    },
    headReceived(status, _headers) {
      exchange.upstreamResponded()
      counts.status = status
      responseStarted = true
    },
    waitUpstream() {
      if (settled) return
      const ms = config.idleTimeoutMs
      if (idleTimer) idleTimer.refresh()
      else idleTimer = startTimer(ms, () => stop(idleTimeout(ms)))
    },
    restUpstream() {
      clearTimeout(idleTimer)
      idleTimer = undefined
    },
    bytesPassed(chunk) {
      counts.bytesOut += chunk.byteLength
      idleTimer?.refresh()
    },
    ended: () => settle(undefined),
    failed(cause) {
      failure ??= options.classify(cause)
      const error = failure
      if (responseStarted) {
        settle(error.code)
        return { kind: 'cut', error }
      }
      const reply = errorReply(error, options.corsHeaders, options.logPath)
      if (!settled) counts.status = reply.status
      settle(error.code)
      return { kind: 'reply', error, reply }
    },
    clientClosed() {
      if (settled) return
      settle('client_closed')
      carrier?.stop({ kind: 'gone' })
    },
    reply(local) {
      counts.status = local.status
      counts.bytesOut = encoder.encode(local.body).byteLength
      responseStarted = true
      settle(undefined)
      return local
    },
  }
  return exchange
}

/**
 * The exchange's access-log entry, built here only. (The gateway's `key`, `model` and token
 * counts join it here, as fields of AccessLogEntry.)
 */
function toLogEntry(
  options: ExchangeOptions,
  counts: Counts,
  totalMs: number,
  error: AccessLogEntry['error'],
): AccessLogEntry {
  return { method: options.method, path: options.logPath, ...counts, totalMs, error }
}
