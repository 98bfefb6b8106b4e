import { isOxyError, OxyError } from '../../policy'
import { ProxyTunnelError } from './upstream-agents'

/** Node socket and TLS error codes, by what they mean for the client. */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'ETIMEDOUT',
])
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET'])

/** Turns an error from a failed upstream exchange into the error the client is told about. */
export function classifyUpstreamError(error: unknown): OxyError {
  if (isOxyError(error)) return error
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? ''
  if (error instanceof ProxyTunnelError) {
    return new OxyError('upstream_unreachable', error.message, { cause: error })
  }
  if (UNREACHABLE_CODES.has(code)) {
    return new OxyError('upstream_unreachable', `The upstream could not be reached (${code}).`, {
      cause: error,
    })
  }
  if (RESET_CODES.has(code)) {
    return new OxyError('upstream_reset', `The upstream closed the connection before responding (${code}).`, {
      cause: error,
    })
  }
  if (code.startsWith('ERR_TLS') || code.startsWith('CERT_') || code.includes('SSL') || code === 'EPROTO') {
    return new OxyError('upstream_tls_error', `The TLS connection to the upstream failed (${code}).`, {
      cause: error,
    })
  }
  if (code.startsWith('HPE_')) {
    return new OxyError('upstream_bad_response', `The upstream sent a malformed HTTP response (${code}).`, {
      cause: error,
    })
  }
  return new OxyError('upstream_unreachable', `The upstream request failed${code ? ` (${code})` : ''}.`, {
    cause: error,
  })
}
