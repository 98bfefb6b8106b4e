import type { Writable } from 'node:stream'
import type { LambdaFunctionURLEvent } from 'aws-lambda'
import type { AccessLogEntry, ConfigError } from '../../core'
import { errorReply } from '../../core'
import type { FetchProxy } from '../../core/engines/fetch'
import { createFetchProxy } from '../../core/engines/fetch'
import type { LoadedConfig } from './load-config'
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
): StreamHandler {
  if (!runtime) return missingRuntime
  const proxy: FetchProxy | undefined = loaded.ok ? createFetchProxy(loaded.config, { onLog }) : undefined
  return runtime.streamifyResponse(async (event: LambdaFunctionURLEvent, responseStream: ResponseStream) => {
    const response = proxy ? await forward(proxy, event, responseStream) : configErrorResponse(loaded)
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
  return proxy.fetch(toFetchRequest(event, abort.signal))
}

function configErrorResponse(loaded: LoadedConfig): Response {
  const reply = errorReply((loaded as { error: ConfigError }).error, [], '/')
  return new Response(reply.body, {
    status: reply.status,
    headers: reply.headers.map(([name, value]): [string, string] => [name, value]),
  })
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
