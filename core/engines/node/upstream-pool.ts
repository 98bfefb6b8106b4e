import type { Socket } from 'node:net'
import { monotonicMs } from './monotonic-ms'
import type { ResponseHead, ResponseParserEvents } from './response-parser'
import { ResponseParseError, ResponseParser } from './response-parser'

/**
 * Idle upstream connections are kept this long. Long enough to carry a warm function's next
 * invocation over the same TLS session (a new handshake to OpenAI costs a few round trips),
 * short enough to close before the usual 60 s idle cut-off of load balancers in front of APIs.
 */
export const FREE_SOCKET_TIMEOUT_MS = 30_000
/** Idle connections kept per upstream, as node:http's Agent keeps (maxFreeSockets). */
export const MAX_IDLE_CONNECTIONS = 256
/** How often idle connections are checked for expiry; one timer per pool, not one per socket. */
const SWEEP_EVERY_MS = 1_000
/** Reuse stops this long before the server's own `Keep-Alive: timeout`, so it never closes first. */
const KEEP_ALIVE_HINT_MARGIN_MS = 1_000

/** Opens a socket to the upstream; it may still be connecting when handed over (writes queue). */
export type Connector = (callback: (error: Error | null, socket?: Socket) => void) => void

/** What a connection needs from the request it is carrying. */
export interface ConnectionUser {
  readonly requestWritten: boolean
  /** Whether it may be sent again when a reused connection turns out to be dead. */
  readonly retriable: boolean
  handleHead(head: ResponseHead): void
  handleBody(chunk: Buffer): void
  handleEnd(): void
  handleError(error: unknown): void
  handleDrain(): void
  handleSwitch(socket: Socket, rest: Buffer): void
  retry(): void
}

/**
 * Keep-alive connections to one upstream, most recently used first (so the rest expire). The
 * sockets' listeners are attached once per connection, not per request: adding and removing
 * them for every exchange is most of what node:http's Agent costs.
 */
export class UpstreamPool {
  readonly #connect: Connector
  readonly #idle: UpstreamConnection[] = []
  readonly #open = new Set<UpstreamConnection>()
  #sweeper: NodeJS.Timeout | undefined
  #destroyed = false

  constructor(connect: Connector) {
    this.#connect = connect
  }

  /** An idle connection (synchronously), or a new one; `fresh` skips the idle ones. */
  acquire(callback: (error: Error | null, connection?: UpstreamConnection) => void, fresh = false): void {
    if (!fresh) {
      for (let connection = this.#idle.pop(); connection; connection = this.#idle.pop()) {
        if (connection.usable) {
          callback(null, connection)
          return
        }
        connection.socket.destroy()
      }
    }
    this.#connect((error, socket) => {
      if (error || !socket) return callback(error ?? new Error('No socket'))
      if (this.#destroyed) {
        socket.destroy()
        return callback(new ResponseParseError('ECONNABORTED'))
      }
      const connection = new UpstreamConnection(socket, this)
      this.#open.add(connection)
      callback(null, connection)
    })
  }

  /** Takes a connection back after a complete exchange, for as long as it may be kept. */
  release(connection: UpstreamConnection): void {
    const keepMs = connection.keepMs
    if (this.#destroyed || keepMs <= 0 || this.#idle.length >= MAX_IDLE_CONNECTIONS) {
      connection.socket.destroy()
      return
    }
    connection.idleUntil = monotonicMs() + keepMs
    // Flowing while idle, so that the server's FIN is noticed and the connection dropped at once.
    connection.socket.resume()
    this.#idle.push(connection)
    this.#sweeper ??= setInterval(() => this.#sweep(), SWEEP_EVERY_MS).unref()
  }

  /** The connection closed or left the pool (upgraded): never hand it out again. */
  forget(connection: UpstreamConnection): void {
    this.#open.delete(connection)
    const at = this.#idle.lastIndexOf(connection)
    if (at !== -1) this.#idle.splice(at, 1)
  }

  destroy(): void {
    this.#destroyed = true
    clearInterval(this.#sweeper)
    for (const connection of this.#open) connection.socket.destroy()
    this.#idle.length = 0
  }

  #sweep(): void {
    const now = monotonicMs()
    for (const connection of [...this.#idle]) if (connection.idleUntil <= now) connection.socket.destroy()
    if (this.#idle.length === 0) {
      clearInterval(this.#sweeper)
      this.#sweeper = undefined
    }
  }
}

/** One socket to the upstream and its response parser; carries one exchange at a time. */
export class UpstreamConnection implements ResponseParserEvents {
  readonly socket: Socket
  idleUntil = 0
  readonly #pool: UpstreamPool
  readonly #parser: ResponseParser
  #user: ConnectionUser | undefined
  #served = 0
  #keepMs = FREE_SOCKET_TIMEOUT_MS

  constructor(socket: Socket, pool: UpstreamPool) {
    this.socket = socket
    this.#pool = pool
    this.#parser = new ResponseParser(this)
    socket.on('data', this.#onData)
    socket.on('end', this.#onEnd)
    socket.on('error', this.#onError)
    socket.on('close', this.#onClose)
    socket.on('drain', this.#onDrain)
  }

  /** How long it may stay idle: ours, or less when the server said so (`Keep-Alive: timeout`). */
  get keepMs(): number {
    return this.#keepMs
  }

  /** Whether it has carried an exchange before (and so may have been closed by the server meanwhile). */
  get reused(): boolean {
    return this.#served > 0
  }

  get usable(): boolean {
    return !this.socket.destroyed && this.socket.readable && this.socket.writable
  }

  /** Binds the next exchange: the next bytes from the server are its response. */
  assign(user: ConnectionUser, method: string): void {
    this.#user = user
    this.#parser.expect(method)
  }

  /** The exchange gave up: close, and tell it nothing more. */
  abandon(): void {
    this.#user = undefined
    this.socket.destroy()
  }

  onHead(head: ResponseHead): void {
    if (head.keepAliveTimeoutMs !== undefined)
      this.#keepMs = Math.min(FREE_SOCKET_TIMEOUT_MS, head.keepAliveTimeoutMs - KEEP_ALIVE_HINT_MARGIN_MS)
    this.#user?.handleHead(head)
  }

  onBody(chunk: Buffer): void {
    this.#user?.handleBody(chunk)
  }

  readonly #onData = (chunk: Buffer): void => {
    const user = this.#user
    // Bytes on an idle connection answer nothing that was asked: the connection cannot be trusted.
    if (!user) {
      this.socket.destroy()
      return
    }
    try {
      this.#parser.execute(chunk)
    } catch (error) {
      this.#fail(error)
      return
    }
    if (this.#user !== user) return
    if (this.#parser.switched) this.#handOver(user)
    else if (this.#parser.complete) this.#finish(user)
  }

  readonly #onEnd = (): void => {
    const user = this.#user
    if (user) {
      try {
        this.#parser.finish()
      } catch (error) {
        this.#fail(error)
        return
      }
      if (this.#parser.complete) {
        this.#user = undefined
        this.#served++
        user.handleEnd()
      }
    }
    this.socket.destroy()
  }

  readonly #onError = (error: Error): void => this.#fail(error)

  readonly #onClose = (): void => {
    this.#pool.forget(this)
    if (this.#user) this.#fail(new ResponseParseError('ECONNRESET'))
  }

  readonly #onDrain = (): void => this.#user?.handleDrain()

  #finish(user: ConnectionUser): void {
    this.#user = undefined
    this.#served++
    // A response that came before its request was fully sent leaves the connection mid-request.
    if (this.#parser.keepAlive && user.requestWritten && this.usable) this.#pool.release(this)
    else this.socket.destroy()
    user.handleEnd()
  }

  #handOver(user: ConnectionUser): void {
    this.#user = undefined
    this.#pool.forget(this)
    const socket = this.socket
    socket.off('data', this.#onData)
    socket.off('end', this.#onEnd)
    socket.off('error', this.#onError)
    socket.off('close', this.#onClose)
    socket.off('drain', this.#onDrain)
    user.handleSwitch(socket, this.#parser.leftover ?? Buffer.alloc(0))
  }

  #fail(error: unknown): void {
    const user = this.#user
    this.#user = undefined
    this.socket.destroy()
    if (!user) return
    // The server closed a keep-alive connection just as it was reused: nothing reached it.
    if (this.reused && !this.#parser.receivedAny && user.retriable) user.retry()
    else user.handleError(error)
  }
}
