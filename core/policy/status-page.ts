import type { PageLanguage } from './accept-language'
import { TOKEN_HEADERS } from './credentials'
import type { HeaderList, HeaderPair } from './header-list'
import { getHeader } from './header-list'
import { STATUS_SCRIPT_SHA256 } from './status-page-script'

export { STATUS_SCRIPT_SHA256, statusPageScript } from './status-page-script'

/**
 * The page a browser gets for `GET /`: proof that oxy runs, the base URL to paste into a client,
 * and a form that tries the key through this proxy. Self-contained (no external assets, so it
 * works where CDNs are blocked) and pure. The plan carries what the page shows
 * (`LocalReply.page`); its HTML, style, words and script are in render-status-page.ts, which the
 * Node zips carry as a file of their own, read only when a browser asks for the page.
 */

export interface StatusPageInfo {
  readonly version: string
  /** `/` for the default route, else the route prefix, with the upstream's origin. */
  readonly upstreams: readonly { readonly prefix: string; readonly origin: string }[]
  /** The server's best guess; the page's script replaces it with what the browser knows. */
  readonly baseUrl: string
  /** OXY_ACCESS_KEYS is set: the page then shows nothing about the configuration. */
  readonly tokenRequired: boolean
  /** From the browser's Accept-Language; English by default. */
  readonly language?: PageLanguage
  /**
   * What the page requests, under the base URL and without a key, to see whether the upstream
   * answers: `/models` by default; Azure mode answers that itself, so there another path.
   */
  readonly probePath?: string
}

/** https://developer.mozilla.org/docs/Web/HTTP/Headers/Content-Security-Policy */
export const STATUS_PAGE_CSP = [
  "default-src 'none'",
  `script-src '${STATUS_SCRIPT_SHA256}'`,
  "style-src 'unsafe-inline'",
  // The test form talks to this proxy and nowhere else: a key typed here cannot leave.
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ')

/** True for a browser asking for `/` as a page: HTML accepted and no credential sent. */
export function wantsStatusPage(method: string, path: string, headers: HeaderList): boolean {
  if (path !== '/' || (method !== 'GET' && method !== 'HEAD')) return false
  if (!/\btext\/html\b/i.test(getHeader(headers, 'accept') ?? '')) return false
  // A request carrying a key is an API call, never a page view.
  return !TOKEN_HEADERS.some((name) => getHeader(headers, name) !== undefined)
}

/**
 * The base URL a client should use, as far as the server can tell: the Host header, the scheme a
 * front end reports, and the stage prefix the request came through (`/release/` -> `/release/v1`).
 */
export function guessBaseUrl(rawPath: string, headers: HeaderList): string {
  const stage = rawPath.replace(/\/+$/, '')
  const host = getHeader(headers, 'x-forwarded-host')?.split(',')[0]?.trim() || getHeader(headers, 'host')
  // Anything but a plain host[:port] is shown as a path only: it would be echoed into the page.
  if (!host || !/^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(host)) return `${stage}/v1`
  const forwarded = getHeader(headers, 'x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase()
  const scheme =
    forwarded === 'http' || forwarded === 'https' ? forwarded : isLocalOrPorted(host) ? 'http' : 'https'
  return `${scheme}://${host}${stage}/v1`
}

/** Loopback, bare IPs and explicit ports are usually plain HTTP; cloud endpoints are HTTPS. */
function isLocalOrPorted(host: string): boolean {
  return /:\d+$/.test(host) || host === 'localhost' || /^[\d.]+$/.test(host) || host.startsWith('[')
}

/** Response headers for the page: never cached (it depends on Accept and the language), never framed. */
export function statusPageHeaders(): HeaderPair[] {
  return [
    ['Content-Type', 'text/html; charset=utf-8'],
    ['Cache-Control', 'no-store'],
    ['Vary', 'Accept, Accept-Language, Authorization'],
    ['Content-Security-Policy', STATUS_PAGE_CSP],
    ['X-Content-Type-Options', 'nosniff'],
    ['Referrer-Policy', 'no-referrer'],
    ['X-Frame-Options', 'DENY'],
  ]
}
