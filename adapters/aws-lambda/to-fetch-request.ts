import type { LambdaFunctionURLEvent } from 'aws-lambda'
import { stripStagePrefix } from '../../core'
import { stagesInPath } from './strip-api-stage'

/** The Request's origin is never used for routing: the policy reads only path and query. */
const REQUEST_ORIGIN = 'https://lambda-url.invalid'
/** Methods whose Request may not carry a body. */
const BODYLESS_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD'])

/**
 * A function URL event (payload format 2.0) as a fetch Request for the fetch engine:
 * https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html#urls-payloads
 * Headers arrive lower-cased and comma-joined; cookies come separately; a body the function URL
 * considered binary arrives base64.
 */
export function toFetchRequest(event: LambdaFunctionURLEvent, signal?: AbortSignal): Request {
  const method = event.requestContext.http.method.toUpperCase()
  const headers = new Headers()
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (value !== undefined) headers.set(name, value)
  }
  if (event.cookies?.length) headers.set('cookie', event.cookies.join('; '))
  const query = event.rawQueryString ? `?${event.rawQueryString}` : ''
  const body =
    event.body === undefined || BODYLESS_METHODS.has(method)
      ? undefined
      : Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8')
  return new Request(REQUEST_ORIGIN + stripStagePrefix(event.rawPath, stagesInPath(event)) + query, {
    method,
    headers,
    body,
    signal,
  })
}
