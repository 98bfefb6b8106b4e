import type { EventEmitter } from 'node:events'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import {
  createNodeProxy,
  createUpgradeHandler,
  oneExchangePerConnection,
  writeRawReply,
} from '../engines/node'
import { createLazyLimiter } from '../limits/load-limiter'
import type { ProxyConfig } from '../policy'
import { errorReply, OxyError } from '../policy'
import { LISTEN_BACKLOG } from './listen-backlog'
import type { Logger } from './logger'
import { trackConnections } from './track-connections'

/**
 * Longer than the 60 s idle timeout of the load balancers that sit in front of functions and
 * servers, so that they, not we, close an idle connection, and never race us.
 */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000
/** In-flight requests get this long to finish after SIGTERM; function platforms stop an instance soon after. */
export const DRAIN_TIMEOUT_MS = 25_000

export interface RunningServer {
  readonly server: http.Server
  /** `http://host:port` as bound. */
  readonly url: string
  /** Stops accepting, lets in-flight requests finish (up to the drain timeout), then closes. */
  close(drainTimeoutMs?: number): Promise<void>
}

export async function startServer(config: ProxyConfig, logger: Logger): Promise<RunningServer> {
  const limiter = config.limits && createLazyLimiter(config.limits, (level, msg) => logger.event(level, msg))
  const proxy = createNodeProxy(config, {
    // OXY_LOG=off: no entry is made, so nothing reads the model or the tokens for one.
    onLog: config.log === 'off' ? undefined : (entry) => logger.access(entry),
    limiter,
    requireHost: true,
    upgrades: createUpgradeHandler,
  })
  // Node's own Host check answers a bare 400 with no body; the engine answers it in OpenAI's shape.
  const server = http.createServer(
    { noDelay: true, keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS, requireHostHeader: false },
    // Pipelined requests wait their turn: one upstream exchange per connection at a time.
    oneExchangePerConnection(proxy.handle),
  )
  server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 1_000
  const connections = trackConnections(server)
  if (proxy.upgrade) server.on('upgrade', proxy.upgrade)
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => answerClientError(error, socket))

  // A burst of new connections waits in the kernel, not refused, while the server is busy.
  server.listen({ port: config.port, host: config.host, backlog: LISTEN_BACKLOG })
  await whenEmitted(server, 'listening')
  const { address, port } = server.address() as AddressInfo
  const url = `http://${address.includes(':') ? `[${address}]` : address}:${port}`

  let closing: Promise<void> | undefined
  async function close(drainTimeoutMs = DRAIN_TIMEOUT_MS): Promise<void> {
    closing ??= (async () => {
      const closed = whenEmitted(server, 'close')
      server.close()
      // Idle connections would hold close() open; in-flight ones finish first, then close.
      const sweeper = setInterval(() => connections.closeIdle(), 100)
      connections.closeIdle()
      const deadline = setTimeout(() => connections.closeAll(), drainTimeoutMs)
      await closed
      clearInterval(sweeper)
      clearTimeout(deadline)
      proxy.close()
      await limiter?.close()
    })()
    return closing
  }
  return { server, url, close }
}

/**
 * events.once without importing node:events: an ES module import of a builtin builds its whole
 * namespace, and node:events' lazy EventEmitterAsyncResource getter then compiles a class on
 * every start (~1 M instructions, callgrind). Rejects on 'error', as events.once does.
 */
function whenEmitted(emitter: EventEmitter, event: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => {
      emitter.off(event, onEvent)
      reject(error)
    }
    const onEvent = () => {
      emitter.off('error', onError)
      resolve()
    }
    emitter.once(event, onEvent)
    emitter.once('error', onError)
  })
}

/** A request Node's parser refused: answer in OpenAI's shape when the socket still takes it. */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  // A response in flight on this connection (Node's own handler checks the same field): bytes
  // written now would land inside its body, a 400 in the middle of a chunked stream.
  const inFlight = (socket as Duplex & { _httpMessage?: unknown })._httpMessage
  if (!socket.writable || error.code === 'ECONNRESET' || inFlight) {
    socket.destroy()
    return
  }
  const oxyError =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? new OxyError('request_headers_too_large', 'The request headers are too large.')
      : new OxyError('invalid_request', `The request is not valid HTTP (${error.code ?? 'parse error'}).`)
  writeRawReply(socket, errorReply(oxyError, [], ''))
}
