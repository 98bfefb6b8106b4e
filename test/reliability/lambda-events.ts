import type { LambdaFunctionURLEvent } from 'aws-lambda'
import { FUNCTION_URL_EVENT } from '../../adapters/aws-lambda/fixtures'
import { TOKEN_A } from '../owner-controls'

export interface EventParts {
  readonly method?: string
  readonly rawPath: string
  readonly rawQueryString?: string
  readonly headers?: Record<string, string>
  readonly body?: string
}

/**
 * A function URL event (payload 2.0) from the real-shaped fixture, carrying a valid token; the
 * same shape feeds both handlers (the buffered one reads every payload version).
 */
export function functionUrlEvent(parts: EventParts): LambdaFunctionURLEvent {
  const { authorization: _client, 'content-length': _length, ...fixture } = FUNCTION_URL_EVENT.headers
  const method = parts.method ?? 'GET'
  return {
    ...FUNCTION_URL_EVENT,
    rawPath: parts.rawPath,
    rawQueryString: parts.rawQueryString ?? '',
    headers: {
      ...fixture,
      authorization: `Bearer ${TOKEN_A}`,
      ...(parts.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(parts.body)) }),
      ...parts.headers,
    },
    requestContext: {
      ...FUNCTION_URL_EVENT.requestContext,
      http: { ...FUNCTION_URL_EVENT.requestContext.http, method, path: parts.rawPath },
    },
    body: parts.body,
    isBase64Encoded: false,
  }
}

/** The path and query of an upstream fault, split as a function URL event carries them. */
export function splitTarget(target: string): Pick<EventParts, 'rawPath' | 'rawQueryString'> {
  const at = target.indexOf('?')
  return at === -1
    ? { rawPath: target }
    : { rawPath: target.slice(0, at), rawQueryString: target.slice(at + 1) }
}
