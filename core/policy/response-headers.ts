import type { HeaderList, HeaderPair } from './header-list'
import { isHeaderName } from './header-list'
import { connectionNominated, HOP_BY_HOP_HEADERS } from './hop-by-hop'

/** Tells nginx-style buffers in front of the proxy (and some CDNs) to pass SSE through at once. */
export const SSE_HEADERS: HeaderList = [
  ['X-Accel-Buffering', 'no'],
  ['Cache-Control', 'no-cache'],
]

/** The proxy answers CORS itself; the upstream's own answer would duplicate or contradict it. */
const UPSTREAM_CORS_HEADERS: ReadonlySet<string> = new Set([
  'access-control-allow-origin',
  'access-control-allow-credentials',
])

export interface ResponseHeaderPolicy {
  /**
   * True when the engine hands the client a decoded body (fetch decodes gzip and br): the
   * upstream's Content-Encoding and Content-Length would then describe bytes that are not sent.
   */
  readonly bodyDecoded: boolean
  /** The Access-Control-Allow-Origin value for this request, if any. */
  readonly corsHeaders: HeaderList
}

export function isEventStream(pairs: HeaderList): boolean {
  for (const [name, value] of pairs) {
    if (isHeaderName(name, 'content-type')) return isEventStreamType(value)
  }
  return false
}

/** `text/event-stream` in any case, with or without parameters; most types are told by length. */
function isEventStreamType(type: string): boolean {
  return type.length >= 17 && type.slice(0, 17).toLowerCase() === 'text/event-stream'
}

/** The headers to send the client for an upstream response. */
export function toClientHeaders(pairs: HeaderList, policy: ResponseHeaderPolicy): HeaderPair[] {
  const nominated = connectionNominated(pairs)
  const eventStream = isEventStream(pairs)
  const out: HeaderPair[] = []
  for (const pair of pairs) {
    const lower = pair[0].toLowerCase()
    if (HOP_BY_HOP_HEADERS.has(lower) || nominated?.has(lower) || UPSTREAM_CORS_HEADERS.has(lower)) continue
    if (policy.bodyDecoded && (lower === 'content-encoding' || lower === 'content-length')) continue
    if (eventStream && (lower === 'cache-control' || lower === 'x-accel-buffering')) continue
    out.push(pair)
  }
  if (eventStream) out.push(...SSE_HEADERS)
  out.push(...policy.corsHeaders)
  return out
}
