import type { AccessKey } from './access-keys'
import { parseAccessKeys as parseNamedAccessKeys } from './access-keys'
import { ConfigError } from './errors'
import type { KeyRules } from './key-rules'
import { parseKeyRules } from './key-rules'
import type { LimitsConfig } from './limits-config'
import { parseLimitsConfig } from './limits-config'
import type { Route } from './routes'
import { parseRoutes, parseTargets } from './routes'

/**
 * One typed configuration object, built once from the environment at the adapter edge.
 * Names and defaults stay compatible with the Go proxy oxy replaces (OXY_TARGET, OXY_PORT,
 * OXY_HOP_HEADER_PREFIX).
 */

export const DEFAULT_TARGET = 'https://api.openai.com'
export const DEFAULT_PORT = 9000
export const DEFAULT_HOST = '0.0.0.0'
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000
/** Reasoning models can think for minutes before their first byte. */
export const DEFAULT_FIRST_BYTE_TIMEOUT_MS = 600_000
export const DEFAULT_IDLE_TIMEOUT_MS = 300_000
/** The largest delay setTimeout honours; larger values fire at once. */
const MAX_TIMER_MS = 2_147_483_647

export type Env = Readonly<Record<string, string | undefined>>
export type LogFormat = 'json' | 'off'

export interface Upstream {
  /** `https://api.openai.com`: scheme, host and port, no path. */
  readonly origin: string
  readonly protocol: 'http:' | 'https:'
  readonly hostname: string
  readonly port: number
  /** The Host header value the upstream expects. */
  readonly host: string
  /** Path prefix kept in front of every request path, without a trailing slash ('' for none). */
  readonly basePath: string
}

export interface OutboundProxy {
  readonly httpProxy: string | undefined
  readonly httpsProxy: string | undefined
  readonly noProxy: readonly string[]
}

export interface ProxyConfig {
  /** The default upstream (OXY_TARGET); `routes` ends with the route to it. */
  readonly target: Upstream
  /** Longest prefix first; the last is the default route. */
  readonly routes: readonly Route[]
  /** Tokens clients must present; empty when the proxy is open. */
  readonly accessKeys: readonly string[]
  /** The same tokens with their names (OXY_ACCESS_KEYS `name:token`). */
  readonly namedAccessKeys: readonly AccessKey[]
  /** OXY_KEY_RULES, by access-key name. */
  readonly keyRules: KeyRules
  /** The model GET /_oxy/ask uses. */
  readonly askModel: string
  readonly host: string
  readonly port: number
  readonly connectTimeoutMs: number
  readonly firstByteTimeoutMs: number
  readonly idleTimeoutMs: number
  /** `['*']` or exact origins. */
  readonly corsOrigins: readonly string[]
  readonly log: LogFormat
  /** Lower-case header name prefixes that never reach the upstream. */
  readonly dropHeaderPrefixes: readonly string[]
  /** Leading path segments (API gateway stages) removed before routing, e.g. `release`. */
  readonly stagePrefixes: readonly string[]
  /** Request bodies above this many bytes get 413; undefined for no limit. */
  readonly maxBodyBytes: number | undefined
  readonly outboundProxy: OutboundProxy
  /** Per-key rpm / tpm / tokens_per_day from OXY_KEY_RULES and where they count; undefined: none. */
  readonly limits: LimitsConfig | undefined
}

/** What a platform adapter sets before the user's environment is read. */
export interface PlatformDefaults {
  readonly port?: number
  /** Always dropped, in addition to OXY_HOP_HEADER_PREFIX: the platform's own injected headers. */
  readonly dropHeaderPrefixes?: readonly string[]
  readonly stagePrefixes?: readonly string[]
  readonly maxBodyBytes?: number
}

export const DEFAULT_ASK_MODEL = 'gpt-4o-mini'

export function parseConfig(env: Env, defaults: PlatformDefaults = {}): ProxyConfig {
  const userPrefixes = parseList(env.OXY_HOP_HEADER_PREFIX).map((prefix) => prefix.toLowerCase())
  const targets = parseTargets('OXY_TARGET', env.OXY_TARGET || DEFAULT_TARGET)
  const target = targets[0]!
  const routes = parseRoutes(env, targets)
  const namedAccessKeys = parseNamedAccessKeys('OXY_ACCESS_KEYS', env.OXY_ACCESS_KEYS)
  const accessKeys = namedAccessKeys.map((key) => key.token)
  refuseOpenRelay(routes, accessKeys, env.OXY_ALLOW_OPEN_RELAY)
  const keyRules = parseKeyRules('OXY_KEY_RULES', env.OXY_KEY_RULES, namedAccessKeys)
  return {
    target,
    routes,
    accessKeys,
    namedAccessKeys,
    keyRules,
    askModel: env.OXY_ASK_MODEL?.trim() || DEFAULT_ASK_MODEL,
    host: parseHost('OXY_HOST', env.OXY_HOST ?? DEFAULT_HOST),
    port: parsePort('OXY_PORT', env.OXY_PORT, defaults.port ?? DEFAULT_PORT),
    connectTimeoutMs: parseTimeout(
      'OXY_CONNECT_TIMEOUT_MS',
      env.OXY_CONNECT_TIMEOUT_MS,
      DEFAULT_CONNECT_TIMEOUT_MS,
    ),
    firstByteTimeoutMs: parseTimeout(
      'OXY_FIRST_BYTE_TIMEOUT_MS',
      env.OXY_FIRST_BYTE_TIMEOUT_MS,
      DEFAULT_FIRST_BYTE_TIMEOUT_MS,
    ),
    idleTimeoutMs: parseTimeout('OXY_IDLE_TIMEOUT_MS', env.OXY_IDLE_TIMEOUT_MS, DEFAULT_IDLE_TIMEOUT_MS),
    corsOrigins: parseCorsOrigins('OXY_CORS_ORIGINS', env.OXY_CORS_ORIGINS),
    log: parseLogFormat('OXY_LOG', env.OXY_LOG),
    dropHeaderPrefixes: unique([
      ...(defaults.dropHeaderPrefixes ?? []).map((p) => p.toLowerCase()),
      ...userPrefixes,
    ]),
    stagePrefixes:
      env.OXY_STAGE_PREFIXES === undefined
        ? (defaults.stagePrefixes ?? [])
        : parseStagePrefixes('OXY_STAGE_PREFIXES', env.OXY_STAGE_PREFIXES),
    maxBodyBytes: parseByteLimit('OXY_MAX_BODY_BYTES', env.OXY_MAX_BODY_BYTES, defaults.maxBodyBytes),
    outboundProxy: parseOutboundProxy(env),
    limits: parseLimitsConfig(env, keyRules),
  }
}

export function parseUpstream(variable: string, value: string): Upstream {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new ConfigError(variable, value, 'expected an absolute http(s) URL such as https://api.openai.com')
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(variable, value, 'expected an http:// or https:// URL')
  }
  if (url.username || url.password) {
    throw new ConfigError(variable, value, 'credentials in the URL are not supported; use OXY_UPSTREAM_KEY')
  }
  if (url.search || url.hash) {
    throw new ConfigError(variable, value, 'expected no query string or fragment')
  }
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80
  return {
    origin: url.origin,
    protocol: url.protocol,
    // URL keeps IPv6 literals bracketed; sockets want them bare.
    hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port,
    host: url.host,
    basePath: url.pathname.replace(/\/+$/, ''),
  }
}

/**
 * A server-held key without access keys is an open relay that spends the owner's key for
 * whoever finds the URL: refuse it unless the owner says so on purpose.
 */
function refuseOpenRelay(
  routes: readonly Route[],
  accessKeys: readonly string[],
  allow: string | undefined,
): void {
  if (accessKeys.length > 0 || allow === '1' || allow === 'true') return
  const keyed = routes.find((route) => route.upstreamKey !== undefined)
  if (!keyed) return
  const variable = keyed.prefix === '' ? 'OXY_UPSTREAM_KEY' : `the key for ${keyed.prefix}`
  throw new ConfigError(
    'OXY_ACCESS_KEYS',
    '',
    `${variable} is set but OXY_ACCESS_KEYS is empty, so anyone who finds this URL would spend your key. ` +
      'Set OXY_ACCESS_KEYS to the tokens your clients use, or OXY_ALLOW_OPEN_RELAY=1 if that is really what you want.',
  )
}

function parsePort(variable: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback
  const port = parseInteger(value)
  if (port === undefined || port > 65_535) {
    throw new ConfigError(variable, value, 'expected a port number from 0 to 65535')
  }
  return port
}

function parseTimeout(variable: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback
  const ms = parseInteger(value)
  if (ms === undefined || ms > MAX_TIMER_MS) {
    throw new ConfigError(variable, value, `expected milliseconds from 0 (no limit) to ${MAX_TIMER_MS}`)
  }
  return ms
}

function parseByteLimit(variable: string, value: string | undefined, fallback: number | undefined) {
  if (value === undefined || value === '') return fallback
  const bytes = parseInteger(value)
  if (bytes === undefined)
    throw new ConfigError(variable, value, 'expected a whole number of bytes, 0 for no limit')
  return bytes === 0 ? undefined : bytes
}

function parseInteger(value: string): number | undefined {
  if (!/^\d{1,16}$/.test(value.trim())) return undefined
  return Number(value.trim())
}

function parseHost(variable: string, value: string): string {
  // An interface address or name: no scheme, port or path.
  if (!/^[0-9A-Za-z.:_-]+$/.test(value)) {
    throw new ConfigError(
      variable,
      value,
      'expected an address to listen on, such as 0.0.0.0, :: or 127.0.0.1',
    )
  }
  return value
}

function parseCorsOrigins(variable: string, value: string | undefined): readonly string[] {
  const origins = parseList(value ?? '*')
  if (origins.length === 0) throw new ConfigError(variable, value ?? '', 'expected * or a list of origins')
  if (origins.includes('*')) return ['*']
  for (const origin of origins) {
    let parsed: URL | undefined
    try {
      parsed = new URL(origin)
    } catch {}
    if (!parsed || parsed.origin !== origin.replace(/\/$/, '')) {
      throw new ConfigError(variable, origin, 'expected * or origins such as https://chat.example.com')
    }
  }
  return origins.map((origin) => origin.replace(/\/$/, ''))
}

function parseLogFormat(variable: string, value: string | undefined): LogFormat {
  const format = (value ?? 'json').trim().toLowerCase()
  if (format !== 'json' && format !== 'off')
    throw new ConfigError(variable, value ?? '', 'expected json or off')
  return format
}

function parseStagePrefixes(variable: string, value: string): readonly string[] {
  const stages = parseList(value).map((stage) => stage.replace(/^\/+|\/+$/g, ''))
  for (const stage of stages) {
    if (!/^[\w.-]+$/.test(stage))
      throw new ConfigError(variable, value, 'expected path segments such as release,test')
  }
  return stages
}

function parseOutboundProxy(env: Env): OutboundProxy {
  const pick = (upper: string) => {
    const value = env[upper] ?? env[upper.toLowerCase()]
    if (value === undefined || value.trim() === '') return undefined
    const variable = env[upper] === undefined ? upper.toLowerCase() : upper
    // Go and curl accept a bare host:port here and assume http.
    const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`
    let url: URL
    try {
      url = new URL(withScheme)
    } catch {
      throw new ConfigError(variable, value, 'expected a proxy URL such as http://127.0.0.1:7890')
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new ConfigError(variable, value, 'only http:// and https:// proxies are supported')
    }
    return url.href
  }
  return {
    httpProxy: pick('HTTP_PROXY'),
    httpsProxy: pick('HTTPS_PROXY'),
    noProxy: parseList(env.NO_PROXY ?? env.no_proxy).map((entry) => entry.toLowerCase()),
  }
}

function parseList(value: string | undefined): string[] {
  if (value === undefined) return []
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')
}

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)]
}
