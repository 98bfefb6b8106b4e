import type { Context } from 'aws-lambda'
import type { HttpEvent, HttpResult } from './http-event'
import { readHttpEvent, toHttpResult } from './http-event'
import type { Serve } from './serve'
import { ServedEventRequest, ServedEventResponse } from './served-event'

export type { HttpEvent, HttpResult } from './http-event'
export type BufferedHandler = (event: HttpEvent, context?: Context) => Promise<HttpResult>

/**
 * The buffered handler: each event becomes the request an HTTP server would have read, the node
 * engine serves it as it serves a socket's, and what it writes is collected into one result.
 * Nothing streams: Lambda returns the body when the upstream has finished.
 */
export function createBufferedHandler(serve: Serve): BufferedHandler {
  return async (event) => {
    const res = new ServedEventResponse()
    serve(new ServedEventRequest(readHttpEvent(event)), res)
    return toHttpResult(event, await res.written)
  }
}
