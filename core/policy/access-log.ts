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

/**
 * The line, written out by hand rather than through an object and JSON.stringify (one line per
 * request, on the hot path). Every string a client chose (method, path, model) is JSON-quoted,
 * so quotes and control characters are escaped.
 */
export function formatAccessLog(entry: AccessLogEntry, now?: Date): string {
  let line = `{"time":"${now ? now.toISOString() : isoNow()}","level":"${entry.error ? 'warn' : 'info'}","msg":"request"`
  line += `,"method":${quoted(entry.method)},"path":${quoted(entry.path)},"status":${number(entry.status)}`
  line += `,"upstream_ms":${entry.upstreamMs === undefined ? 'null' : tenths(entry.upstreamMs)}`
  line += `,"ms":${tenths(entry.totalMs)},"bytes_in":${number(entry.bytesIn)},"bytes_out":${number(entry.bytesOut)}`
  if (entry.error) line += `,"error":${quoted(entry.error)}`
  if (entry.key !== undefined) line += `,"key":${quoted(entry.key)}`
  if (entry.model !== undefined) line += `,"model":${quoted(entry.model)}`
  if (entry.promptTokens !== undefined) line += `,"prompt_tokens":${number(entry.promptTokens)}`
  if (entry.completionTokens !== undefined) line += `,"completion_tokens":${number(entry.completionTokens)}`
  return `${line}}`
}

/** As JSON.stringify writes a number: a non-finite one is null, so the line stays JSON. */
function number(value: number): string {
  return Number.isFinite(value) ? String(value) : 'null'
}

/**
 * Milliseconds to one decimal, written as JSON.stringify writes Math.round(ms * 10) / 10 (39.2,
 * 40), from integers: a double's shortest decimal form costs ~3x as much.
 */
function tenths(ms: number): string {
  const scaled = Math.round(ms * 10)
  if (!(scaled >= 0 && scaled <= Number.MAX_SAFE_INTEGER)) return number(scaled / 10)
  const whole = Math.floor(scaled / 10)
  const digit = scaled - whole * 10
  return digit === 0 ? String(whole) : `${whole}.${digit}`
}

/** Strings a log line repeats (method, path, key name, model), JSON-quoted once each. */
const QUOTED = new Map<string, string>()
const QUOTED_MAX_ENTRIES = 64
const QUOTED_MAX_LENGTH = 256

function quoted(text: string): string {
  let json = QUOTED.get(text)
  if (json !== undefined) return json
  json = JSON.stringify(text)
  if (text.length > QUOTED_MAX_LENGTH) return json
  // Bounded, whatever paths and models clients send: when full it starts over.
  if (QUOTED.size >= QUOTED_MAX_ENTRIES) QUOTED.clear()
  QUOTED.set(text, json)
  return json
}

let isoMs = Number.NaN
let isoText = ''
let isoSecond = Number.NaN
/** `2026-12-01T12:00:00.`: the second's ISO text up to its milliseconds. */
let isoSecondText = ''

/**
 * The time now as ISO 8601. toISOString costs ~7k instructions (V8 formats it through printf),
 * more than the rest of the line: it runs once per second, and each millisecond's text is that
 * second's with three digits put on; many lines share a millisecond under load.
 */
function isoNow(): string {
  const ms = Date.now()
  if (ms !== isoMs) {
    isoMs = ms
    isoText = isoAt(ms)
  }
  return isoText
}

/** As `new Date(ms).toISOString()`, for the milliseconds since 1970 that Date.now() returns. */
export function isoAt(ms: number): string {
  const fraction = ms % 1000
  const second = ms - fraction
  if (second !== isoSecond) {
    isoSecond = second
    isoSecondText = new Date(second).toISOString().slice(0, -4)
  }
  return `${isoSecondText}${fraction < 10 ? '00' : fraction < 100 ? '0' : ''}${fraction}Z`
}
