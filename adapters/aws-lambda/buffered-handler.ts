import type { Context } from 'aws-lambda'
import type { AccessLogEntry, ConfigError, LoadedConfig } from '../../core'
import { configErrorReply } from '../../core'
import { createNodeProxy } from '../../core/engines/node'
import type { ServedRequest, ServedResponse } from '../../core/engines/node/served'
import type { Limiter } from '../../core/limits/limiter'
import type { HttpEvent, HttpResult } from './http-event'
import { readHttpEvent, toHttpResult } from './http-event'
import { ServedEventRequest, ServedEventResponse } from './served-event'

export type { HttpEvent, HttpResult } from './http-event'
export type BufferedHandler = (event: HttpEvent, context?: Context) => Promise<HttpResult>

type Serve = (req: ServedRequest, res: ServedResponse) => void

/**
 * The buffered handler: each event becomes the request an HTTP server would have read, the node
 * engine serves it as it serves a socket's, and what it writes is collected into one result.
 * Nothing streams: Lambda returns the body when the upstream has finished.
 */
export function createBufferedHandler(
  loaded: LoadedConfig,
  onLog?: (entry: AccessLogEntry) => void,
  limiter?: Limiter,
): BufferedHandler {
  const serve: Serve = loaded.ok
    ? createNodeProxy(loaded.config, { onLog, limiter }).handle
    : replyWithConfigError(loaded.error)
  return async (event) => {
    const res = new ServedEventResponse()
    serve(new ServedEventRequest(readHttpEvent(event)), res)
    return toHttpResult(event, await res.written)
  }
}

function replyWithConfigError(error: ConfigError): Serve {
  return (req, res) => {
    const reply = configErrorReply(error, req.url ?? '/')
    res.writeHead(reply.status, reply.headers.flat())
    res.end(reply.body)
  }
}
