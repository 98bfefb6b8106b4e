import { bodyIncomplete, collectBody } from '../../exchange'
import type { HeaderPair, OxyError } from '../../policy'
import { isHeaderName } from '../../policy'
import type { ServedRequest } from './served'

/** RFC 9110 section 9.2.2: these may be sent twice without changing the outcome. */
export const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set([
  'GET',
  'HEAD',
  'OPTIONS',
  'DELETE',
  'PUT',
  'TRACE',
])
/** Methods node:http sent `Content-Length: 0` for when they had no body; some servers want it (411). */
const BODYLESS_WITHOUT_LENGTH: ReadonlySet<string> = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS', 'TRACE'])

/** HTTP/1.0 may leave Host out; no version may send two, which front ends could read differently. */
export function hasOneHost(req: ServedRequest): boolean {
  let hosts = 0
  for (let i = 0; i < req.rawHeaders.length; i += 2) if (isHeaderName(req.rawHeaders[i]!, 'host')) hosts++
  return hosts === 1 || (hosts === 0 && req.httpVersion === '1.0')
}

/**
 * The policy's headers plus the length it leaves to the engine: a body read to choose the path
 * goes with its exact length; a bodiless POST-like request gets `Content-Length: 0`. (A chunked
 * body is re-framed by the exchange, which adds Transfer-Encoding itself: it is hop-by-hop.)
 */
export function withBodyLength(
  req: ServedRequest,
  headers: readonly HeaderPair[],
  readAlready: Buffer | undefined,
  bodyless: boolean,
): readonly HeaderPair[] {
  if (readAlready) {
    // Read whole from a body the client framed with the same length: its headers say it already.
    const declared = req.headers['content-length']
    if (declared === String(readAlready.length) && req.headers['transfer-encoding'] === undefined)
      return headers
    return withLength(headers, readAlready.length)
  }
  const declaresLength = req.headers['content-length'] !== undefined
  if (bodyless && !declaresLength && !BODYLESS_WITHOUT_LENGTH.has(req.method ?? 'GET'))
    return withLength(headers, 0)
  return headers
}

/** The body was read to choose the path: send it with its exact length, whatever framing it came in. */
function withLength(headers: readonly HeaderPair[], length: number): HeaderPair[] {
  const out = headers.filter(([name]) => !isHeaderName(name, 'content-length'))
  out.push(['Content-Length', String(length)])
  return out
}

/**
 * Reads a whole request body, then calls `done` with it, or `fail` with an OxyError when it is
 * over `maxBytes` or cut short: one of them, once. Callbacks rather than a promise: a gateway with
 * a key pool reads every small body this way (kept for a replay), and the promise cost each
 * request an allocation and a microtask turn.
 */
export function readBody(
  req: ServedRequest,
  maxBytes: number,
  done: (body: Buffer) => void,
  fail: (error: OxyError) => void,
): void {
  const collector = collectBody(maxBytes)
  let settled = false
  const failOnce = (error: OxyError) => {
    if (settled) return
    settled = true
    fail(error)
  }
  req.on('data', (chunk: Buffer) => {
    const error = collector.add(chunk)
    if (!error) return
    req.removeAllListeners('data')
    req.pause()
    failOnce(error)
  })
  req.on('end', () => {
    if (settled) return
    settled = true
    const body = collector.bytes()
    done(Buffer.from(body.buffer, body.byteOffset, body.byteLength))
  })
  req.on('error', (error) => failOnce(bodyIncomplete(error)))
}
