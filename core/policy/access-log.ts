import type { OxyErrorCode } from './errors'

/**
 * One JSON line per request. Deliberately has no field for headers, query strings or bodies:
 * Authorization, api-key, cookies and prompts never reach a log.
 */
export interface AccessLogEntry {
  readonly method: string
  /** Path without the query string. */
  readonly path: string
  /** Status sent to the client; 0 when the client left before any. */
  readonly status: number
  /** Milliseconds from the request's arrival to the upstream's response headers. */
  readonly upstreamMs: number | undefined
  readonly totalMs: number
  readonly bytesIn: number
  readonly bytesOut: number
  /** Why the exchange failed, as an error code, when it did. */
  readonly error?: OxyErrorCode | undefined
  /** The access key's name (never its token), when access keys are set. */
  readonly key?: string | undefined
  /** The model the request named. */
  readonly model?: string | undefined
  /** Token counts the upstream reported, read as the response passed. */
  readonly promptTokens?: number | undefined
  readonly completionTokens?: number | undefined
}

export function formatAccessLog(entry: AccessLogEntry, now: Date = new Date()): string {
  return JSON.stringify({
    time: now.toISOString(),
    level: entry.error ? 'warn' : 'info',
    msg: 'request',
    method: entry.method,
    path: entry.path,
    status: entry.status,
    upstream_ms: entry.upstreamMs === undefined ? null : round(entry.upstreamMs),
    ms: round(entry.totalMs),
    bytes_in: entry.bytesIn,
    bytes_out: entry.bytesOut,
    ...(entry.error ? { error: entry.error } : {}),
    ...(entry.key === undefined ? {} : { key: entry.key }),
    ...(entry.model === undefined ? {} : { model: entry.model }),
    ...(entry.promptTokens === undefined ? {} : { prompt_tokens: entry.promptTokens }),
    ...(entry.completionTokens === undefined ? {} : { completion_tokens: entry.completionTokens }),
  })
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10
}
