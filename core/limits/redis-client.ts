import net from 'node:net'
import tls from 'node:tls'
import type { RedisEndpoint } from '../policy'
import { describeRedisEndpoint } from '../policy'
import type { RespValue } from './resp'
import { encodeCommand, parseReply, RespError } from './resp'

/**
 * One pipelined connection to Redis. Every command is answered, refused or timed out within
 * `timeoutMs`, connecting included. A connection that fails or stalls is dropped with every
 * command on it, and the next command after `retryDelayMs` opens a new one: Redis coming back
 * needs no restart, and Redis being down costs requests nothing while it stays down.
 */

export interface RedisClientOptions {
  readonly endpoint: RedisEndpoint
  readonly timeoutMs: number
  readonly retryDelayMs: number
  /** A connection unused this long is replaced before the next command (default 60 s). */
  readonly idleReconnectMs?: number
}

/**
 * A function frozen between invocations (Lambda, SCF, FC) keeps its socket while the server, a
 * firewall or a proxy may have closed the other end: its next command would fail and pass
 * uncounted (or get 503). Past this idle time a fresh connection costs one round trip instead.
 */
const IDLE_RECONNECT_MS = 60_000

/**
 * Error replies that mean "this server cannot take writes now": after a managed failover the old
 * primary turns replica (READONLY) while the DNS name moves on, so the connection is dropped and
 * the next one resolves the name again.
 */
const RECONNECT_ERRORS = /^(READONLY|LOADING|MASTERDOWN)\b/

interface Pending {
  readonly resolve: (value: RespValue) => void
  readonly reject: (error: Error) => void
  readonly timer: ReturnType<typeof setTimeout>
  /** Set on AUTH and SELECT: their failure fails the connection, and says which step failed. */
  readonly step?: string
}

export class RedisClient {
  private socket: net.Socket | undefined
  private pending: Pending[] = []
  private buffer: Buffer = Buffer.alloc(0)
  private downUntil = 0
  private lastError: Error | undefined
  private lastUsedAt = 0
  private closed = false

  constructor(private readonly options: RedisClientOptions) {}

  /** Resolves with the reply; an error reply rejects with RespError. */
  command(args: readonly (string | number)[]): Promise<RespValue> {
    if (this.closed) return Promise.reject(new Error('redis client closed'))
    if (!this.socket && Date.now() < this.downUntil) {
      return Promise.reject(new Error(`redis still down (${this.lastError?.message ?? 'unreachable'})`))
    }
    this.dropIfIdle()
    const socket = this.socket ?? this.open()
    this.lastUsedAt = Date.now()
    return this.send(socket, args)
  }

  async close(): Promise<void> {
    this.closed = true
    this.fail(new Error('redis client closed'))
  }

  /** Replaces, quietly, a connection nothing used for a while; it has nothing pending. */
  private dropIfIdle(): void {
    const socket = this.socket
    const idleMs = this.options.idleReconnectMs ?? IDLE_RECONNECT_MS
    if (!socket || this.pending.length > 0 || Date.now() - this.lastUsedAt <= idleMs) return
    this.socket = undefined
    socket.destroy()
  }

  private send(socket: net.Socket, args: readonly (string | number)[], step?: string): Promise<RespValue> {
    return new Promise<RespValue>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(new Error(`redis did not answer within ${this.options.timeoutMs} ms`))
      }, this.options.timeoutMs)
      this.pending.push({ resolve, reject, timer, step })
      socket.write(encodeCommand(args))
    })
  }

  private open(): net.Socket {
    const { endpoint } = this.options
    const socket = endpoint.tls
      ? tls.connect({
          host: endpoint.host,
          port: endpoint.port,
          // SNI takes host names only: https://www.rfc-editor.org/rfc/rfc6066#section-3
          servername: net.isIP(endpoint.host) ? undefined : endpoint.host,
        })
      : net.connect({ host: endpoint.host, port: endpoint.port })
    socket.setNoDelay(true)
    socket.setKeepAlive(true, 30_000)
    // The store must never keep a finished process alive; pending commands hold their timers.
    socket.unref()
    socket.on('data', (chunk: Buffer) => this.receive(socket, chunk))
    socket.on('error', (error) => this.fail(error, socket))
    socket.on('close', () => this.fail(new Error('redis closed the connection'), socket))
    this.socket = socket
    this.buffer = Buffer.alloc(0)
    this.handshake(socket)
    return socket
  }

  /** AUTH and SELECT go first on the new connection; commands queued behind them wait. */
  private handshake(socket: net.Socket): void {
    const { username, password, db } = this.options.endpoint
    const steps: (string | number)[][] = []
    if (password !== undefined) steps.push(username ? ['AUTH', username, password] : ['AUTH', password])
    if (db !== 0) steps.push(['SELECT', db])
    for (const step of steps) {
      // Its failure reaches the callers through fail(); nobody awaits the step itself.
      this.send(socket, step, step[0] === 'AUTH' ? 'login' : `database ${db}`).catch(() => {})
    }
  }

  private receive(socket: net.Socket, chunk: Buffer): void {
    if (socket !== this.socket) return
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk])
    let offset = 0
    try {
      for (let parsed = parseReply(this.buffer, offset); parsed; parsed = parseReply(this.buffer, offset)) {
        offset = parsed.end
        const waiter = this.pending.shift()
        if (!waiter) throw new Error('redis sent a reply nobody asked for')
        clearTimeout(waiter.timer)
        if (parsed.value instanceof RespError && waiter.step) {
          // Redis's own words (WRONGPASS, ...) never repeat the password.
          waiter.reject(parsed.value)
          this.fail(new Error(`redis refused the ${waiter.step}: ${parsed.value.message}`), socket)
          return
        }
        if (parsed.value instanceof RespError && RECONNECT_ERRORS.test(parsed.value.message)) {
          waiter.reject(parsed.value)
          this.fail(new Error(`redis cannot take writes: ${parsed.value.message}`), socket)
          return
        }
        if (parsed.value instanceof RespError) waiter.reject(parsed.value)
        else waiter.resolve(parsed.value)
      }
    } catch (error) {
      this.fail(error as Error, socket)
      return
    }
    this.buffer = this.buffer.subarray(offset)
  }

  /** Drops the connection and everything waiting on it; the next command reconnects. */
  private fail(error: Error, socket: net.Socket | undefined = this.socket): void {
    if (socket !== this.socket || !socket) return
    this.socket = undefined
    this.lastError = new Error(`${describeRedisEndpoint(this.options.endpoint)}: ${error.message}`)
    this.downUntil = Date.now() + this.options.retryDelayMs
    socket.destroy()
    const pending = this.pending
    this.pending = []
    for (const waiter of pending) {
      clearTimeout(waiter.timer)
      waiter.reject(this.lastError)
    }
  }
}
