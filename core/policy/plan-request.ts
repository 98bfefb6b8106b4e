import { VERSION } from '../version'
import type { ProxyConfig, Upstream } from './config'
import { corsHeadersFor, preflightHeaders } from './cors'
import { OxyError, toErrorBody } from './errors'
import type { HeaderList, HeaderPair } from './header-list'
import { getHeader } from './header-list'
import { toUpstreamHeaders } from './request-headers'
import { parseRequestTarget, stripStagePrefix } from './request-target'

/** Routes the proxy answers itself; nothing under it is forwarded. */
export const OXY_ROUTE_PREFIX = '/_oxy/'
export const HEALTH_PATH = '/_oxy/health'

export interface IncomingRequest {
  readonly method: string
  /** The request-target as received: `/v1/models?x=1`. */
  readonly target: string
  readonly headers: HeaderList
}

/** A response the proxy makes without calling the upstream. */
export interface LocalReply {
  readonly kind: 'reply'
  readonly status: number
  readonly headers: HeaderPair[]
  readonly body: string
  /** Path for the access log, without the query. */
  readonly logPath: string
}

export interface ForwardPlan {
  readonly kind: 'forward'
  readonly upstream: Upstream
  /** Path and query to request from the upstream, base path included. */
  readonly upstreamPath: string
  readonly headers: HeaderPair[]
  /** CORS headers to add to the upstream's response. */
  readonly corsHeaders: HeaderPair[]
  readonly logPath: string
}

export type RequestPlan = LocalReply | ForwardPlan

/** Decides, without I/O, what to do with a request: answer it locally or forward it. */
export function planRequest(request: IncomingRequest, config: ProxyConfig): RequestPlan {
  const corsHeaders = corsHeadersFor(request.headers, config.corsOrigins)
  let target: ReturnType<typeof parseRequestTarget>
  try {
    target = parseRequestTarget(request.target)
  } catch (error) {
    return errorReply(error as OxyError, corsHeaders, pathForLog(request.target))
  }
  const path = stripStagePrefix(target.path, config.stagePrefixes)
  const method = request.method.toUpperCase()

  if (method === 'OPTIONS') {
    return {
      kind: 'reply',
      status: 204,
      headers: preflightHeaders(request.headers, config.corsOrigins),
      body: '',
      logPath: path,
    }
  }
  if (path === HEALTH_PATH && (method === 'GET' || method === 'HEAD')) {
    return jsonReply(200, { status: 'ok', version: VERSION }, corsHeaders, path)
  }
  if (path.startsWith(OXY_ROUTE_PREFIX) || path === '/_oxy') {
    return errorReply(new OxyError('not_found', `No oxy route ${method} ${path}.`), corsHeaders, path)
  }

  const declaredLength = Number(getHeader(request.headers, 'content-length') ?? 0)
  if (config.maxBodyBytes !== undefined && declaredLength > config.maxBodyBytes) {
    return errorReply(bodyTooLarge(config.maxBodyBytes), corsHeaders, path)
  }

  const upstream = config.target
  return {
    kind: 'forward',
    upstream,
    upstreamPath: upstream.basePath + path + (target.query ? `?${target.query}` : ''),
    headers: toUpstreamHeaders(request.headers, {
      upstreamHost: upstream.host,
      dropPrefixes: config.dropHeaderPrefixes,
    }),
    corsHeaders,
    logPath: path,
  }
}

export function bodyTooLarge(limit: number): OxyError {
  return new OxyError(
    'body_too_large',
    `The request body is larger than this proxy's limit of ${limit} bytes.`,
  )
}

/** An OpenAI-shaped JSON error response. */
export function errorReply(error: OxyError, corsHeaders: HeaderList, logPath: string): LocalReply {
  return jsonReply(error.status, toErrorBody(error), corsHeaders, logPath)
}

function jsonReply(status: number, value: unknown, corsHeaders: HeaderList, logPath: string): LocalReply {
  return {
    kind: 'reply',
    status,
    headers: [
      ['Content-Type', 'application/json; charset=utf-8'],
      ['Cache-Control', 'no-store'],
      ...corsHeaders,
    ],
    body: JSON.stringify(value),
    logPath,
  }
}

function pathForLog(target: string): string {
  const path = target.split('?', 1)[0] ?? ''
  // Never echo control bytes into a log line.
  return path.replace(/[^\x21-\x7e]/g, '?').slice(0, 200)
}
