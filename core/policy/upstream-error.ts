import { isOxyError, OxyError } from './errors'

/** Socket and TLS error codes (Node's, which undici's fetch also reports as `cause.code`). */
const UNREACHABLE_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
])
const RESET_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'EPIPE',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
])

/** Node's TLS errors and OpenSSL's certificate verification codes (DEPTH_ZERO_SELF_SIGNED_CERT, ...). */
const TLS_CODE = /^(ERR_TLS|ERR_SSL|CERT_|EPROTO$)|SELF_SIGNED|UNABLE_TO_(GET|VERIFY|DECRYPT)|_CERT_|SSL/

/**
 * Turns whatever a failed upstream exchange threw into the error the client is told about.
 * Looks at `code`, then at `cause.code` (how fetch wraps socket errors).
 */
export function classifyUpstreamError(error: unknown): OxyError {
  if (isOxyError(error)) return error
  const code = errorCode(error) ?? errorCode((error as { cause?: unknown } | undefined)?.cause) ?? ''
  const options = { cause: error }
  if (UNREACHABLE_CODES.has(code)) {
    return new OxyError('upstream_unreachable', `The upstream could not be reached (${code}).`, options)
  }
  if (RESET_CODES.has(code)) {
    return new OxyError(
      'upstream_reset',
      `The upstream closed the connection before responding (${code}).`,
      options,
    )
  }
  if (TLS_CODE.test(code)) {
    return new OxyError('upstream_tls_error', `The TLS connection to the upstream failed (${code}).`, options)
  }
  if (code.startsWith('HPE_') || code === 'UND_ERR_INFO') {
    return new OxyError(
      'upstream_bad_response',
      `The upstream sent a malformed HTTP response (${code}).`,
      options,
    )
  }
  return new OxyError(
    'upstream_unreachable',
    `The upstream request failed${code ? ` (${code})` : ''}.`,
    options,
  )
}

function errorCode(value: unknown): string | undefined {
  const code = (value as { code?: unknown } | undefined)?.code
  return typeof code === 'string' ? code : undefined
}

/** oxy never follows a redirect: where it points is the upstream's (or an attacker's) choice. */
export function upstreamRedirect(status: number): OxyError {
  return new OxyError(
    'upstream_redirect',
    `The upstream answered with a redirect (${status}), which oxy does not follow.`,
  )
}

/** RFC 9110 section 15: a status outside 100-599 is invalid; a client treats it as a 5xx. */
export function invalidStatus(status: number): OxyError {
  return new OxyError('upstream_bad_response', `The upstream answered with an invalid status (${status}).`)
}
