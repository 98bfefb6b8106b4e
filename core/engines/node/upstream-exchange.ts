import type { Socket } from 'node:net'
import type { HeaderList } from '../../policy'
import { formatRequestHead } from './request-head'
import type { ResponseHead } from './response-parser'
import { ResponseParseError } from './response-parser'
import type { ConnectionUser, UpstreamConnection, UpstreamPool } from './upstream-pool'

export interface UpstreamRequest {
  readonly method: string
  /** Origin-form (`/v1/models`), or absolute-form to a forward proxy. */
  readonly target: string
  /** The headers to send, in order, Host included. */
  readonly headers: HeaderList
  /** Frame what `write()` gets as chunked: the client's body came without a length. */
  readonly chunked?: boolean
  /**
   * Send it again on a new connection when a reused one proves dead before answering a byte
   * (the server closed it as it was picked). Only for idempotent requests without a body.
   */
  readonly retryIfStale?: boolean
  /** A WebSocket handshake: a 101 hands the socket over instead of parsing on. */
  readonly upgrade?: boolean
}

export interface UpstreamHandlers {
  onResponse(head: ResponseHead): void
  onData(chunk: Buffer): void
  onEnd(): void
  /** Once, for any failure before `onEnd`; nothing is called after it. */
  onError(error: unknown): void
  /** The request body may be written again after `write()` returned false. */
  onDrain?(): void
  onUpgrade?(head: ResponseHead, socket: Socket, rest: Buffer): void
}

const CRLF = '\r\n'
const LAST_CHUNK = '0\r\n\r\n'

/**
 * One request to the upstream and its response, over a pooled keep-alive connection: the
 * node engine's replacement for http.request() and its Agent, which cost most of a proxied
 * request's CPU. Request bytes go out as given (the head as latin1, so header bytes stay
 * exact); response bytes come back as they arrive.
 */
export class UpstreamExchange implements ConnectionUser {
  readonly retriable: boolean
  readonly #pool: UpstreamPool
  readonly #request: UpstreamRequest
  readonly #handlers: UpstreamHandlers
  readonly #head: string
  #connection: UpstreamConnection | undefined
  /** Body written before a connection was there. */
  #queued: Buffer[] = []
  #ended = false
  #headSent = false
  #requestWritten = false
  #settled = false
  #paused = false
  #retried = false
  #response: ResponseHead | undefined
  /** Handlers never run inside the constructor: the caller has not got the exchange yet. */
  #constructing = true

  /** Throws OxyError (invalid_request_target) for a method, target or header that would split the request. */
  constructor(pool: UpstreamPool, request: UpstreamRequest, handlers: UpstreamHandlers) {
    const headers = request.chunked
      ? [...request.headers, ['Transfer-Encoding', 'chunked'] as const]
      : request.headers
    this.#head = formatRequestHead(request.method, request.target, headers)
    this.#pool = pool
    this.#request = request
    this.#handlers = handlers
    this.retriable = request.retryIfStale === true
    pool.acquire(this.#attach)
    this.#constructing = false
  }

  get requestWritten(): boolean {
    return this.#requestWritten
  }

  /** Like a writable stream's: false means wait for `onDrain`. Ignored once the exchange is over. */
  write(chunk: Buffer): boolean {
    if (this.#settled || this.#ended) return true
    const connection = this.#connection
    if (!connection) {
      this.#queued.push(chunk)
      return false
    }
    const socket = connection.socket
    return this.#headSent ? this.#writeBody(socket, chunk) : this.#send(socket, [chunk], false)
  }

  end(chunk?: Buffer): void {
    if (chunk && chunk.length > 0) this.write(chunk)
    if (this.#ended) return
    this.#ended = true
    const socket = this.#connection?.socket
    if (socket && !this.#settled) this.#send(socket, [], true)
  }

  pause(): void {
    this.#paused = true
    this.#connection?.socket.pause()
  }

  resume(): void {
    this.#paused = false
    this.#connection?.socket.resume()
  }

  /** Gives up: the connection is closed (a half-done exchange cannot be reused); no handler runs. */
  abort(): void {
    if (this.#settled) return
    this.#settled = true
    this.#connection?.abandon()
    this.#connection = undefined
  }

  readonly #attach = (error: Error | null, connection?: UpstreamConnection): void => {
    if (this.#settled) {
      // Aborted while connecting: the new connection was never used, so it is still clean.
      if (connection) this.#pool.release(connection)
      return
    }
    if (error || !connection) {
      this.handleError(error)
      return
    }
    this.#connection = connection
    connection.assign(this, this.#request.method)
    const socket = connection.socket
    if (this.#paused) socket.pause()
    const queued = this.#queued
    this.#queued = []
    if (queued.length === 0 && !this.#ended) return
    if (this.#send(socket, queued, this.#ended) && queued.length > 0) this.#handlers.onDrain?.()
  }

  /**
   * Writes the head (once) with these body chunks and, if `end`, the body's end, corked into
   * one write, as node:http sends them: a request is then one segment and one system call.
   * Returns false when the socket wants a drain first.
   */
  #send(socket: Socket, chunks: readonly Buffer[], end: boolean): boolean {
    let ok = true
    socket.cork()
    if (!this.#headSent) {
      this.#headSent = true
      ok = socket.write(this.#head, 'latin1')
    }
    for (const chunk of chunks) ok = this.#writeBody(socket, chunk)
    if (end) this.#writeEnd(socket)
    socket.uncork()
    return ok
  }

  #writeBody(socket: Socket, chunk: Buffer): boolean {
    if (!this.#request.chunked) return socket.write(chunk)
    if (chunk.length === 0) return true
    socket.cork()
    socket.write(chunk.length.toString(16) + CRLF, 'latin1')
    socket.write(chunk)
    const ok = socket.write(CRLF, 'latin1')
    socket.uncork()
    return ok
  }

  #writeEnd(socket: Socket): void {
    if (this.#request.chunked) socket.write(LAST_CHUNK, 'latin1')
    this.#requestWritten = true
  }

  handleHead(head: ResponseHead): void {
    this.#response = head
    // A 101 is the handshake's answer, handed over in handleSwitch, not a response to pass on.
    if (head.status !== 101) this.#handlers.onResponse(head)
  }

  handleBody(chunk: Buffer): void {
    this.#handlers.onData(chunk)
  }

  handleEnd(): void {
    if (this.#settled) return
    this.#settled = true
    this.#connection = undefined
    this.#handlers.onEnd()
  }

  handleError(error: unknown): void {
    if (this.#constructing) return void process.nextTick(() => this.handleError(error))
    if (this.#settled) return
    this.#settled = true
    this.#connection = undefined
    this.#handlers.onError(error)
  }

  handleDrain(): void {
    if (!this.#settled) this.#handlers.onDrain?.()
  }

  handleSwitch(socket: Socket, rest: Buffer): void {
    const response = this.#response
    const onUpgrade = this.#handlers.onUpgrade
    if (this.#settled || !response || !onUpgrade || !this.#request.upgrade) {
      socket.destroy()
      this.handleError(new ResponseParseError('HPE_UNEXPECTED_SWITCH'))
      return
    }
    this.#settled = true
    this.#connection = undefined
    onUpgrade(response, socket, rest)
  }

  retry(): void {
    if (this.#retried || this.#settled) {
      this.handleError(new ResponseParseError('ECONNRESET'))
      return
    }
    this.#retried = true
    this.#connection = undefined
    this.#requestWritten = false
    this.#headSent = false
    this.#pool.acquire(this.#attach, true)
  }
}
