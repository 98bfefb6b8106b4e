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
export class Exchange {
  readonly #options: ExchangeOptions
  readonly #startedAt: number
  #carrier: Carrier | undefined
  #firstByteTimer: Timer | undefined
  #idleTimer: Timer | undefined
  #attempts = 0
  #body: RequestBody = 'streamed'
  #status = 0
  #upstreamMs: number | undefined
  #bytesIn = 0
  #bytesOut = 0
  #responseStarted = false
  #failure: OxyError | undefined
  #settled = false

  constructor(options: ExchangeOptions) {
    this.#options = options
    this.#startedAt = options.now()
  }

  /** A head or byte of the response (or a reply) went to the client. */
  get responseStarted(): boolean {
    return this.#responseStarted
  }

  /** The first failure, which wins over whatever the engine sees after it stopped the upstream. */
  get failure(): OxyError | undefined {
    return this.#failure
  }

  /** The request had no body. */
  noBody(): void {
    this.#body = 'none'
  }

  /** The request body was read whole before sending (to choose the path). */
  bodyRead(body: Uint8Array): void {
    this.#bytesIn = body.byteLength
    this.#body = keptOrStreamed(body.byteLength)
  }

  /**
   * Counts request bytes as they stream to the upstream; past OXY_MAX_BODY_BYTES it fails the
   * exchange (413) through the carrier and returns the error.
   */
  requestBytes(count: number): OxyError | undefined {
    this.#bytesIn += count
    const limit = this.#options.config.maxBodyBytes
    if (limit === undefined || this.#bytesIn <= limit) return undefined
    const error = bodyTooLarge(limit)
    this.#stop(error)
    return error
  }

  /**
   * An attempt at the upstream starts. The first arms the first-byte deadline, which covers every
   * attempt: a retry never gives the client a longer wait.
   */
  attempt(carrier: Carrier): void {
    this.#carrier = carrier
    this.#attempts++
    if (this.#attempts > 1) return
    const { firstByteTimeoutMs } = this.#options.config
    const deadline = this.#options.deadline ?? 'head'
    this.#firstByteTimer = startTimer(firstByteTimeoutMs, () =>
      this.#stop(firstByteTimeout(firstByteTimeoutMs, deadline)),
    )
  }

  /**
   * May this exchange be tried again, on the next candidate? Asked by an engine when an attempt
   * failed before a response head. There is one candidate today (the plan's upstream and key);
   * the gateway's key pool and fallback targets make `candidatesLeft` the untried ones.
   */
  mayRetry(): boolean {
    return mayRetry({ responseStarted: this.#responseStarted, body: this.#body, candidatesLeft: 0 })
  }

  /** The upstream's response head arrived (a call reads on to its end before answering). */
  upstreamResponded(): void {
    this.#upstreamMs = this.#options.now() - this.#startedAt
    if (this.#options.deadline === 'answer') return
    clearTimeout(this.#firstByteTimer)
    this.#firstByteTimer = undefined
  }

  /**
   * Event: the response head arrived and goes to the client with `status`. From here on nothing
   * may be retried. (Where the gateway will judge a head worth another key, before relaying it.)
   */
  headReceived(status: number): void {
    this.upstreamResponded()
    this.#status = status
    this.#responseStarted = true
  }

  /** The engine waits on the upstream for bytes: the idle timer runs (again) from now. */
  waitUpstream(): void {
    if (this.#settled) return
    const { idleTimeoutMs } = this.#options.config
    if (this.#idleTimer) this.#idleTimer.refresh()
    else this.#idleTimer = startTimer(idleTimeoutMs, () => this.#stop(idleTimeout(idleTimeoutMs)))
  }

  /** The engine stopped waiting on the upstream (the client has not asked for more). */
  restUpstream(): void {
    clearTimeout(this.#idleTimer)
    this.#idleTimer = undefined
  }

  /**
   * Event: response bytes passed to the client. `chunk` is looked at, never changed or kept:
   * this is where a usage scanner reads the stream as it passes.
   */
  bytesPassed(chunk: Uint8Array): void {
    this.#bytesOut += chunk.byteLength
    this.#idleTimer?.refresh()
  }

  /** Event: the response ended cleanly. */
  ended(): void {
    this.#clearTimers()
    this.#settle(undefined)
  }

  /**
   * Event: the attempt failed. The first failure wins (a timer's, over the abort it caused).
   * Says how the client's side ends: a reply while nothing was sent, else a cut.
   */
  failed(cause: unknown): Ending {
    this.#failure ??= this.#options.classify(cause)
    this.#clearTimers()
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

  /** Event: the client went away before the response ended. The upstream is stopped. */
  clientClosed(): void {
    if (this.#settled) return
    this.#clearTimers()
    this.#settle('client_closed')
    this.#carrier?.stop({ kind: 'gone', error: clientClosed() })
  }

  /** A reply the proxy made (no upstream, or a call's answer) goes to the client. */
  reply(local: LocalReply): LocalReply {
    this.#clearTimers()
    this.#status = local.status
    this.#responseStarted = true
    this.#bytesOut = encoder.encode(local.body).byteLength
    this.#settle(undefined)
    return local
  }

  #stop(error: OxyError): void {
    const ending = this.failed(error)
    this.#carrier?.stop(ending)
  }

  #clearTimers(): void {
    clearTimeout(this.#firstByteTimer)
    clearTimeout(this.#idleTimer)
    // refresh() would start a cleared timer again.
    this.#firstByteTimer = undefined
    this.#idleTimer = undefined
  }

  /** The one access-log entry of the exchange, written once. */
  #settle(error: AccessLogEntry['error']): void {
    if (this.#settled) return
    this.#settled = true
    this.#options.onLog?.({
      method: this.#options.method,
      path: this.#options.logPath,
      status: this.#status,
      upstreamMs: this.#upstreamMs,
      totalMs: this.#options.now() - this.#startedAt,
      bytesIn: this.#bytesIn,
      bytesOut: this.#bytesOut,
      error,
    })
  }
}
