import type { HeaderList, HeaderPair } from './header-list'
import { getHeader } from './header-list'

/** https://fetch.spec.whatwg.org/#http-cors-protocol */
export const CORS_ALLOW_METHODS = 'GET, POST, PUT, PATCH, DELETE, OPTIONS'
/** Used when a preflight names no headers; the SDKs' own set. */
const DEFAULT_ALLOW_HEADERS = 'Authorization, Content-Type, OpenAI-Organization, OpenAI-Project, api-key'
/** Lets browsers cache a preflight for a day (Chromium caps it at 2 hours). */
const PREFLIGHT_MAX_AGE_S = '86400'
/** Browser clients read rate limits and request ids to back off and report errors. */
const EXPOSE_HEADERS = '*'

/** The CORS headers every response to this request carries. */
export function corsHeadersFor(requestHeaders: HeaderList, allowedOrigins: readonly string[]): HeaderPair[] {
  if (allowedOrigins.includes('*')) {
    return [
      ['Access-Control-Allow-Origin', '*'],
      ['Access-Control-Expose-Headers', EXPOSE_HEADERS],
    ]
  }
  const origin = getHeader(requestHeaders, 'origin')
  // Responses differ by Origin, so caches must key on it even when this one is refused.
  const vary: HeaderPair = ['Vary', 'Origin']
  if (origin === undefined || !allowedOrigins.includes(origin)) return [vary]
  return [['Access-Control-Allow-Origin', origin], ['Access-Control-Expose-Headers', EXPOSE_HEADERS], vary]
}

/** Headers of the 204 answer to an OPTIONS preflight, which needs no credentials. */
export function preflightHeaders(
  requestHeaders: HeaderList,
  allowedOrigins: readonly string[],
): HeaderPair[] {
  const requested = getHeader(requestHeaders, 'access-control-request-headers')
  return [
    ...corsHeadersFor(requestHeaders, allowedOrigins),
    ['Access-Control-Allow-Methods', CORS_ALLOW_METHODS],
    // Echo what the browser asks for: SDKs send x-stainless-* headers that no fixed list keeps up with.
    ['Access-Control-Allow-Headers', requested?.trim() ? requested : DEFAULT_ALLOW_HEADERS],
    ['Access-Control-Max-Age', PREFLIGHT_MAX_AGE_S],
  ]
}
