import type { Writable } from 'node:stream'
import type { LambdaFunctionURLEvent } from 'aws-lambda'
import type { AccessLogEntry, LoadedConfig } from '../../core'
import { configErrorReply, errorReply, OxyError, parseRequestTarget } from '../../core'
import type { FetchProxy } from '../../core/engines/fetch'
import { createFetchProxy, toResponse } from '../../core/engines/fetch'
import type { Limiter } from '../../core/limits/limiter'
import { toFetchRequest } from './to-fetch-request'

/** What the Lambda runtime hands a streaming handler: a writable with Node stream semantics. */
export type ResponseStream = Writable

export type StreamHandler = (event: LambdaFunctionURLEvent, responseStream: ResponseStream) => Promise<void>

/** The part of the runtime's `awslambda` global this handler uses. */
export interface AwsLambdaGlobal {
  streamifyResponse<T>(handler: T): T
  HttpResponseStream: { from(stream: Writable, prelude: Record<string, unknown>): Writable }
}

/**
 * The streaming handler for function URLs in RESPONSE_STREAM mode:
 * https://docs.aws.amazon.com/lambda/latest/dg/config-rs-write-functions.html
 * Status and headers go first through HttpResponseStream.from; then each upstream chunk is
 * written as it arrives, waiting for 'drain' when the runtime's buffer is full. When the
 * response stream closes before we end it, the upstream request is cancelled.
 */
export function createStreamHandler(
  loaded: LoadedConfig,
  runtime: AwsLambdaGlobal | undefined,
  onLog?: (entry: AccessLogEntry) => void,
  limiter?: Limiter,
): StreamHandler {
  if (!runtime) return missingRuntime
  const proxy = loaded.ok ? createFetchProxy(loaded.config, { onLog, limiter }) : undefined
  return runtime.streamifyResponse(async (event: LambdaFunctionURLEvent, responseStream: ResponseStream) => {
    const response = loaded.ok
      ? await forward(proxy!, event, responseStream)
      : toResponse(configErrorReply(loaded.error, '/'))
    await writeResponse(runtime, responseStream, response)
  })
}

async function forward(proxy: FetchProxy, event: LambdaFunctionURLEvent, responseStream: ResponseStream) {
  const abort = new AbortController()
  // Lambda does not tell a function when the viewer goes away; the stream closes early only when
  // the runtime's own connection dies. Either way nobody will read the rest: stop the upstream.
  const onClose = () => {
    if (!responseStream.writableFinished) abort.abort()
  }
  responseStream.once('close', onClose)
  let request: Request
  try {
    // The raw path is checked as the node engine checks it, before URL parsing resolves dot
    // segments and backslashes into something that looks harmless.
    parseRequestTarget(event.rawPath + (event.rawQueryString ? `?${event.rawQueryString}` : ''))
    request = toFetchRequest(event, abort.signal)
  } catch (error) {
    if (error instanceof OxyError) return errorResponse(error)
    // The event holds what no Request may (CONNECT, TRACE, a malformed header): a client error,
    // not a reason to fail the invocation and take the runtime process with it.
    const reason = error instanceof Error ? error.message : String(error)
    return errorResponse(new OxyError('invalid_request', `The request cannot be proxied: ${reason}`))
  }
  return proxy.fetch(request)
}

function errorResponse(error: OxyError): Response {
  return toResponse(errorReply(error, [], '/'))
}

async function writeResponse(runtime: AwsLambdaGlobal, responseStream: ResponseStream, response: Response) {
  const headers: Record<string, string> = {}
  for (const [name, value] of response.headers) if (name !== 'set-cookie') headers[name] = value
  const stream = runtime.HttpResponseStream.from(responseStream, {
    statusCode: response.status,
    headers,
    cookies: response.headers.getSetCookie(),
  })
  // The prelude goes out with the first write; end() alone would send a body without it
  // (aws-lambda-nodejs-runtime-interface-client issues #95 and #97), so always write once.
  stream.write('')
  let closed = false
  stream.once('close', () => {
    closed = true
  })
  // A write after the runtime's connection died reports an error; the close above handles it.
  stream.on('error', () => {})
  if (!response.body) {
    stream.end()
    return
  }
  const reader = response.body.getReader()
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      if (closed) {
        await reader.cancel()
        return
      }
      if (!stream.write(value)) await waitForDrain(stream)
      if (closed) {
        await reader.cancel()
        return
      }
    }
  } catch (error) {
    // The upstream broke mid-body. Rejecting makes the runtime fail the invocation, which ends
    // the response abnormally; ending it here would hand the client a clean, truncated body.
    if (closed) return
    throw error
  }
  stream.end()
}

function waitForDrain(stream: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done)
      stream.off('close', done)
      resolve()
    }
    stream.once('drain', done)
    stream.once('close', done)
  })
}

async function missingRuntime(): Promise<void> {
  throw new Error(
    'index.streamHandler needs the Lambda Node.js runtime (the awslambda global); use index.handler elsewhere',
  )
}
