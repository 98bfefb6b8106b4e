import type {
  ALBEvent,
  ALBResult,
  APIGatewayProxyEvent,
  APIGatewayProxyEventV2,
  APIGatewayProxyResult,
  APIGatewayProxyStructuredResultV2,
} from 'aws-lambda'
import { isHeaderName, stripStagePrefix } from '../../core'
import { isBinaryResponse } from './is-binary-response'
import { stagesInPath } from './strip-api-stage'

/** API Gateway REST (payload 1.0), HTTP API (1.0 or 2.0), ALB, and function URLs (2.0). */
export type HttpEvent = APIGatewayProxyEvent | APIGatewayProxyEventV2 | ALBEvent
export type HttpResult = APIGatewayProxyResult | APIGatewayProxyStructuredResultV2 | ALBResult

/** The request an event describes, as an HTTP server would have read it off the wire. */
export interface EventRequest {
  readonly method: string
  /** Path and query, as a request line carries them. */
  readonly target: string
  /** Flat name, value, name, value, ... as node:http's rawHeaders. */
  readonly rawHeaders: string[]
  /** Always whole: API Gateway, ALB and function URLs deliver the body with the event. */
  readonly body: Buffer
}

/** What the engine wrote back: the result is made from it in the shape the event's source reads. */
export interface WrittenResponse {
  readonly status: number
  readonly rawHeaders: readonly string[]
  readonly body: Buffer
}

/**
 * Payloads: https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
 * (1.0 and 2.0), https://docs.aws.amazon.com/elasticloadbalancing/latest/application/lambda-functions.html
 * (ALB). The body's framing headers are replaced by its real length: the event holds the body
 * whole, and a declared length that disagrees with it would desynchronise the upstream connection.
 */
export function readHttpEvent(event: HttpEvent): EventRequest {
  const body = eventBody(event)
  const rawHeaders: string[] = []
  // A hand-written test event (the Lambda console's) may hold null or a number: only strings are headers.
  const add = (name: string, value: unknown) => {
    if (typeof value !== 'string' || isFramingHeader(name)) return
    rawHeaders.push(name, value)
  }
  if (isPayloadV2(event)) {
    for (const name in event.headers) add(name, event.headers[name])
    // Payload 2.0 moves the Cookie header into `cookies`, one entry per cookie.
    if (event.cookies?.length) add('cookie', event.cookies.join('; '))
  } else if (event.multiValueHeaders) {
    for (const name in event.multiValueHeaders)
      for (const value of event.multiValueHeaders[name] ?? []) add(name, value)
  } else {
    for (const name in event.headers) add(name, event.headers[name])
  }
  if (body.length > 0) rawHeaders.push('content-length', String(body.length))
  return { method: eventMethod(event), target: eventTarget(event), rawHeaders, body }
}

/**
 * The result for the event's source: payload 2.0 takes `cookies` apart from `headers`; REST APIs,
 * payload 1.0 and ALBs with multi-value headers on take `multiValueHeaders`, which keeps every
 * Set-Cookie; an ALB without them takes one value per name. Text bodies go as UTF-8, everything
 * else (audio, gzip) base64 (isBinaryResponse).
 */
export function toHttpResult(event: HttpEvent, response: WrittenResponse): HttpResult {
  const { values, joined } = foldHeaders(response.rawHeaders)
  const isBase64Encoded = isBinaryResponse(joined)
  const common = {
    statusCode: response.status,
    isBase64Encoded,
    body: response.body.toString(isBase64Encoded ? 'base64' : 'utf8'),
  }
  if (isPayloadV2(event)) return { ...common, headers: joined, cookies: values.get('set-cookie') ?? [] }
  if (!isAlb(event) || event.multiValueHeaders)
    return { ...common, multiValueHeaders: Object.fromEntries(values) }
  // One value per name: an ALB in this mode cannot return two Set-Cookie headers, and joining
  // them would merge two cookies' attributes into one. The first is kept.
  const cookie = values.get('set-cookie')?.[0]
  return { ...common, headers: cookie === undefined ? joined : { ...joined, 'set-cookie': cookie } }
}

/** Raw response headers by lower-cased name: every value, and one per name (Set-Cookie apart). */
export function foldHeaders(raw: readonly string[]): {
  values: Map<string, string[]>
  joined: Record<string, string>
} {
  const values = new Map<string, string[]>()
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase()
    const seen = values.get(name)
    if (seen) seen.push(raw[i + 1]!)
    else values.set(name, [raw[i + 1]!])
  }
  const joined: Record<string, string> = {}
  for (const [name, list] of values) if (name !== 'set-cookie') joined[name] = list.join(', ')
  return { values, joined }
}

function isPayloadV2(event: HttpEvent): event is APIGatewayProxyEventV2 {
  return (event as { version?: string }).version === '2.0'
}

function isAlb(event: HttpEvent): event is ALBEvent {
  return (event as ALBEvent).requestContext?.elb !== undefined
}

function eventMethod(event: HttpEvent): string {
  return (isPayloadV2(event) ? event.requestContext?.http?.method : event.httpMethod) || 'GET'
}

/**
 * Path and query as a request line carries them. A `?` or `#` in the path is escaped: HTTP APIs
 * hand the path over decoded, and a decoded `?` must not start a query. Payload 1.0 and ALBs give
 * the query as parameters: API Gateway decodes their values (encoded again here), an ALB passes
 * them as the client sent them (joined as they are).
 */
function eventTarget(event: HttpEvent): string {
  const path = isPayloadV2(event)
    ? stripStagePrefix(event.rawPath || '/', stagesInPath(event))
    : event.path || '/'
  const query = isPayloadV2(event) ? event.rawQueryString : parameterQuery(event)
  return path.replace(/[?#]/g, encodeURIComponent) + (query ? `?${query.replace(/#/g, '%23')}` : '')
}

function parameterQuery(event: APIGatewayProxyEvent | ALBEvent): string {
  const multi = event.multiValueQueryStringParameters
  const single = event.queryStringParameters
  const encode = isAlb(event) ? (text: string) => text : encodeURIComponent
  const pairs: string[] = []
  if (multi) {
    for (const name in multi)
      for (const value of multi[name] ?? []) pairs.push(`${encode(name)}=${encode(value)}`)
  } else if (single) {
    for (const name in single) {
      const value = single[name]
      if (value !== undefined) pairs.push(`${encode(name)}=${encode(value)}`)
    }
  }
  return pairs.join('&')
}

function eventBody(event: HttpEvent): Buffer {
  const body = event.body
  if (typeof body !== 'string' || body === '') return Buffer.alloc(0)
  return Buffer.from(body, event.isBase64Encoded ? 'base64' : 'utf8')
}

function isFramingHeader(name: string): boolean {
  return isHeaderName(name, 'content-length') || isHeaderName(name, 'transfer-encoding')
}
