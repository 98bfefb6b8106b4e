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
  // Built field by field, not spread: one line per request, on the hot path.
  const line: Record<string, string | number | null> = {
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
  }
  if (entry.error) line.error = entry.error
  if (entry.key !== undefined) line.key = entry.key
  if (entry.model !== undefined) line.model = entry.model
  if (entry.promptTokens !== undefined) line.prompt_tokens = entry.promptTokens
  if (entry.completionTokens !== undefined) line.completion_tokens = entry.completionTokens
  return JSON.stringify(line)
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10
}
