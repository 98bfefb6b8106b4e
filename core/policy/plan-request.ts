import { VERSION } from '../version'
import { choosePageLanguage } from './accept-language'
import { admit } from './admit'
import { askBody, readAnswer } from './ask'
import { azureDeploymentPath, azureModelList } from './azure'
import { azureDestination, type Destination } from './azure-destination'
import type { ProxyConfig, Upstream } from './config'
import { corsHeadersFor, preflightHeaders } from './cors'
import { bearerToApiKey, withUpstreamKey } from './credentials'
import { isOxyError, OxyError, toErrorBody } from './errors'
import type { ModelFinder } from './find-model'
import type { HeaderList, HeaderPair } from './header-list'
import { getHeader } from './header-list'
import { modelFromPath } from './model-reader'
import { withGateway } from './plan-gateway'
import { toUpstreamHeaders } from './request-headers'
import type { RequestTarget } from './request-target'
import { doubleSlash, parseRequestTarget, stripStagePrefix } from './request-target'
import type { Route } from './routes'
import { matchRoute } from './routes'
import type { StatusPageInfo } from './status-page'
import { guessBaseUrl, statusPageHeaders, wantsStatusPage } from './status-page'
import { invalidStatus, upstreamRedirect } from './upstream-error'

/** Routes the proxy answers itself; nothing under it is forwarded. */
export const OXY_ROUTE_PREFIX = '/_oxy/'
export const HEALTH_PATH = '/_oxy/health'
export const ASK_PATH = '/_oxy/ask'
export { MAX_MODEL_LOOKUP_BODY_BYTES } from './azure-destination'

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
  /**
   * Set for the status page, whose body is empty here: the engine renders this page into it
   * (withPageBody) from a module of its own, which a start that serves no page never parses.
   */
  readonly page?: StatusPageInfo
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
  readonly choosePathByBody?: BodyChoice
}

/**
 * How the path is chosen from the body: the engine feeds a `findModel()` finder the body as it
 * arrives, reading no more than `maxBytes` and only until it answers, then asks `chooseModel`;
 * the bytes read so far go on first, then the rest of the body. (`choose` does the same from a
 * whole body.)
 */
export interface BodyChoice {
  readonly maxBytes: number
  readonly choose: (body: Uint8Array) => string | LocalReply
  /** Set when the model alone decides (Azure mode): the body is read only until it is known. */
  readonly findModel?: () => ModelFinder
  readonly chooseModel?: (model: string | undefined) => string | LocalReply
  /**
   * Read whole only so that another key or target can be sent the same bytes: an engine that can
   * keep the body as it streams may send the first attempt at once (the node engine does).
   */
  readonly replayOnly?: boolean
}

/** A choice that can be made as soon as the model is known, without the rest of the body. */
export type ModelBodyChoice = BodyChoice & Required<Pick<BodyChoice, 'findModel' | 'chooseModel'>>

/** Whether the engine may stop reading at the model; otherwise it reads the body whole (bounded). */
export function choosesByModel(choice: BodyChoice): choice is ModelBodyChoice {
  return choice.findModel !== undefined && choice.chooseModel !== undefined
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
  // `//` again once a stage or route prefix is gone: nothing before this line reaches an upstream.
  if (path.startsWith('//') || routedPath.startsWith('//')) return fail(doubleSlash())
  const upstream = route.upstream
  let headers = toUpstreamHeaders(clientHeaders, {
    upstreamHost: upstream.host,
    dropPrefixes: config.dropHeaderPrefixes,
  })
  if (route.upstreamKey !== undefined)
    headers = withUpstreamKey(headers, route.upstreamKey, route.credentialStyle)
  else if (route.azure) headers = bearerToApiKey(headers)
  const contentType = getHeader(request.headers, 'content-type')
  let destination: Destination = {
    upstreamPath: upstream.basePath + routedPath + (target.query ? `?${target.query}` : ''),
  }
  if (route.azure) {
    const azure = azureDestination(route, routedPath, target.query, contentType, config, fail)
    if (azure === 'models') return jsonReply(200, azureModelList(route.azure), corsHeaders, path)
    destination = azure
  }
  // One object, made whole: the plan of every forwarded request, read by the engines' hot paths.
  const plan: ForwardPlan = {
    kind: 'forward',
    upstream,
    upstreamPath: destination.upstreamPath,
    headers,
    corsHeaders,
    logPath: path,
    keyName,
    route,
    model: modelFromPath(routedPath),
    contentType,
    choosePathByBody: destination.choosePathByBody,
  }
  return withGateway(plan, config, request.headers)
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
      if (status < 200 || status > 599) return errorReply(invalidStatus(status), corsHeaders, ASK_PATH)
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
  const page: StatusPageInfo = {
    version: VERSION,
    upstreams: tokenRequired
      ? []
      : config.routes.map((route) => ({ prefix: route.prefix || '/', origin: route.upstream.origin })),
    baseUrl: guessBaseUrl(rawPath, headers),
    tokenRequired,
    language: choosePageLanguage(getHeader(headers, 'accept-language')),
    probePath: config.routes.at(-1)!.azure ? '/files' : '/models',
  }
  return { kind: 'reply', status: 200, headers: statusPageHeaders(), body: '', logPath: '/', page }
}

/** Azure mode's lookups already hold all the body bytes this process allows: try again soon. */
export function modelLookupBusy(): OxyError {
  return new OxyError(
    'model_lookup_busy',
    'This proxy is reading too many large request bodies to find their model; retry in a moment.',
  )
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
