import type { IncomingMessage, ServerResponse } from 'node:http'
import type {
  ALBEvent,
  ALBResult,
  APIGatewayProxyEvent,
  APIGatewayProxyEventV2,
  APIGatewayProxyResult,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda'
import serverless from 'serverless-http'
import type { AccessLogEntry, ConfigError, LoadedConfig } from '../../core'
import { configErrorReply } from '../../core'
import { createNodeProxy } from '../../core/engines/node'
import type { Limiter } from '../../core/limits/limiter'
import { isBinaryResponse } from './is-binary-response'
import type { StageEvent } from './strip-api-stage'
import { stripApiStage } from './strip-api-stage'

/** API Gateway REST (v1), HTTP API (v2), ALB and function URLs (v2 shape). */
export type HttpEvent = APIGatewayProxyEvent | APIGatewayProxyEventV2 | ALBEvent
export type HttpResult = APIGatewayProxyResult | APIGatewayProxyStructuredResultV2 | ALBResult
export type BufferedHandler = (event: HttpEvent, context: Context) => Promise<HttpResult>

type Listener = (req: IncomingMessage, res: ServerResponse) => void

/**
 * The buffered handler: serverless-http turns each event into a node:http request for the node
 * engine and collects the response into one result. Nothing streams: Lambda returns the body
 * when the upstream has finished.
 */
export function createBufferedHandler(
  loaded: LoadedConfig,
  onLog?: (entry: AccessLogEntry) => void,
  limiter?: Limiter,
): BufferedHandler {
  const listener: Listener = withHeaderObjects(
    loaded.ok
      ? failInvocationOnDestroy(createNodeProxy(loaded.config, { onLog, limiter }).handle)
      : replyWithConfigError(loaded.error),
  )
  const handle = serverless(listener, {
    binary: isBinaryResponse,
    // serverless-http would add x-request-id with API Gateway's id; the upstream has no use for it.
    requestId: '',
    request: (req: IncomingMessage, event: StageEvent) => stripApiStage(req, event),
  })
  return (event, context) => handle(event, context) as Promise<HttpResult>
}

/**
 * The engine cuts a response it cannot finish (upstream reset or stalled mid-body) with
 * res.destroy(). serverless-http's response has no socket, so that did nothing and the invocation
 * hung until the Lambda timeout. Now the cut fails the invocation, which the gateway reports as a
 * 502, never as a truncated 200. 'close' first: the engine logs the exchange on it.
 */
function failInvocationOnDestroy(listener: Listener): Listener {
  return (req, res) => {
    res.destroy = (error?: Error) => {
      if (res.destroyed) return res
      Object.defineProperty(res, 'destroyed', { value: true })
      res.emit('close')
      res.emit('error', error ?? new Error('The response was cut before its end.'))
      return res
    }
    listener(req, res)
  }
}

type WriteHead = (status: number, reason?: unknown, headers?: unknown) => ServerResponse

function withHeaderObjects(listener: Listener): Listener {
  return (req, res) => {
    const writeHead = withHeaderObject(res.writeHead.bind(res) as WriteHead)
    res.writeHead = writeHead as typeof res.writeHead
    listener(req, res)
  }
}

/**
 * The engine passes headers as Node's flat raw array (['Set-Cookie', 'a', 'Set-Cookie', 'b']).
 * serverless-http's writeHead walks its argument as an object, so the array became a header
 * named "0"; given an object, with repeated names as arrays, it keeps every value.
 */
function withHeaderObject(writeHead: WriteHead): WriteHead {
  return (status, reason, headers) => {
    const raw = Array.isArray(reason) ? reason : Array.isArray(headers) ? headers : undefined
    if (!raw) return writeHead(status, reason, headers)
    const object: Record<string, string | string[]> = {}
    const names = new Map<string, string>()
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = String(raw[i])
      const value = String(raw[i + 1])
      const key = names.get(name.toLowerCase()) ?? name
      names.set(name.toLowerCase(), key)
      const seen = object[key]
      object[key] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value]
    }
    return typeof reason === 'string' ? writeHead(status, reason, object) : writeHead(status, object)
  }
}

function replyWithConfigError(error: ConfigError): Listener {
  return (req, res) => {
    const reply = configErrorReply(error, req.url ?? '/')
    res.writeHead(reply.status, reply.headers.flat())
    res.end(reply.body)
  }
}
