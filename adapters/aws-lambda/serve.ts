import type { AccessLogEntry, ConfigError, LoadedConfig } from '../../core'
import { configErrorReply } from '../../core'
import { createNodeProxy } from '../../core/engines/node'
import type { ServedRequest, ServedResponse } from '../../core/engines/node/served'
import type { Limiter } from '../../core/limits/limiter'

/** Serves one request made from an event: the node engine, or the configuration error. */
export type Serve = (req: ServedRequest, res: ServedResponse) => void

/**
 * One engine for both handlers of an execution environment: they share its upstream connections,
 * and a bad configuration is answered by each, in OpenAI's shape, instead of failing the load.
 */
export function createServe(
  loaded: LoadedConfig,
  onLog?: (entry: AccessLogEntry) => void,
  limiter?: Limiter,
): Serve {
  return loaded.ok
    ? createNodeProxy(loaded.config, { onLog, limiter }).handle
    : replyWithConfigError(loaded.error)
}

function replyWithConfigError(error: ConfigError): Serve {
  return (req, res) => {
    const reply = configErrorReply(error, req.url ?? '/')
    res.writeHead(reply.status, reply.headers.flat())
    res.end(reply.body)
  }
}
