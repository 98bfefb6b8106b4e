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
import type { Carrier, Ending } from './ending'
import { Failover } from './failover'
import type { RequestBody } from './retry'
import { keptOrStreamed, mayRetry } from './retry'
import { Tally } from './tally'
import type { Deadline, Timer } from './timeouts'
import { firstByteTimeout, idleTimeout, startTimer } from './timeouts'

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
  /**
   * The request body was read whole before sending (to choose the path), or there is none (0), or
   * (after bodyKeeping) its last byte arrived.
   */
  bodyKept(byteLength: number, body?: Uint8Array): void
  /**
   * The body streams to the first attempt and is kept as it arrives, for another attempt; until
   * bodyKept, such an attempt waits for it (the engine's part).
   */
  bodyKeeping(): void
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
  /**
   * Whether heads are judged at all (the gateway can fail over this request): when not, an engine
   * relays what comes without putting the judgement in front of it.
   */
  judgesHeads(): boolean
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

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

/** The exchange with the gateway in it: who asked and what it cost, and failover between keys. */
export function createExchange(options: ExchangeOptions): Exchange {
  return new LiveExchange(options)
}

/**
 * One object per request, its methods on the prototype: an exchange is made for every request,
 * so it allocates little and stays a plain object V8 collects young (docs/benchmarks.md,
 * "Regression (2026-12-02)": closures and a getter per exchange once halved throughput).
 */
class LiveExchange implements Exchange {
  readonly #options: ExchangeOptions
  readonly #startedAt: number
  /** Who asked and what it cost: read only when a log line or a limit will use it. */
  readonly #tally: Tally | undefined
  #status = 0
  #upstreamMs: number | undefined
  #bytesIn = 0
  #bytesOut = 0
  #carrier: Carrier | undefined
  #firstByteTimer: Timer | undefined
  #idleTimer: Timer | undefined
  #body: RequestBody | undefined
  #responseStarted = false
  #failure: OxyError | undefined
  #settled = false
  /** The gateway's attempts (keys, targets); none while the request is not forwarded. */
  #failover: Failover | undefined

  constructor(options: ExchangeOptions) {
    this.#options = options
    this.#startedAt = options.now()
    this.#tally = options.onLog || options.limiter ? new Tally() : undefined
  }

  hasResponseStarted(): boolean {
    return this.#responseStarted
  }

  bodyKept(byteLength: number, body?: Uint8Array): void {
    // Reported once: an engine that read the body to choose its path has already told.
    if (this.#body !== undefined && this.#body !== 'keeping') return
    this.#bytesIn = byteLength
    this.#body = keptOrStreamed(byteLength)
    if (body) this.#tally?.requestChunk(body)
  }

  bodyKeeping(): void {
    this.#body ??= 'keeping'
  }

  requestBytes(count: number, chunk?: Uint8Array): OxyError | undefined {
    if (chunk) this.#tally?.requestChunk(chunk)
    this.#bytesIn += count
    const limit = this.#options.config.maxBodyBytes
    if (limit === undefined || this.#bytesIn <= limit) return undefined
    const error = bodyTooLarge(limit)
    this.#stop(error)
    return error
  }

  forwarding(plan: ForwardPlan): void {
    this.#tally?.forwarding(plan)
    const ms = this.#options.config.firstByteTimeoutMs
    this.#failover = Failover.forPlan(plan, ms > 0 ? Date.now() + ms : undefined)
  }

  attemptRequest(plan: ForwardPlan): AttemptRequest {
    return this.#failover?.request(plan) ?? plan
  }

  judgesHeads(): boolean {
    return this.#failover !== undefined
  }

  wantsErrorBody(status: number): boolean {
    // The status first: nearly every answer is a 200, settled without asking the pool (a clock
    // read and a walk of its attempts).
    return (this.#failover?.wantsErrorBody(status) ?? false) && this.mayRetry()
  }

  judgeHead(status: number, headers: HeaderList, errorBody?: string): boolean {
    return this.#judging()?.judgeHead(status, headers, errorBody, this.#replayable()) ?? false
  }

  judgeError(cause: unknown): boolean {
    const failover = this.#judging()
    return failover?.judgeError(this.#options.classify(cause), this.#replayable()) ?? false
  }

  attempt(carrier: Carrier): void {
    const retry = this.#carrier !== undefined
    this.#carrier = carrier
    if (retry) return
    const ms = this.#options.config.firstByteTimeoutMs
    this.#firstByteTimer = startTimer(ms, () => this.#stop(firstByteTimeout(ms)))
  }

  mayRetry(): boolean {
    const candidatesLeft = this.#failover?.hasMore() ? 1 : 0
    const body = this.#body ?? 'streamed'
    return !this.#failure && mayRetry({ responseStarted: this.#responseStarted, body, candidatesLeft })
  }

  upstreamResponded(): void {
    this.#upstreamMs = this.#options.now() - this.#startedAt
    if (this.#options.deadline === 'answer') return
    clearTimeout(this.#firstByteTimer)
    this.#firstByteTimer = undefined
  }

  headReceived(status: number, headers: HeaderList, decode?: DecodeBody): void {
    this.#tally?.responseHead(headers, decode)
    this.upstreamResponded()
    this.#status = status
    this.#responseStarted = true
  }

  waitUpstream(): void {
    if (this.#settled) return
    if (this.#idleTimer) {
      this.#idleTimer.refresh()
      return
    }
    const ms = this.#options.config.idleTimeoutMs
    this.#idleTimer = startTimer(ms, () => this.#stop(idleTimeout(ms)))
  }

  restUpstream(): void {
    clearTimeout(this.#idleTimer)
    this.#idleTimer = undefined
  }

  bytesPassed(chunk: Uint8Array): void {
    this.#tally?.responseChunk(chunk)
    this.#bytesOut += chunk.byteLength
    this.#idleTimer?.refresh()
  }

  ended(): void {
    this.#settle(undefined)
  }

  failed(cause: unknown): Ending {
    this.#failure ??= this.#options.classify(cause)
    const error = this.#failure
    if (this.#responseStarted) {
      this.#settle(error.code)
      return { kind: 'cut', error }
    }
    const reply = errorReply(error, this.#options.corsHeaders, this.#options.logPath)
    if (!this.#settled) this.#status = reply.status
    this.#settle(error.code)
    return { kind: 'reply', error, reply }
  }

  clientClosed(): void {
    if (this.#settled) return
    this.#settle('client_closed')
    this.#carrier?.stop({ kind: 'gone' })
  }

  reply(local: LocalReply): LocalReply {
    this.#status = local.status
    this.#bytesOut = encoder.encode(local.body).byteLength
    this.#responseStarted = true
    this.#settle(undefined)
    return local
  }

  /** The failover may judge while nothing failed and nothing reached the client. */
  #judging(): Failover | undefined {
    return this.#failure || this.#responseStarted ? undefined : this.#failover
  }

  /** The body can be sent again byte-identical: kept whole, or none. */
  #replayable(): boolean {
    return this.#body !== undefined && this.#body !== 'streamed'
  }

  #stop(error: OxyError): void {
    this.#carrier?.stop(this.failed(error))
  }

  /** Ends the timers and writes the exchange's one access-log entry, once. */
  #settle(error: AccessLogEntry['error']): void {
    clearTimeout(this.#firstByteTimer)
    clearTimeout(this.#idleTimer)
    // refresh() would start a cleared timer again.
    this.#firstByteTimer = this.#idleTimer = undefined
    if (this.#settled) return
    this.#settled = true
    const { onLog, limiter } = this.#options
    if (!onLog && !limiter) return
    const entry = this.#logEntry(error)
    if (limiter) recordUsage(limiter, entry)
    onLog?.(entry)
  }

  /** The exchange's access-log entry, built here only; the tally adds who asked and what it cost. */
  #logEntry(error: AccessLogEntry['error']): AccessLogEntry {
    const entry: Mutable<AccessLogEntry> = {
      method: this.#options.method,
      path: this.#options.logPath,
      status: this.#status,
      upstreamMs: this.#upstreamMs,
      bytesIn: this.#bytesIn,
      bytesOut: this.#bytesOut,
      totalMs: this.#options.now() - this.#startedAt,
      error,
    }
    this.#tally?.addTo(entry)
    return entry
  }
}
