import { ConfigError } from './errors'

/**
 * Where the shared limit counters live. The URL carries a password, so every error about it
 * describes the value instead of printing it (ConfigError's `secret`).
 * Format: https://www.iana.org/assignments/uri-schemes/prov/redis and .../rediss
 */

export const DEFAULT_REDIS_PORT = 6379
/** Redis ships with 16 databases; managed offerings allow up to 256 (Tencent Cloud). */
const MAX_REDIS_DB = 255

export interface RedisEndpoint {
  readonly tls: boolean
  /** Bare host name or address (IPv6 without brackets). */
  readonly host: string
  readonly port: number
  /** ACL user (Redis 6+); undefined sends `AUTH password` alone. */
  readonly username: string | undefined
  readonly password: string | undefined
  readonly db: number
}

export function parseRedisUrl(variable: string, value: string): RedisEndpoint {
  const refuse = (expected: string) => new ConfigError(variable, value, expected, { secret: true })
  let url: URL
  try {
    url = new URL(value.trim())
  } catch {
    throw refuse(
      'expected a URL such as redis://:password@10.0.0.5:6379/0 or rediss://user:password@host:6380',
    )
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw refuse(`expected redis:// or rediss://, not ${url.protocol.replace(':', '://')}`)
  }
  if (!url.hostname) throw refuse('expected a host name after redis://')
  const db = parseDb(url.pathname)
  if (db === undefined) throw refuse(`expected a database number from 0 to ${MAX_REDIS_DB} as the path`)
  if (url.search || url.hash) throw refuse('expected no query string or fragment')
  let username: string | undefined
  let password: string | undefined
  try {
    username = url.username ? decodeURIComponent(url.username) : undefined
    password = url.password ? decodeURIComponent(url.password) : undefined
  } catch {
    throw refuse('the user or password holds a broken %-escape')
  }
  return {
    tls: url.protocol === 'rediss:',
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port ? Number(url.port) : DEFAULT_REDIS_PORT,
    username,
    password,
    db,
  }
}

function parseDb(pathname: string): number | undefined {
  const digits = pathname.replace(/^\//, '')
  if (digits === '') return 0
  if (!/^\d{1,3}$/.test(digits)) return undefined
  const db = Number(digits)
  return db <= MAX_REDIS_DB ? db : undefined
}

/** For log lines: where, never who or with what password. */
export function describeRedisEndpoint(endpoint: RedisEndpoint): string {
  const host = endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host
  return `${endpoint.tls ? 'rediss' : 'redis'}://${host}:${endpoint.port}/${endpoint.db}`
}
