import type { Writable } from 'node:stream'
import type { LambdaFunctionURLEvent } from 'aws-lambda'
import { readHttpEvent } from './http-event'
import type { Serve } from './serve'
import { ServedEventRequest } from './served-event'
import { StreamedEventResponse } from './streamed-event'

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
 * The node engine serves the event as the buffered handler's does; what it writes goes to the
 * runtime's stream as it comes (streamed-event.ts): status and headers first, then each chunk,
 * waiting for 'drain' when the runtime's buffer is full. The node engine, not the fetch one:
 * Node's built-in fetch loads undici on its first call, which cost a streaming cold start about
 * as much again as the rest of it (docs/benchmarks.md).
 */
export function createStreamHandler(serve: Serve, runtime: AwsLambdaGlobal | undefined): StreamHandler {
  if (!runtime) return missingRuntime
  return runtime.streamifyResponse(async (event: LambdaFunctionURLEvent, responseStream: ResponseStream) => {
    const res = new StreamedEventResponse(runtime, responseStream)
    serve(new ServedEventRequest(readHttpEvent(event)), res)
    await res.done
  })
}

async function missingRuntime(): Promise<void> {
  throw new Error(
    'index.streamHandler needs the Lambda Node.js runtime (the awslambda global); use index.handler elsewhere',
  )
}
