import { VERSION } from '../version'
import { identifyAccessKey } from './access-keys'
import { askBody, readAnswer } from './ask'
import { azureDeploymentPath, azureModelList, classifyAzurePath, readModel, withApiVersion } from './azure'
import type { ProxyConfig, Upstream } from './config'
import { corsHeadersFor, preflightHeaders } from './cors'
import { bearerToApiKey, withUpstreamKey } from './credentials'
import { isOxyError, OxyError, toErrorBody } from './errors'
import type { HeaderList, HeaderPair } from './header-list'
import { getHeader } from './header-list'
import { withGateway } from './plan-gateway'
import { toUpstreamHeaders } from './request-headers'
import type { RequestTarget } from './request-target'
import { parseRequestTarget, stripStagePrefix } from './request-target'
import type { Route } from './routes'
import { matchRoute } from './routes'
import { guessBaseUrl, renderStatusPage, statusPageHeaders, wantsStatusPage } from './status-page'
import { upstreamRedirect } from './upstream-error'

/** Routes the proxy answers itself; nothing under it is forwarded. */
export const OXY_ROUTE_PREFIX = '/_oxy/'
export const HEALTH_PATH = '/_oxy/health'
export const ASK_PATH = '/_oxy/ask'
/** Azure mode reads the body to find its model; larger bodies than this are refused. */
export const MAX_MODEL_LOOKUP_BODY_BYTES = 32 * 1024 * 1024

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
  /** The access key's name (OXY_ACCESS_KEYS `name:token`), for the log and the key's rules. */
  readonly keyName?: string | undefined
  /** The route, whose keys and targets the gateway fails over between. */
  readonly route?: Route
  /** The model, when the path names it (Gemini); otherwise read from the body as it passes. */
  readonly model?: string | undefined
  readonly contentType?: string | undefined
  /**
   * Set when the upstream path depends on the body (Azure deployments by model): the engine
   * reads at most `maxBytes`, calls `choose`, and sends the same bytes on to the chosen path.
   */
  readonly choosePathByBody?: {
    readonly maxBytes: number
    readonly choose: (body: Uint8Array) => string | LocalReply
  }
}

/** A request the proxy makes on its own behalf (GET /_oxy/ask) and answers from. */
export interface UpstreamCall {
  readonly kind: 'call'
  readonly upstream: Upstream
  readonly upstreamPath: string
  readonly headers: HeaderPair[]
  readonly body: string
  /** CORS headers for the reply, also when the call fails. */
  readonly corsHeaders: HeaderPair[]
  readonly logPath: string
  readonly toReply: (status: number, body: string) => LocalReply
}

export type RequestPlan = LocalReply | ForwardPlan | UpstreamCall

/** Decides, without I/O, what to do with a request: answer it, forward it, or call on its behalf. */
export function planRequest(request: IncomingRequest, config: ProxyConfig): RequestPlan {
  const corsHeaders = corsHeadersFor(request.headers, config.corsOrigins)
  const target = parseTarget(request.target)
  if (isOxyError(target)) return errorReply(target, corsHeaders, pathForLog(request.target))
  const path = stripStagePrefix(target.path, config.stagePrefixes)
  const method = request.method.toUpperCase()
  const fail = (error: OxyError) => errorReply(error, corsHeaders, path)

  // Preflight and health need no credentials: browsers send no Authorization on a preflight.
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
  // A browser opening the URL gets the status page; API clients calling `GET /` are forwarded.
  if (wantsStatusPage(method, path, request.headers)) {
    return planStatusPage(target.path, request.headers, config)
  }

  const access = admit(request.headers, config)
  if (isOxyError(access)) return fail(access)
  const { clientHeaders, keyName } = access

  const defaultRoute = config.routes.at(-1)!
  if (path === ASK_PATH && method === 'GET' && defaultRoute.upstreamKey !== undefined) {
    return planAsk(target.query, defaultRoute, config, corsHeaders)
  }
  if (path.startsWith(OXY_ROUTE_PREFIX) || path === '/_oxy') {
    return fail(new OxyError('not_found', `No oxy route ${method} ${path}.`))
  }

  const declaredLength = Number(getHeader(request.headers, 'content-length') ?? 0)
  if (config.maxBodyBytes !== undefined && declaredLength > config.maxBodyBytes) {
    return fail(bodyTooLarge(config.maxBodyBytes))
  }

  const { route, path: routedPath } = matchRoute(path, config.routes)
  const upstream = route.upstream
  let headers = toUpstreamHeaders(clientHeaders, {
    upstreamHost: upstream.host,
    dropPrefixes: config.dropHeaderPrefixes,
  })
  if (route.upstreamKey !== undefined)
    headers = withUpstreamKey(headers, route.upstreamKey, route.credentialStyle)
  else if (route.azure) headers = bearerToApiKey(headers)
  const forward = { kind: 'forward', upstream, headers, corsHeaders, logPath: path } as const
  const gateway = (plan: ForwardPlan) =>
    withGateway(plan, { config, route, keyName, routedPath, requestHeaders: request.headers })

  if (!route.azure) {
    return gateway({
      ...forward,
      upstreamPath: upstream.basePath + routedPath + (target.query ? `?${target.query}` : ''),
    })
  }
  const azure = route.azure
  const azurePath = classifyAzurePath(routedPath)
  if (azurePath.kind === 'models') return jsonReply(200, azureModelList(azure), corsHeaders, path)
  if (azurePath.kind === 'passthrough') {
    return gateway({
      ...forward,
      upstreamPath: upstream.basePath + withApiVersion(azurePath.path, target.query, azure.apiVersion),
    })
  }
  const contentType = getHeader(request.headers, 'content-type')
  return gateway({
    ...forward,
    upstreamPath: '',
    choosePathByBody: {
      maxBytes: Math.min(config.maxBodyBytes ?? MAX_MODEL_LOOKUP_BODY_BYTES, MAX_MODEL_LOOKUP_BODY_BYTES),
      choose: (body) => {
        try {
          const model = readModel(body, contentType)
          return upstream.basePath + azureDeploymentPath(azure, model, azurePath.operation, target.query)
        } catch (error) {
          if (!isOxyError(error)) throw error
          return fail(error)
        }
      },
    },
  })
}

/** The headers to forward (the access token removed) and the key's name, or the 401. */
function admit(
  headers: HeaderList,
  config: ProxyConfig,
): { clientHeaders: HeaderList; keyName?: string } | OxyError {
  if (config.accessKeys.length === 0) return { clientHeaders: headers }
  const presented = identifyAccessKey(headers, config.namedAccessKeys)
  if (!presented) {
    return new OxyError(
      'invalid_access_key',
      'This proxy needs an access key: send one of its OXY_ACCESS_KEYS as Authorization: Bearer <key>, api-key or x-api-key.',
    )
  }
  // The upstream never sees a proxy token.
  return {
    clientHeaders: headers.filter(([name]) => !presented.headers.has(name.toLowerCase())),
    keyName: presented.key.name,
  }
}

function planAsk(query: string, route: Route, config: ProxyConfig, corsHeaders: HeaderPair[]): RequestPlan {
  const question = new URLSearchParams(query).get('q')?.trim()
  if (!question) {
    return errorReply(new OxyError('invalid_request', 'Ask a question with ?q=...'), corsHeaders, ASK_PATH)
  }
  const upstream = route.upstream
  const upstreamPath = route.azure
    ? upstream.basePath + azureDeploymentPath(route.azure, config.askModel, '/chat/completions', '')
    : `${upstream.basePath}/v1/chat/completions`
  const headers = withUpstreamKey(
    [
      ['Host', upstream.host],
      ['Content-Type', 'application/json'],
      ['Accept', 'application/json'],
      ['Accept-Encoding', 'identity'],
    ],
    route.upstreamKey!,
    route.credentialStyle,
  )
  return {
    kind: 'call',
    upstream,
    upstreamPath,
    headers,
    body: askBody(config.askModel, question),
    corsHeaders,
    logPath: ASK_PATH,
    toReply: (status, body) => {
      // Never followed (it could take the key elsewhere), and no use to someone asking a question.
      if (status >= 300 && status < 400) return errorReply(upstreamRedirect(status), corsHeaders, ASK_PATH)
      const answer = status === 200 ? readAnswer(body) : undefined
      if (answer === undefined) {
        // The upstream's own error, as it sent it (OpenAI-shaped already).
        return {
          kind: 'reply',
          status: status === 200 ? 502 : status,
          headers: [['Content-Type', 'application/json; charset=utf-8'], ...corsHeaders],
          body,
          logPath: ASK_PATH,
        }
      }
      return {
        kind: 'reply',
        status: 200,
        headers: [
          ['Content-Type', 'text/plain; charset=utf-8'],
          ['Cache-Control', 'no-store'],
          ...corsHeaders,
        ],
        body: answer,
        logPath: ASK_PATH,
      }
    },
  }
}

/** Public, so it shows no more than the version and upstreams, and only those without tokens. */
function planStatusPage(rawPath: string, headers: HeaderList, config: ProxyConfig): LocalReply {
  const tokenRequired = config.accessKeys.length > 0
  const body = renderStatusPage({
    version: VERSION,
    upstreams: tokenRequired
      ? []
      : config.routes.map((route) => ({ prefix: route.prefix || '/', origin: route.upstream.origin })),
    baseUrl: guessBaseUrl(rawPath, headers),
    tokenRequired,
  })
  return { kind: 'reply', status: 200, headers: statusPageHeaders(), body, logPath: '/' }
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

/** The request-target's path and query, or the client's error in it. */
function parseTarget(raw: string): RequestTarget | OxyError {
  try {
    return parseRequestTarget(raw)
  } catch (error) {
    if (isOxyError(error)) return error
    throw error
  }
}

function pathForLog(target: string): string {
  const path = target.split('?', 1)[0] ?? ''
  // Never echo control bytes into a log line.
  return path.replace(/[^\x21-\x7e]/g, '?').slice(0, 200)
}
